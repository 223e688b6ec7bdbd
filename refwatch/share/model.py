"""The match model of the coordinator's linkage: Fellegi-Sunter over bit-vector agreements.

Why a probabilistic model and not a fixed sum of field weights: whether a score means
"same person" depends on how many people could share it. Among 800 persons two records
agreeing on a common name, sex and birth year are nearly always one person; among
100,000 the same agreement is shared by dozens of namesakes. A fixed additive score
with a threshold fitted to its own distribution cannot see that (at 100,000 persons it
linked namesakes: F1 0.48 against 0.92 for plaintext). Fellegi-Sunter can:

- Each pair's per-field similarity (Dice, or the overlap coefficient for interval
  fields) is cut into **levels** (identical, close, ..., different; missing).
- Fields that are not independent given a match are compared **jointly**: the sound key
  and the Hangul of a name (both come from one name), and the apprehension month, day and
  place (people caught together share all three). A comparison's level is the
  combination of its fields' levels.
- **u** (how often a level is seen between two different persons), **m** (how often for
  one person) and the **share** of matches among the candidate pairs are fitted by EM
  over the candidate pairs (Winkler's EM for blocked pairs), u started from random pairs
  of records of different files (almost all non-matches). The name's m is fixed, not
  fitted (see NAME_M). This is where scale enters: among 100,000 persons the candidates
  are mostly namesakes, so agreeing on a name is common among non-matches (high u)
  and the share of matches is small.
- A pair's score is its **match weight**, the sum of log2(m/u) over comparisons (each
  capped at MAX_BITS); an identical name segment is weighed by how many records carry
  it (term frequency: log2(reference / frequency) more, the reference being the median
  frequency of the identical names among the pairs).
- The **threshold** is the weight where a pair is as likely a match as not given the
  fitted share, log2((1 - share) / share); `refwatch.share.link` asks a margin above it.
- Names known on both sides and **plainly different** (`name_conflict`) are never one
  person: EM counts them as non-matches and the link drops them. Without the rule the
  model took group-mates for one person: people caught together agree on month, day,
  place, often origin, birth year and outcome, and a model that counts each agreement
  as independent evidence summed them past the threshold (on the 20 tuning worlds of
  800 persons, 0 of 8,044 true pairs had names that far apart against 176 false pairs
  above the threshold; they were most of the false merges).

The coordinator needs no secret for any of it: only bits, counts and random pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from refwatch.share.encoding import Schema

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Codes = npt.NDArray[np.int32]

#: Similarity cut points of each field, best first: level 1 is at or above the first,
#: level 2 at or above the second, ..., the last level below all; level 0 is "a side
#: lacks the field". Interval fields (birth, month, day) use the overlap coefficient, so
#: 1.0 means one interval lies inside the other; birth years are encoded +-1 year, so
#: an off-by-one year overlaps by 2/3 and an off-by-two by 1/3.
CUTS: Final[dict[str, tuple[float, ...]]] = {
    "name": (0.999, 0.85, 0.7, 0.55),
    "hangul": (0.999, 0.6),
    "birth": (0.97, 0.6, 0.3),
    "sex": (0.9,),
    "origin": (0.9, 0.4),
    "month": (0.97, 0.45),
    "place": (0.9, 0.4),
    "day": (0.97, 0.45),
    "outcome": (0.97, 0.45),
}
OVERLAP_FIELDS: Final = ("birth", "month", "day", "outcome")
#: Comparisons, each over fields that are dependent given a match (see the docstring).
COMPARISONS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("name", ("name", "hangul")),
    ("birth", ("birth",)),
    ("sex", ("sex",)),
    ("origin", ("origin",)),
    ("event", ("month", "day", "place")),
    ("outcome", ("outcome",)),
)
CHUNK: Final = 200_000
U_SAMPLE: Final = 400_000
PSEUDO: Final = 2.0
SEED: Final = 20170716
#: No one comparison weighs more than this many bits either way: a rare level (Hangul
#: identical but sound keys far apart) is seen a handful of times, and m/u of a handful
#: is noise, not 2**30 to 1.
MAX_BITS: Final = 12.0


def popcount(bits: npt.NDArray[np.uint8]) -> Ints:
    counts: Ints = np.bitwise_count(bits).sum(axis=1, dtype=np.int64)
    return counts


def _radix(name: str) -> int:
    return len(CUTS[name]) + 2


def comparison_sizes(schema: Schema) -> list[int]:
    """How many codes each comparison has (the product of its fields' level counts)."""
    present = {f.name for f in schema.fields}
    sizes = []
    for _label, fields in COMPARISONS:
        size = 1
        for name in fields:
            if name in present:
                size *= _radix(name)
        sizes.append(size)
    return sizes


def _segments(schema: Schema) -> dict[str, tuple[int, int, int]]:
    """Field -> (first byte, end byte, stored bits) for the fields the model knows."""
    return {
        spec.name: (start // 8, end // 8, spec.stored_bits)
        for spec, (start, end) in zip(schema.fields, schema.offsets(), strict=True)
        if spec.name in CUTS
    }


def field_levels(shared: Ints, counts: Ints, a: Ints, b: Ints, name: str) -> npt.NDArray[np.int32]:
    """The level (0 missing, 1 best, ...) of one field for pairs (a, b), from the bits
    they share in its segment and the bits each sets."""
    present = (counts[a] > 0) & (counts[b] > 0)
    if name in OVERLAP_FIELDS:
        sim = shared / np.maximum(np.minimum(counts[a], counts[b]), 1)
    else:
        sim = 2.0 * shared / np.maximum(counts[a] + counts[b], 1)
    level = np.ones(len(a), dtype=np.int32)
    for cut in CUTS[name]:
        level += sim < cut
    out: npt.NDArray[np.int32] = np.where(present, level, 0).astype(np.int32)
    return out


def pair_codes(bits: npt.NDArray[np.uint8], first: Ints, second: Ints, schema: Schema) -> Codes:
    """One code per comparison per pair (columns in the order of COMPARISONS).

    Code 0 of a comparison means every field of it is missing on one side or the other.
    The rows of a chunk are ANDed once and popcounted per byte; each field sums its bytes.
    """
    segments = _segments(schema)
    counts = {name: popcount(bits[:, lo:hi]) for name, (lo, hi, _) in segments.items()}
    out = np.zeros((len(first), len(COMPARISONS)), dtype=np.int32)
    for start in range(0, len(first), CHUNK):
        a = first[start : start + CHUNK]
        b = second[start : start + CHUNK]
        per_byte = np.bitwise_count(bits[a] & bits[b])
        for column, (_label, fields) in enumerate(COMPARISONS):
            code = np.zeros(len(a), dtype=np.int32)
            for name in fields:
                if name not in segments:
                    continue
                lo, hi, _ = segments[name]
                shared = per_byte[:, lo:hi].sum(axis=1, dtype=np.int64)
                code = code * _radix(name) + field_levels(shared, counts[name], a, b, name)
            out[start : start + CHUNK, column] = code
    return out


def name_exact(codes: Codes, schema: Schema) -> npt.NDArray[np.bool_]:
    """Pairs whose name sound-key segments are identical (level 1 of the name field)."""
    if "name" not in _segments(schema):
        return np.zeros(len(codes), dtype=np.bool_)
    per_name = _radix("hangul") if "hangul" in _segments(schema) else 1
    exact: npt.NDArray[np.bool_] = codes[:, 0] // per_name == 1
    return exact


def name_conflict(codes: Codes, schema: Schema) -> npt.NDArray[np.bool_]:
    """Pairs whose names are both known and plainly different: sound keys in the last
    level (Dice below the last cut) and the Hangul not identical or close (different or
    missing on a side). Such a pair is never one person (see the module docstring);
    Hangul that agrees keeps a pair, as a list may romanise a known name oddly."""
    if "name" not in _segments(schema):
        return np.zeros(len(codes), dtype=np.bool_)
    worst = len(CUTS["name"]) + 1
    if "hangul" not in _segments(schema):
        plain: npt.NDArray[np.bool_] = codes[:, 0] == worst
        return plain
    name_level, hangul_level = np.divmod(codes[:, 0], _radix("hangul"))
    conflict: npt.NDArray[np.bool_] = (name_level == worst) & ~np.isin(hangul_level, (1, 2))
    return conflict


def random_pairs(file_of: Ints, size: int, rng: np.random.Generator) -> tuple[Ints, Ints]:
    """Pairs of records drawn at random from two different files (almost all non-matches)."""
    n = len(file_of)
    a = rng.integers(0, n, size=size * 2)
    b = rng.integers(0, n, size=size * 2)
    keep = file_of[a] != file_of[b]
    return a[keep][:size], b[keep][:size]


def distribution(
    codes: Codes, sizes: list[int], weights: Floats | None = None, prior: list[Floats] | None = None
) -> list[Floats]:
    """Share of each code of each comparison (optionally weighted per pair), smoothed by
    PSEUDO pairs spread like `prior` (uniform without one): a code never seen keeps a
    small share, and a class EM has nearly emptied keeps its shape instead of flattening
    (which would empty it further)."""
    out = []
    for column, size in enumerate(sizes):
        counts = np.bincount(codes[:, column], weights=weights, minlength=size)
        spread = np.full(size, 1.0 / size) if prior is None else prior[column]
        out.append((counts + PSEUDO * spread) / (counts.sum() + PSEUDO))
    return out


def unique_rows(codes: Codes, sizes: list[int]) -> tuple[Codes, Floats]:
    """Distinct rows of codes and how many pairs have each: EM runs over these (a few
    thousand) instead of the millions of pairs. Rows are packed into one integer first
    (np.unique over rows is far slower)."""
    packed = np.zeros(len(codes), dtype=np.int64)
    for column, size in enumerate(sizes):
        packed = packed * size + codes[:, column]
    keys, counts = np.unique(packed, return_counts=True)
    rows = np.zeros((len(keys), len(sizes)), dtype=np.int32)
    for column in range(len(sizes) - 1, -1, -1):
        keys, rows[:, column] = np.divmod(keys, sizes[column])
    return rows, counts.astype(np.float64)


@dataclass
class Model:
    """The fitted model: m and u per comparison code, the share of matches among the
    candidate pairs, and the name frequency baseline."""

    m: list[Floats]
    u: list[Floats]
    share: float
    name_reference: float
    iterations: int
    converged: bool

    @property
    def threshold(self) -> float:
        """The match weight at which a candidate pair is as likely a match as not."""
        share = min(max(self.share, 1e-9), 1 - 1e-9)
        return float(np.log2((1 - share) / share))

    def weights(self) -> list[Floats]:
        out = []
        for m, u in zip(self.m, self.u, strict=True):
            w = np.clip(np.log2(m / u), -MAX_BITS, MAX_BITS)
            w[0] = 0.0  # every field of it missing: no evidence either way
            out.append(w)
        return out


#: Starting m/u ratios of a field's levels (missing, best, second, the rest): EM moves
#: them; they only need to point the right way.
START_RATIO: Final = (1.0, 20.0, 3.0, 0.3)


def _initial_m(u: list[Floats], schema: Schema) -> list[Floats]:
    """A starting m: u scaled up where fields agree, down where they differ, unchanged
    where they are missing (missingness says nothing about a match)."""
    present = {f.name for f in schema.fields}
    out = []
    for (_label, fields), u_codes in zip(COMPARISONS, u, strict=True):
        ratio = np.ones(1)
        for name in fields:
            if name not in present:
                continue
            levels = [START_RATIO[min(level, 3)] for level in range(_radix(name))]
            ratio = np.outer(ratio, levels).ravel()
        m = u_codes * ratio
        out.append(m / m.sum())
    return out


#: m of the name comparison's levels, fixed (not fitted): how often one person's two
#: records reach each level of the sound key (identical, >= 0.85, >= 0.7, >= 0.55, less)
#: and, when both have Hangul, of the Hangul (identical, >= 0.6, less). Fitting them
#: lets EM take "caught together" (group-mates: same day, place and month, other names)
#: for the match class; a person's name seldom changes more than a spelling does.
NAME_M: Final = (0.75, 0.12, 0.06, 0.04, 0.03)
HANGUL_M: Final = (0.85, 0.1, 0.05)


def _fixed_name_m(u: Floats, schema: Schema) -> Floats | None:
    """m of the name comparison: NAME_M x HANGUL_M, a side without Hangul as often as
    among the candidates (missingness says nothing about a match)."""
    present = {f.name for f in schema.fields}
    if "name" not in present:
        return None
    radix_hangul = _radix("hangul") if "hangul" in present else 1
    grid = u.reshape(-1, radix_hangul)
    no_name = grid[0].sum() / grid.sum()
    name = np.r_[no_name, (1 - no_name) * np.array(NAME_M)]
    if "hangul" in present:
        by_hangul = grid.sum(axis=0)
        missing = by_hangul[0] / by_hangul.sum()
        hangul = np.r_[missing, (1 - missing) * np.array(HANGUL_M)]
        name = np.outer(name, hangul).ravel()
    m = name + u * 1e-6
    m[0] = u[0]
    out: Floats = m / m.sum()
    return out


def fit(
    codes: Codes, random_codes: Codes, schema: Schema, iterations: int = 300, tol: float = 1e-6
) -> Model:
    """m, u and the match share by EM over the candidate pairs (Winkler's EM for blocked
    pairs), started from u of random pairs."""
    sizes = comparison_sizes(schema)
    start_u = distribution(random_codes, sizes)
    patterns, counts = unique_rows(codes, sizes)
    m = _initial_m(start_u, schema)
    if (fixed := _fixed_name_m(distribution(patterns, sizes, counts)[0], schema)) is not None:
        m[0] = fixed
    start_m = [p.copy() for p in m]
    u = distribution(patterns, sizes, counts)
    name_m = _fixed_name_m(u[0], schema)
    conflict = name_conflict(patterns, schema)
    share, converged, done = 0.05, False, 0
    for done in range(1, iterations + 1):  # noqa: B007 (the count is reported)
        log_m = sum(np.log(m[c][patterns[:, c]]) for c in range(len(sizes)))
        log_u = sum(np.log(u[c][patterns[:, c]]) for c in range(len(sizes)))
        odds = np.log(share / (1 - share)) + log_m - log_u
        post = np.where(conflict, 0.0, 1.0 / (1.0 + np.exp(-np.clip(odds, -700, 700))))
        weight = post * counts
        new_share = float(weight.sum() / counts.sum())
        m = distribution(patterns, sizes, weight, start_m)
        u = distribution(patterns, sizes, counts - weight, start_u)
        if name_m is not None:
            m[0] = name_m
        if abs(new_share - share) < tol * max(share, 1e-9):
            share, converged = new_share, True
            break
        share = min(max(new_share, 1e-9), 1 - 1e-9)
    return Model(m, u, share, 0.0, done, converged)


def match_weights(
    codes: Codes, model: Model, schema: Schema, name_counts: Ints | None, n_records: int
) -> Floats:
    """log2 Bayes factor of each pair; identical names weighed by their frequency."""
    weights = model.weights()
    total = np.zeros(len(codes), dtype=np.float64)
    for column, w in enumerate(weights):
        total += w[codes[:, column]]
    if name_counts is not None:
        exact = name_exact(codes, schema)
        frequency = np.maximum(name_counts, 2) / max(n_records, 1)
        if exact.any():
            model.name_reference = float(np.median(frequency[exact]))
            total += np.where(exact, np.log2(model.name_reference / frequency), 0.0)
    return total
