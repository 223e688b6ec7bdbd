"""Fast, exact random variates for the LCMCR sampler, compiled with Numba.

Why not `np.random` inside Numba: each call there looks up a thread-local generator and
runs general-purpose algorithms, about 200-300 ns per gamma or binomial draw on this
machine; a sweep needs about a hundred of them.  Here the generator state is a local
array and each distribution uses the standard exact method for this regime:

- uniforms: xoshiro256** (Blackman and Vigna 2018), 53-bit doubles on [0, 1) and (k + 1/2)/2^52
  on (0, 1); seeded by SplitMix64;
- normals: Marsaglia's polar method (the second value is kept for the next call);
- gamma: Marsaglia and Tsang (2000), with the U^(1/a) boost below shape 1;
- beta: Cheng's BB (1978) when both shapes exceed 1, closed forms when one is 1, a ratio
  of gammas otherwise;
- binomial: inversion (BINV, Kachitvichyanukul and Schmeiser 1988) for small means and
  BTRD (Hoermann 1993) otherwise;
- Poisson: multiplication for small means, PTRS (Hoermann 1993) otherwise;
- negative binomial: a gamma mixture of Poissons.

Every sampler is exact (rejection steps use the exact probability mass); the tests
compare each against SciPy's distributions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from numba import njit

from refwatch.estimate.numba_cache import use_versioned_cache

use_versioned_cache()

_Function = TypeVar("_Function", bound=Callable[..., Any])
State = npt.NDArray[np.uint64]
Spare = npt.NDArray[np.float64]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_FC_TABLE = np.array(
    [
        math.lgamma(k + 1.0) - ((k + 0.5) * math.log(k + 1.0) - (k + 1.0) + _LOG_SQRT_2PI)
        for k in range(10)
    ]
)


def leaf_jit(function: _Function) -> _Function:
    """Compile a sampler function that never allocates, for the LCMCR hot loop.

    Two options, each measured (benchmarks/lcmcr_speed.py): `_nrt=False` leaves out
    Numba's reference counting, atomic increments and decrements of every array argument
    at every call (10-30 ns a draw); `forceinline` lets LLVM inline the draws into the
    sweep, where a call passes each array as seven words (6.0 -> 5.6 s per million
    sweeps on the Kosovo table).
    """
    compiled: _Function = njit(**_LEAF_OPTIONS)(function)
    return compiled


# `_nrt` is a private option of Numba's, so not in its type stubs
_LEAF_OPTIONS: dict[str, Any] = {"cache": True, "_nrt": False, "forceinline": True}

# 1/x for the inversion search: a multiplication waits a third as long as a division
_RECIPROCAL_COUNT = 64
_RECIPROCALS = np.array([0.0] + [1.0 / x for x in range(1, _RECIPROCAL_COUNT)])


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


@leaf_jit
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


@leaf_jit
def uniform(s: State) -> float:
    """Uniform on [0, 1)."""
    return float(next_u64(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@leaf_jit
def uniform_pos(s: State) -> float:
    """Uniform on (0, 1): (k + 1/2) / 2^52 with k < 2^52 is exact, so never 0 or 1 (with
    53 bits, k + 1/2 rounds up to 2^53 for the largest k)."""
    return (float(next_u64(s) >> np.uint64(12)) + 0.5) * (1.0 / 4503599627370496.0)


@leaf_jit
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


@leaf_jit
def _gamma_at_least_one(s: State, spare: Spare, shape: float) -> float:
    """Marsaglia and Tsang's method, valid for shape >= 1."""
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


@leaf_jit
def gamma(s: State, spare: Spare, shape: float) -> float:
    """Gamma(shape, scale 1).

    Not recursive on purpose: a self-calling Numba function cannot be inlined and cost
    about 11 ns more per draw here.
    """
    if shape < 1.0:
        boost: float = uniform_pos(s) ** (1.0 / shape)
        return _gamma_at_least_one(s, spare, shape + 1.0) * boost
    return _gamma_at_least_one(s, spare, shape)


@leaf_jit
def log_gamma(s: State, spare: Spare, shape: float) -> float:
    """log of a Gamma(shape, 1) draw, stable for small shapes (as LCMCR's dan_log_gamma_1)."""
    if shape < 0.5:
        return math.log(uniform_pos(s)) / shape + math.log(
            _gamma_at_least_one(s, spare, 1.0 + shape)
        )
    return math.log(gamma(s, spare, shape))


@leaf_jit
def _beta_cheng_bb(s: State, aa: float, bb: float) -> tuple[float, float]:
    """(x, y) with V = x / (x + y) ~ Beta(aa, bb), by Cheng's algorithm BB (1978), for
    min(aa, bb) > 1.

    One log and one exp per try (about 1.1 tries), where a ratio of gammas costs two
    normals, two square roots and up to four logs. The two parts, not V, come back, so
    that V, 1 - V and their logs can each be computed without cancellation.
    """
    a = min(aa, bb)
    b = max(aa, bb)
    alpha = a + b
    bet = math.sqrt((alpha - 2.0) / (2.0 * a * b - alpha))
    gam = a + 1.0 / bet
    while True:
        u1 = uniform_pos(s)
        u2 = uniform_pos(s)
        v = bet * math.log(u1 / (1.0 - u1))
        w = a * math.exp(v)
        z = u1 * u1 * u2
        r = gam * v - 1.3862943611198906  # log 4
        t = a + r - w
        if t + 2.6094379124341003 >= 5.0 * z:  # 1 + log 5
            break
        log_z = math.log(z)
        if t > log_z:
            break
        if r + alpha * math.log(alpha / (b + w)) >= log_z:
            break
    if aa != a:
        return b, w
    return w, b


@leaf_jit
def beta(s: State, spare: Spare, a: float, b: float) -> float:
    if a > 1.0 and b > 1.0:
        x, y = _beta_cheng_bb(s, a, b)
        return x / (x + y)
    if a == 1.0:
        if b == 1.0:
            return uniform(s)
        # Beta(1, b) = 1 - U^(1/b), written so that small values keep their digits
        return -math.expm1(math.log(uniform_pos(s)) / b)
    if b == 1.0:
        draw: float = uniform_pos(s) ** (1.0 / a)
        return draw
    x = gamma(s, spare, a)
    y = gamma(s, spare, b)
    return x / (x + y)


@leaf_jit
def _log1mexp(x: float) -> float:
    """log(1 - e^x) for x < 0, accurate on both sides of -log 2 (Maechler 2012)."""
    if x > -0.6931471805599453:
        return math.log(-math.expm1(x))
    return math.log1p(-math.exp(x))


@leaf_jit
def log_beta(s: State, spare: Spare, a: float, b: float) -> tuple[float, float]:
    """(log V, log(1 - V)) for V ~ Beta(a, b), as the stick-breaking weights need.

    Both logs keep their relative precision, also where V or 1 - V underflows (shapes
    far below 1) and where one is so close to 1 that its log is a tiny negative number:
    each log is computed as log1p of a ratio, never as a difference of logs.
    """
    if a > 1.0 and b > 1.0:
        x, y = _beta_cheng_bb(s, a, b)
        return -math.log1p(y / x), -math.log1p(x / y)
    if a == 1.0:
        # 1 - V = U^(1/b)
        log_rest = math.log(uniform_pos(s)) / b
        return _log1mexp(log_rest), log_rest
    g1 = log_gamma(s, spare, a)
    g2 = log_gamma(s, spare, b)
    # V = e^g1 / (e^g1 + e^g2); take the log of the smaller share as a difference
    # (no cancellation there) and of the larger one as log1p
    if g1 >= g2:
        log_larger = -math.log1p(math.exp(g2 - g1))
        return log_larger, g2 - g1 + log_larger
    log_larger = -math.log1p(math.exp(g1 - g2))
    return g1 - g2 + log_larger, log_larger


@leaf_jit
def _fc(k: int) -> float:
    """Stirling-series correction: log(k!) - Stirling approximation of it."""
    if k < 10:
        return float(_FC_TABLE[k])
    r = 1.0 / (k + 1.0)
    r2 = r * r
    return (1.0 / 12.0 - (1.0 / 360.0 - r2 / 1260.0) * r2) * r


@leaf_jit
def _binomial_inversion(s: State, n: int, p: float) -> int:
    q = 1.0 - p
    ratio = p / q
    a = (n + 1) * ratio
    # q**n with an integer n is a loop of multiplications in Numba; this is one exp
    first = math.exp(n * math.log1p(-p))
    while True:
        r = first
        u = uniform(s)
        x = 0
        while True:
            if u <= r:
                return x
            u -= r
            x += 1
            if x > n:
                break
            r *= a * (_RECIPROCALS[x] if x < _RECIPROCAL_COUNT else 1.0 / x) - ratio


@leaf_jit
def _binomial_btrd(s: State, n: int, p: float) -> int:
    npq = n * p * (1.0 - p)
    sqrt_npq = math.sqrt(npq)
    b = 1.15 + 2.53 * sqrt_npq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    # v_r = 0.92 - 4.2 / b, kept as a fraction so the quick path (86% of draws) waits
    # for one division instead of three
    v_r_times_b = 0.92 * b - 4.2
    while True:
        v = uniform(s)
        if v * b <= 0.86 * v_r_times_b:
            u = v * b / v_r_times_b - 0.43
            return math.floor((2.0 * a / (0.5 - abs(u)) + b) * u + c)
        v_r = v_r_times_b / b
        m = int((n + 1) * p)
        r = p / (1.0 - p)
        nr = (n + 1) * r
        alpha = (2.83 + 5.1 / b) * sqrt_npq
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


@leaf_jit
def binomial(s: State, n: int, p: float) -> int:
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    x = _binomial_inversion(s, n, pp) if n * pp < 10.0 else _binomial_btrd(s, n, pp)
    return n - x if flip else x


@leaf_jit
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


@leaf_jit
def negative_binomial(s: State, spare: Spare, n: int, p: float) -> int:
    """Failures before the n-th success, success probability p (GSL's convention)."""
    if p >= 1.0:
        return 0
    return poisson(s, gamma(s, spare, float(n)) * (1.0 - p) / p)
