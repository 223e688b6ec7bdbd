"""Link encodings of several organisations without a secret (`refwatch share link`).

Why each step:

- **Blocking** by locality-sensitive hashing on the bits (bit sampling, Hamming LSH):
  each band keeps the values of `r` secretly-unknown-but-fixed bit positions of a field
  group; two records are compared if they agree on every sampled bit of at least one
  band. Near-identical filters agree on most bits and collide in some band; unrelated
  ones almost never. Bands over the name segment find matches whose other fields are
  noisy; bands over the other fields find matches whose names are missing or mistyped.
  The positions are drawn from a fixed seed, so a run is reproducible.
- **Scores and threshold**: the match model of `refwatch.share.model` (Fellegi-Sunter
  over per-field agreement levels, u from random pairs, m and the share of matches by
  EM over the candidates, term-frequency names). A pair's score is its match weight in
  bits; the threshold is where a pair is `margin` bits above even odds given the fitted
  share of matches, so it rises with the number of namesakes among the candidates (and
  the margin with it, see `margin_for`). A pair whose names are both known and plainly
  different is never linked (`model.name_conflict`): people caught together agree on
  everything else, and the model summed those agreements as if independent.
  What the coordinator sees of quality (`Mixture`) is the model's own account: the sum
  of the match probabilities of each record's best score against each other file.
- **Solution**: greedy, best pair first; clusters join only if they hold no file in
  common (a person is on each list once), except that two records of one file may join
  when their score passes the threshold by `same_file_margin` (an organisation's own
  linkage left a duplicate, which would otherwise count as two people).
- **Histories**: one row per cluster, 0/1 per file, a `count` column, as
  `refwatch estimate` reads; a cluster's stratum is the value most of its records give.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from refwatch.estimate.table import CaptureTable
from refwatch.share.encoding import Schema
from refwatch.share.errors import ShareError
from refwatch.share.fileformat import STRATA, EncodingFile
from refwatch.share.model import (
    U_SAMPLE,
    Codes,
    Model,
    fit,
    match_weights,
    name_conflict,
    pair_codes,
    random_pairs,
)

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
SEED: Final = 20170716
NAME_FIELDS: Final = ("name", "hangul")
MAX_PAIRS: Final = 60_000_000
GROUP_CAP: Final = 50
CHUNK: Final = 200_000


@dataclass(frozen=True)
class LinkOptions:
    threshold: float | None = None
    name_bands: int = 24
    name_rows: int = 36
    other_bands: int = 8
    other_rows: int = 64
    #: Bands on the structured fields find matches whose names disagree (+1% F1 on the
    #: study worlds) but their sparse, low-entropy bits collide often: above this many
    #: records in all they cost more time than they are worth and are left out.
    other_bands_up_to: int = 20_000
    bins: int = 40
    #: Bits of match weight above the model's even-odds point that a pair needs; None:
    #: `margin_for(even_odds)`, which grows with the namesakes among the candidates.
    margin: float | None = None
    #: Two records of one file join only if their score passes the threshold by this
    #: much (an organisation's own linkage missed a duplicate); None: never.
    same_file_margin: float | None = 1.0


#: The margin runs from MARGIN_FEW bits, where the even-odds point is at most
#: EVEN_ODDS_FEW bits (matches are a tenth or more of the candidates, as among 800 persons
#: on 5 lists), to MARGIN_MANY bits where it is EVEN_ODDS_MANY or more (a match among
#: some 250 candidates, as among 100,000 persons), linearly in between. Both ends are
#: measured, not derived (see `margin_for`): change them only with the study's numbers.
MARGIN_FEW: Final = 1.0
MARGIN_MANY: Final = 1.65
EVEN_ODDS_FEW: Final = 3.0
EVEN_ODDS_MANY: Final = 8.0


def margin_for(even_odds: float) -> float:
    """Bits above the model's even-odds point that a pair needs.

    The model treats its comparisons as independent given a non-match, and they are not:
    a given name says the sex and hints at the birth decade, so namesakes agree on those
    more often than the model counts, and the model's odds for a namesake pair run high
    (on the tuning world of 100,000 persons, pairs the model put at even odds were true
    one time in ten; true even odds lay 2.8 bits higher). The margin is not a correction
    to true odds, though. It is set where the estimate from the PPRL histories follows the
    estimate from plaintext linkage: at 100,000 persons that needs pairs linked *below*
    true even odds (plaintext linkage, which leaves more duplicates, has its own estimate
    12-16% above the true histories' one, and the PPRL linkage at true even odds gave +11%
    against it). Rules that balance the model's expected false and missed links were
    tried and put the threshold 0.8 bits under even odds (estimate -15%); with the true
    link counts, 2.1 bits over it (+4%). On the tuning worlds of 100,000 (seeds 1 and 2)
    the margins tried that met both goals (F1 >= 0.95 x plaintext, estimate within 3%)
    ran from 1.50 to 1.80 bits and from 1.37 to at least 1.97 (the highest tried):
    MARGIN_MANY is the middle of their common part. At 800 persons 1 bit met the F1
    goal on every tuning world (seeds 21-40) and the estimate goal on 19 of 20 (seed 38
    missed through the estimate's model selection, not the link). Between those sizes
    the margin is interpolated, not measured. The estimate moves 6-8% per bit at 100,000
    persons.
    """
    span = (even_odds - EVEN_ODDS_FEW) / (EVEN_ODDS_MANY - EVEN_ODDS_FEW)
    return MARGIN_FEW + (MARGIN_MANY - MARGIN_FEW) * min(max(span, 0.0), 1.0)


@dataclass
class Mixture:
    """What the coordinator sees of quality without the truth: the model's estimated
    matches and non-matches among the best scores, and the mean and spread of each."""

    threshold: float
    matches: float
    non_matches: float
    means: tuple[float, float]
    sds: tuple[float, float]
    converged: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": round(self.threshold, 4),
            "estimated_matches": round(self.matches, 1),
            "estimated_non_matches": round(self.non_matches, 1),
            "means": [round(m, 4) for m in self.means],
            "sds": [round(s, 4) for s in self.sds],
            "converged": self.converged,
        }


@dataclass
class LinkResult:
    lists: tuple[str, ...]
    sizes: dict[str, int]
    candidate_pairs: int
    links: int
    clusters: Ints
    file_of: Ints
    table: CaptureTable
    strata: dict[str, dict[str, CaptureTable]]
    histogram: list[dict[str, float]]
    mixture: Mixture
    threshold: float
    threshold_source: str
    seconds: float = 0.0
    pairs: tuple[Ints, Ints, Floats] | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lists": list(self.lists),
            "sizes": self.sizes,
            "candidate_pairs": self.candidate_pairs,
            "links": self.links,
            "persons": self.table.n,
            "threshold": round(self.threshold, 4),
            "threshold_source": self.threshold_source,
            "mixture": self.mixture.as_dict(),
            "histogram": self.histogram,
            "histories": self.table.rows(),
            "strata": {
                kind: {label: t.rows() for label, t in tables.items()}
                for kind, tables in self.strata.items()
            },
        }


def check_files(files: Sequence[EncodingFile]) -> None:
    """Refuse what cannot be linked: one file, mixed secrets or schemas, repeated labels."""
    if len(files) < 2:
        raise ShareError(
            "share.too_few", "linking needs encoding files from two or more organisations"
        )
    if len(files) > 15:
        raise ShareError("share.too_many", "at most 15 files (lists) can be linked at once")
    first = files[0]
    for other in files[1:]:
        if other.schema != first.schema:
            raise ShareError(
                "share.schema_mismatch",
                f"{other.name} uses another encoding schema than {first.name}",
            )
        if other.key_check != first.key_check:
            raise ShareError(
                "share.secret_mismatch",
                f"{other.name} was encoded with another secret than {first.name}: "
                "every organisation must use the same shared secret",
            )
    labels = Counter(f.organisation for f in files)
    repeated = [label for label, n in labels.items() if n > 1]
    if repeated:
        raise ShareError(
            "share.same_label",
            f"two files carry the organisation label {repeated[0]!r}; each list must be "
            "one organisation's file",
        )


def popcount(bits: npt.NDArray[np.uint8]) -> Ints:
    counts: Ints = np.bitwise_count(bits).sum(axis=1, dtype=np.int64)
    return counts


def _segments(schema: Schema) -> list[tuple[str, int, int, float]]:
    return [
        (spec.name, start // 8, end // 8, spec.weight)
        for spec, (start, end) in zip(schema.fields, schema.offsets(), strict=True)
    ]


def _band_keys(
    unpacked: npt.NDArray[np.bool_], rows: int, bands: int, rng: np.random.Generator
) -> list[Ints]:
    width = unpacked.shape[1]
    weights = np.int64(1) << np.arange(min(rows, 62), dtype=np.int64)
    out = []
    for _ in range(bands):
        chosen = rng.choice(width, size=min(rows, 62, width), replace=False)
        out.append(unpacked[:, chosen].astype(np.int64) @ weights[: len(chosen)])
    return out


def _expand(order: Ints, starts: Ints, sizes: Ints, file_of: Ints, cross_only: bool) -> Ints:
    """Every pair inside each group (groups of one size are expanded together)."""
    out: list[Ints] = []
    n = len(file_of)
    for size in np.unique(sizes[sizes > 1]):
        group_starts = starts[sizes == size]
        a, b = np.triu_indices(int(size), k=1)
        first = order[group_starts[:, None] + a[None, :]].ravel()
        second = order[group_starts[:, None] + b[None, :]].ravel()
        keep = file_of[first] != file_of[second] if cross_only else first != second
        lo = np.minimum(first[keep], second[keep])
        hi = np.maximum(first[keep], second[keep])
        out.append(lo * n + hi)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _unique(values: Ints) -> Ints:
    """Sorted distinct values (a sort beats numpy's hash-based unique on int64 here)."""
    if not len(values):
        return values
    ordered = np.sort(values)
    kept: Ints = ordered[np.r_[True, ordered[1:] != ordered[:-1]]]
    return kept


def _groups(index: Ints, keys: Ints) -> tuple[Ints, Ints, Ints]:
    order = index[np.argsort(keys[index], kind="stable")]
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    return order, starts, sizes


def _pairs_of_entries(
    records: Ints,
    keys: Ints,
    file_of: Ints,
    cross_only: bool,
    strata: Sequence[Ints] = (),
) -> Ints:
    """Pairs (as i * n + j, i < j) of the records of entries that share a key.

    A group larger than GROUP_CAP (a common name: hundreds of records with the same
    name bits) is split by each clear stratum in turn (quarter, then province): its
    records are compared when they also share one of them, which keeps the number of
    pairs near-linear while a person's records, which agree on quarter or province,
    still meet.
    """
    if len(records) < 2:
        return np.zeros(0, dtype=np.int64)
    positions = np.arange(len(records), dtype=np.int64)
    order, starts, sizes = _groups(positions, keys)
    small = sizes <= GROUP_CAP if strata else np.ones(len(sizes), dtype=np.bool_)
    found = [_expand(records[order], starts[small], sizes[small], file_of, cross_only)]
    if not small.all():
        big = np.concatenate(
            [order[s : s + z] for s, z in zip(starts[~small], sizes[~small], strict=True)]
        )
        for codes in strata:
            sub = keys[big] * 1_000_003 + codes[records[big]]
            sub_order, sub_starts, sub_sizes = _groups(np.arange(len(big)), sub)
            found.append(
                _expand(records[big][sub_order], sub_starts, sub_sizes, file_of, cross_only)
            )
    return _unique(np.concatenate(found))


def _lsh_pairs(
    packed: npt.NDArray[np.uint8],
    file_of: Ints,
    bands: int,
    rows: int,
    rng: np.random.Generator,
    cross_only: bool,
    strata: Sequence[Ints],
) -> Ints:
    """Record pairs whose bits collide in a band. Identical bit vectors (one common
    name written alike) are collapsed first, so bands run over distinct patterns and
    each pattern pair is expanded into record pairs once, not once per band."""
    usable = popcount(packed) > 0
    records = np.flatnonzero(usable)
    if len(records) < 2:
        return np.zeros(0, dtype=np.int64)
    rows_bytes = np.ascontiguousarray(packed[records])
    view = rows_bytes.view(np.dtype((np.void, rows_bytes.shape[1]))).ravel()
    _, first_of, pid = np.unique(view, return_index=True, return_inverse=True)
    pid = pid.ravel().astype(np.int64)
    patterns = np.unpackbits(rows_bytes[first_of], axis=1).astype(np.bool_)
    n_patterns = len(first_of)
    pattern_file = np.zeros(n_patterns, dtype=np.int64)  # patterns pair regardless of file
    pattern_pairs: list[Ints] = []
    everyone = np.arange(n_patterns, dtype=np.int64)
    for keys in _band_keys(patterns, rows, bands, rng):
        order, starts, sizes = _groups(everyone, keys)
        pattern_pairs.append(_unique(_expand(order, starts, sizes, -pattern_file - 1, False)))
    # Identical patterns: records of one pattern pair among themselves.
    found = [_pairs_of_entries(records, pid, file_of, cross_only, strata)]
    if pattern_pairs:
        joined = _unique(np.concatenate(pattern_pairs))
        p, q = joined // n_patterns, joined % n_patterns
        by_pattern = np.argsort(pid, kind="stable")
        counts = np.bincount(pid, minlength=n_patterns)
        begin = np.r_[0, np.cumsum(counts)[:-1]]
        entry_records = []
        entry_keys = []
        for side in (p, q):
            sizes = counts[side]
            total = int(sizes.sum())
            offsets = np.repeat(begin[side] - np.r_[0, np.cumsum(sizes)[:-1]], sizes)
            entry_records.append(records[by_pattern[np.arange(total) + offsets]])
            entry_keys.append(np.repeat(np.arange(len(side), dtype=np.int64), sizes))
        found.append(
            _pairs_of_entries(
                np.concatenate(entry_records),
                np.concatenate(entry_keys),
                file_of,
                cross_only,
                strata,
            )
        )
    return _unique(np.concatenate(found))


def candidate_pairs(
    bits: npt.NDArray[np.uint8],
    file_of: Ints,
    schema: Schema,
    options: LinkOptions,
    strata: Sequence[Ints] = (),
) -> tuple[Ints, Ints]:
    rng = np.random.default_rng(SEED)
    segments = _segments(schema)
    name = [s for s in segments if s[0] == "name"]
    others = [s for s in segments if s[0] not in NAME_FIELDS]
    found: list[Ints] = []
    groups = [(name, options.name_bands, options.name_rows)] if name else []
    if others and len(file_of) <= options.other_bands_up_to:
        groups.append((others, options.other_bands, options.other_rows))
    cross_only = options.same_file_margin is None
    for chosen, bands, rows in groups:
        packed = np.concatenate([bits[:, s[1] : s[2]] for s in chosen], axis=1)
        found.append(_lsh_pairs(packed, file_of, bands, rows, rng, cross_only, strata))
        if sum(len(f) for f in found) > MAX_PAIRS:
            raise ShareError(
                "share.too_many_pairs",
                "blocking found too many candidate pairs; the files are too uniform to "
                "link (are they real encodings?)",
            )
    pairs = _unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    n = len(file_of)
    return pairs // n, pairs % n


def _pattern_counts(bits: npt.NDArray[np.uint8], lo: int, hi: int) -> Ints:
    """How many records carry exactly this record's segment."""
    seg = np.ascontiguousarray(bits[:, lo:hi])
    view = seg.view(np.dtype((np.void, hi - lo))).ravel()
    _, inverse, counts = np.unique(view, return_inverse=True, return_counts=True)
    out: Ints = counts[inverse].astype(np.int64)
    return out


def score_pairs(
    bits: npt.NDArray[np.uint8], first: Ints, second: Ints, file_of: Ints, schema: Schema
) -> tuple[Floats, Model, Codes]:
    """The match weight of each pair, the model fitted to give it (see model.py: u from
    random pairs of different files, m by EM over the cross-file candidates), and the
    pairs' comparison codes, the costliest step of a link, for the rules that follow."""
    codes = pair_codes(bits, first, second, schema)
    rng = np.random.default_rng(SEED)
    random_first, random_second = random_pairs(file_of, U_SAMPLE, rng)
    random_codes = pair_codes(bits, random_first, random_second, schema)
    cross = file_of[first] != file_of[second]
    fitted = fit(codes[cross] if cross.any() else codes, random_codes, schema)
    name = [s for s in _segments(schema) if s[0] == "name"]
    name_counts = _pattern_counts(bits, name[0][1], name[0][2])[first] if name else None
    return match_weights(codes, fitted, schema, name_counts, len(file_of)), fitted, codes


def best_scores(first: Ints, second: Ints, scores: Floats, file_of: Ints) -> Floats:
    """Each record's best score against each other file (what the solver can use)."""
    if not len(scores):
        return scores
    n_files = int(file_of.max()) + 1
    keys = np.concatenate([first * n_files + file_of[second], second * n_files + file_of[first]])
    values = np.concatenate([scores, scores])
    order = np.lexsort((-values, keys))
    keys, values = keys[order], values[order]
    head = np.r_[True, keys[1:] != keys[:-1]]
    return values[head]


def summarise(best: Floats, threshold: float, fitted: Model) -> Mixture:
    """What the coordinator can see of quality without the truth: how many of the best
    scores are matches by the model (the sum of their match probabilities), and the
    mean and spread of the weights of each kind."""
    if not len(best):
        return Mixture(threshold, 0.0, 0.0, (0.0, 0.0), (0.0, 0.0), fitted.converged)
    post = 1.0 / (1.0 + np.exp2(-np.clip(best - threshold, -60, 60)))
    out = []
    for w in (1 - post, post):
        total = max(float(w.sum()), 1e-12)
        mean = float((w * best).sum() / total)
        out.append((mean, float(np.sqrt((w * (best - mean) ** 2).sum() / total))))
    return Mixture(
        threshold,
        float(post.sum()),
        float(len(best) - post.sum()),
        (out[0][0], out[1][0]),
        (out[0][1], out[1][1]),
        fitted.converged,
    )


def histogram(values: Floats, bins: int) -> list[dict[str, float]]:
    if not len(values):
        return []
    counts, edges = np.histogram(values, bins=bins)
    return [
        {"from": round(float(edges[i]), 3), "to": round(float(edges[i + 1]), 3), "pairs": int(c)}
        for i, c in enumerate(counts)
    ]


def greedy_clusters(
    first: Ints,
    second: Ints,
    scores: Floats,
    file_of: Ints,
    threshold: float,
    strict: float | None = None,
) -> tuple[Ints, int]:
    """Best pair first; clusters join only if they share no file. Returns (cluster of
    each record, number of links made)."""
    n = len(file_of)
    parent = list(range(n))
    mask = [1 << int(f) for f in file_of]
    size = [1] * n
    doubled = [0] * n
    keep = np.flatnonzero(scores >= threshold)
    order = keep[np.argsort(-scores[keep], kind="stable")]

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    links = 0
    strong = np.inf if strict is None else strict
    for a, b, s in zip(
        first[order].tolist(), second[order].tolist(), scores[order].tolist(), strict=True
    ):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        # A lone record may join a cluster holding a record of its own file through a
        # strong pair, at most once per file: a chain of strong pairs among namesakes
        # must not grow one cluster without bound.
        overlap = mask[ra] & mask[rb]
        if overlap and (
            s < strong or min(size[ra], size[rb]) > 1 or overlap & (doubled[ra] | doubled[rb])
        ):
            continue
        parent[rb] = ra
        size[ra] += size[rb]
        mask[ra] |= mask[rb]
        doubled[ra] |= doubled[rb] | overlap
        links += 1
    return np.array([find(i) for i in range(n)], dtype=np.int64), links


def _consensus(values: list[str]) -> str:
    counts = Counter(v for v in values if v != "unknown")
    if not counts:
        return "unknown"
    ranked = counts.most_common(2)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return "unknown"
    return ranked[0][0]


def _table(
    lists: tuple[str, ...], clusters: Ints, file_of: Ints, members: Ints | None = None
) -> CaptureTable:
    chosen = np.arange(len(clusters)) if members is None else members
    flags = np.zeros(len(clusters), dtype=np.int64)
    np.bitwise_or.at(flags, clusters[chosen], np.int64(1) << file_of[chosen])
    roots = np.unique(clusters[chosen])
    counts = np.bincount(flags[roots], minlength=1 << len(lists)).astype(np.int64)
    return CaptureTable(lists, counts)


def link_files(
    files: Sequence[EncodingFile], options: LinkOptions | None = None, *, keep_pairs: bool = False
) -> LinkResult:
    import time

    started = time.perf_counter()
    options = options or LinkOptions()
    check_files(files)
    schema = files[0].schema
    lists = tuple(f.organisation for f in files)
    bits = np.concatenate([f.bits for f in files], axis=0)
    file_of = np.concatenate([np.full(len(f), i, dtype=np.int64) for i, f in enumerate(files)])
    strata_codes = []
    for kind in STRATA:
        labels = [label for f in files for label in f.strata[kind]]
        _, codes = np.unique(np.array(labels, dtype=object), return_inverse=True)
        strata_codes.append(codes.astype(np.int64))
    first, second = candidate_pairs(bits, file_of, schema, options, strata_codes)
    scores, fitted, levels = score_pairs(bits, first, second, file_of, schema)
    candidates = len(scores)
    # Names known on both sides and plainly different: never one person, whatever else
    # agrees (group-mates share month, day, place, origin and often the outcome).
    keep = ~name_conflict(levels, schema)
    del levels
    first, second, scores = first[keep], second[keep], scores[keep]
    cross = file_of[first] != file_of[second]
    best = best_scores(first[cross], second[cross], scores[cross], file_of)
    if options.threshold is not None:
        threshold, source = options.threshold, "given"
    else:
        margin = margin_for(fitted.threshold) if options.margin is None else options.margin
        threshold, source = fitted.threshold + margin, "model"
    mixture = summarise(best, threshold, fitted)
    strict = None if options.same_file_margin is None else threshold + options.same_file_margin
    clusters, links = greedy_clusters(first, second, scores, file_of, threshold, strict)
    table = _table(lists, clusters, file_of)
    strata: dict[str, dict[str, CaptureTable]] = {}
    for kind in STRATA:
        labels = [label for f in files for label in f.strata[kind]]
        by_cluster: dict[int, list[str]] = {}
        for record, root in enumerate(clusters.tolist()):
            by_cluster.setdefault(root, []).append(labels[record])
        label_of = {root: _consensus(values) for root, values in by_cluster.items()}
        per: dict[str, list[int]] = {}
        for record, root in enumerate(clusters.tolist()):
            per.setdefault(label_of[root], []).append(record)
        strata[kind] = {
            label: _table(lists, clusters, file_of, np.array(members, dtype=np.int64))
            for label, members in sorted(per.items())
        }
    return LinkResult(
        lists=lists,
        sizes={f.organisation: len(f) for f in files},
        candidate_pairs=candidates,
        links=links,
        clusters=clusters,
        file_of=file_of,
        table=table,
        strata=strata,
        histogram=histogram(best, options.bins),
        mixture=mixture,
        threshold=threshold,
        threshold_source=source,
        seconds=time.perf_counter() - started,
        pairs=(first, second, scores) if keep_pairs else None,
    )


def histories_csv(table: CaptureTable) -> str:
    return table.to_csv()


def strata_csv(result: LinkResult, kind: str) -> str:
    """One CSV holding every stratum's table, with a leading `stratum` column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["stratum", *result.lists, "count"])
    for label, table in result.strata[kind].items():
        for row in table.rows():
            writer.writerow([label, *[row[name] for name in result.lists], row["count"]])
    return buffer.getvalue()
