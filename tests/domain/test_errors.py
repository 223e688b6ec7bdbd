"""Errors made from keywords refuse a keyword they do not know (mypy checks the library's
calls; this holds for everyone else's), and keep the ones they do."""

from __future__ import annotations

import pytest

from refwatch.domain.errors import InputError, RefWatchError
from refwatch.estimate.errors import EstimationError


@pytest.mark.parametrize("kind", [RefWatchError, InputError, EstimationError])
def test_a_misspelt_keyword_is_refused_not_dropped(kind: type[RefWatchError]) -> None:
    with pytest.raises(TypeError, match="feild"):
        kind("the lists do not overlap", feild="lists")  # type: ignore[call-arg]


@pytest.mark.parametrize("kind", [RefWatchError, InputError, EstimationError])
def test_the_known_keywords_are_kept(kind: type[RefWatchError]) -> None:
    error = kind("the lists do not overlap", code=None, field="lists", params={"n": 2})
    assert (error.code, error.field, error.params) == (None, "lists", {"n": 2})
