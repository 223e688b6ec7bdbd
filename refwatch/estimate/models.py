"""Hierarchical log-linear models over t lists: enumeration, names, design matrices.

Why hierarchical: an interaction between lists A, B and C only makes sense together with
the interactions A-B, A-C and B-C (Bishop, Fienberg and Holland 1975); Rcapture's
`closedpMS.t` and the MultipleSystemsEstimation package search the same family.  A model
is the set of its interaction terms, each a bitmask of lists (bit j is list j); main
effects and the intercept are always in.  Names follow Rcapture: the generating terms with
1-based list numbers, "[12,3]" for the A-B interaction plus main effects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from itertools import combinations

import numpy as np
import numpy.typing as npt

Model = tuple[int, ...]
FloatArray = npt.NDArray[np.float64]


def popcount(x: int) -> int:
    return bin(x).count("1")


def subsets_one_smaller(term: int) -> Iterator[int]:
    bits = term
    while bits:
        low = bits & -bits
        yield term ^ low
        bits ^= low


def candidate_terms(t: int, maxorder: int) -> list[int]:
    """Interaction terms of order 2..maxorder, by order then value."""
    terms = [
        sum(1 << j for j in combo)
        for order in range(2, maxorder + 1)
        for combo in combinations(range(t), order)
    ]
    return sorted(terms, key=lambda m: (popcount(m), m))


def is_hierarchical(model: Sequence[int]) -> bool:
    present = set(model)
    return all(
        sub in present for term in model for sub in subsets_one_smaller(term) if popcount(sub) >= 2
    )


@cache
def all_models(t: int, maxorder: int) -> tuple[Model, ...]:
    """Every hierarchical model with all main effects and terms up to `maxorder`.

    For four lists and order three this is Rcapture's 113 models.
    """
    terms = candidate_terms(t, maxorder)
    found: list[Model] = []

    def extend(i: int, chosen: list[int], present: set[int]) -> None:
        if i == len(terms):
            found.append(tuple(chosen))
            return
        term = terms[i]
        extend(i + 1, chosen, present)
        if all(s in present for s in subsets_one_smaller(term) if popcount(s) >= 2):
            chosen.append(term)
            present.add(term)
            extend(i + 1, chosen, present)
            chosen.pop()
            present.discard(term)

    extend(0, [], set())
    return tuple(sorted(found, key=lambda m: (len(m), m)))


def with_term(model: Model, term: int) -> Model:
    return tuple(sorted({*model, term}, key=lambda m: (popcount(m), m)))


def generators(model: Model, t: int) -> list[int]:
    """The maximal terms (including main effects not inside any interaction)."""
    terms = [*model, *(1 << j for j in range(t))]
    return sorted(
        (a for a in terms if not any(a != b and (a & b) == a for b in terms)),
        key=lambda m: (-popcount(m), m),
    )


def model_name(model: Model, t: int) -> str:
    """Rcapture-style name: "[12,3]" (1-based list numbers; letters beyond nine lists)."""
    digits = "123456789ABCDEFGHIJKLMNOP"
    parts = ["".join(digits[j] for j in range(t) if (g >> j) & 1) for g in generators(model, t)]
    parts.sort(key=lambda p: (-len(p), p))
    return "[" + ",".join(parts) + "]"


def term_label(term: int, lists: Sequence[str]) -> str:
    return "*".join(name for j, name in enumerate(lists) if (term >> j) & 1)


@cache
def _design(t: int, model: Model) -> FloatArray:
    cells = np.arange(1, 1 << t)
    columns = [np.ones(len(cells))]
    columns += [((cells >> j) & 1).astype(np.float64) for j in range(t)]
    columns += [((cells & term) == term).astype(np.float64) for term in model]
    matrix = np.column_stack(columns)
    matrix.setflags(write=False)
    return matrix


def design_matrix(t: int, model: Model) -> FloatArray:
    """Rows: histories 1..2^t-1; columns: intercept, main effects, then `model`'s terms."""
    return _design(t, tuple(model))


def full_design_with_zero_cell(t: int, model: Model) -> FloatArray:
    """As `design_matrix` with the all-zero history as row 0 (intercept only)."""
    observable = design_matrix(t, model)
    zero = np.zeros((1, observable.shape[1]))
    zero[0, 0] = 1.0
    return np.vstack([zero, observable])


def cells_containing(t: int, term: int) -> npt.NDArray[np.bool_]:
    cells = np.arange(1, 1 << t)
    return np.asarray((cells & term) == term)
