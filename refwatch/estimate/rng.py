"""Fast, exact random variates for the LCMCR sampler, compiled with Numba.

Why not `np.random` inside Numba: each call there looks up a thread-local generator and
runs general-purpose algorithms, about 200-300 ns per gamma or binomial draw on this
machine; a sweep needs about a hundred of them.  Here the generator state is a local
array and each distribution uses the standard exact method for this regime:

- uniforms: xoshiro256** (Blackman and Vigna 2018), 53-bit doubles; seeded by SplitMix64;
- normals: Marsaglia's polar method (the second value is kept for the next call);
- gamma: Marsaglia and Tsang (2000), with the U^(1/a) boost below shape 1;
- binomial: inversion (BINV, Kachitvichyanukul and Schmeiser 1988) for small means and
  BTRD (Hoermann 1993) otherwise;
- Poisson: multiplication for small means, PTRS (Hoermann 1993) otherwise;
- negative binomial: a gamma mixture of Poissons.

Every sampler is exact (rejection steps use the exact probability mass); the tests
compare each against SciPy's distributions.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

State = npt.NDArray[np.uint64]
Spare = npt.NDArray[np.float64]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_FC_TABLE = np.array(
    [
        math.lgamma(k + 1.0) - ((k + 0.5) * math.log(k + 1.0) - (k + 1.0) + _LOG_SQRT_2PI)
        for k in range(10)
    ]
)


def new_state(seed: int) -> tuple[State, Spare]:
    """Generator state from a seed (SplitMix64 expansion, as the xoshiro authors advise)."""
    mask = (1 << 64) - 1
    x = seed & mask
    words = []
    for _ in range(4):
        x = (x + 0x9E3779B97F4A7C15) & mask
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        words.append(z ^ (z >> 31))
    return np.array(words, dtype=np.uint64), np.zeros(2)


@njit(cache=True, inline="always")
def _rotl(x: np.uint64, k: int) -> np.uint64:
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True)
def next_u64(s: State) -> np.uint64:
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(cache=True)
def uniform(s: State) -> float:
    """Uniform on [0, 1)."""
    return float(next_u64(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def uniform_pos(s: State) -> float:
    """Uniform on (0, 1)."""
    return (float(next_u64(s) >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def normal(s: State, spare: Spare) -> float:
    if spare[0] != 0.0:
        spare[0] = 0.0
        return float(spare[1])
    while True:
        u = 2.0 * uniform(s) - 1.0
        v = 2.0 * uniform(s) - 1.0
        r = u * u + v * v
        if 0.0 < r < 1.0:
            f = math.sqrt(-2.0 * math.log(r) / r)
            spare[0] = 1.0
            spare[1] = v * f
            return u * f


@njit(cache=True)
def gamma(s: State, spare: Spare, shape: float) -> float:
    """Gamma(shape, scale 1)."""
    if shape < 1.0:
        return float(gamma(s, spare, shape + 1.0) * uniform_pos(s) ** (1.0 / shape))
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = normal(s, spare)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform_pos(s)
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2:
            return d * v
        if math.log(u) < 0.5 * x2 + d * (1.0 - v + math.log(v)):
            return d * v


@njit(cache=True)
def log_gamma(s: State, spare: Spare, shape: float) -> float:
    """log of a Gamma(shape, 1) draw, stable for small shapes (as LCMCR's dan_log_gamma_1)."""
    if shape < 0.5:
        return math.log(uniform_pos(s)) / shape + math.log(gamma(s, spare, 1.0 + shape))
    return math.log(gamma(s, spare, shape))


@njit(cache=True)
def beta(s: State, spare: Spare, a: float, b: float) -> float:
    if a == 1.0 and b == 1.0:
        return uniform(s)
    x = gamma(s, spare, a)
    y = gamma(s, spare, b)
    return x / (x + y)


@njit(cache=True)
def _fc(k: int) -> float:
    """Stirling-series correction: log(k!) - Stirling approximation of it."""
    if k < 10:
        return float(_FC_TABLE[k])
    r = 1.0 / (k + 1.0)
    r2 = r * r
    return (1.0 / 12.0 - (1.0 / 360.0 - r2 / 1260.0) * r2) * r


@njit(cache=True)
def _binomial_inversion(s: State, n: int, p: float) -> int:
    q = 1.0 - p
    ratio = p / q
    a = (n + 1) * ratio
    while True:
        r = q**n
        u = uniform(s)
        x = 0
        while True:
            if u <= r:
                return x
            u -= r
            x += 1
            if x > n:
                break
            r *= a / x - ratio


@njit(cache=True)
def _binomial_btrd(s: State, n: int, p: float) -> int:
    m = int((n + 1) * p)
    r = p / (1.0 - p)
    nr = (n + 1) * r
    npq = n * p * (1.0 - p)
    sqrt_npq = math.sqrt(npq)
    b = 1.15 + 2.53 * sqrt_npq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    alpha = (2.83 + 5.1 / b) * sqrt_npq
    v_r = 0.92 - 4.2 / b
    u_rv_r = 0.86 * v_r
    while True:
        v = uniform(s)
        if v <= u_rv_r:
            u = v / v_r - 0.43
            return math.floor((2.0 * a / (0.5 - abs(u)) + b) * u + c)
        if v >= v_r:
            u = uniform(s) - 0.5
        else:
            u = v / v_r - 0.93
            u = (0.5 if u >= 0 else -0.5) - u
            v = uniform(s) * v_r
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        v = v * alpha / (a / (us * us) + b)
        km = abs(k - m)
        if km <= 15:
            f = 1.0
            if m < k:
                for i in range(m + 1, k + 1):
                    f *= nr / i - r
            elif m > k:
                for i in range(k + 1, m + 1):
                    v *= nr / i - r
            if v <= f:
                return k
            continue
        v = math.log(v)
        rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5)
        t = -km * km / (2.0 * npq)
        if v < t - rho:
            return k
        if v > t + rho:
            continue
        nm = n - m + 1
        h = (m + 0.5) * math.log((m + 1) / (r * nm)) + _fc(m) + _fc(n - m)
        nk = n - k + 1
        if v <= h + (n + 1) * math.log(nm / nk) + (k + 0.5) * math.log(nk * r / (k + 1)) - _fc(
            k
        ) - _fc(n - k):
            return k


@njit(cache=True)
def binomial(s: State, n: int, p: float) -> int:
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    x = _binomial_inversion(s, n, pp) if n * pp < 10.0 else _binomial_btrd(s, n, pp)
    return n - x if flip else x


@njit(cache=True)
def poisson(s: State, lam: float) -> int:
    if lam <= 0.0:
        return 0
    if lam < 10.0:
        limit = math.exp(-lam)
        k = 0
        prod = uniform(s)
        while prod > limit:
            k += 1
            prod *= uniform(s)
        return k
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(s) - 0.5
        v = uniform(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(
            a / (us * us) + b
        ) <= -lam + k * loglam - math.lgamma(k + 1.0):
            return k


@njit(cache=True)
def negative_binomial(s: State, spare: Spare, n: int, p: float) -> int:
    """Failures before the n-th success, success probability p (GSL's convention)."""
    if p >= 1.0:
        return 0
    return poisson(s, gamma(s, spare, float(n)) * (1.0 - p) / p)
