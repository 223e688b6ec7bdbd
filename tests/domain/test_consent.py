"""The consent rule: the ordered scale, exceptions that cannot reach publication, and the
effective consent of a person from their own record or their reports'."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from refwatch.domain.consent import (
    ConsentLevel,
    ConsentRecord,
    EffectiveConsent,
    Use,
    check_exception,
    decide,
    effective,
    parse_level,
)

L = ConsentLevel


def record(
    level: ConsentLevel,
    *,
    exception: ConsentLevel | None = None,
    kind: str = "report",
    at: int = 1,
    subject: str = "r1",
) -> ConsentRecord:
    return ConsentRecord(
        id=f"c-{subject}-{at}",
        subject_kind=kind,
        subject_id=subject,
        revision=1,
        level=level,
        exception_level=exception,
        recorded_by="tester",
        recorded_at=datetime(2020, 1, at, tzinfo=UTC),
        basis_enc=None,
        exception_enc=None,
    )


def test_the_scale_is_ordered() -> None:
    ranks = [level.rank for level in ConsentLevel]
    assert ranks == sorted(ranks)
    assert [level.value for level in ConsentLevel] == [
        "no_use",
        "internal",
        "statistics",
        "advocacy",
        "publication",
    ]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("advocacy", L.ADVOCACY),
        ("Named advocacy", L.ADVOCACY),
        (" PUBLICATION ", L.PUBLICATION),
        ("none", L.NO_USE),
        ("no-use", L.NO_USE),
        ("anonymised statistics", L.STATISTICS),
    ],
)
def test_levels_are_read_with_their_common_spellings(text: str, level: ConsentLevel) -> None:
    assert parse_level(text) is level


@pytest.mark.parametrize("junk", ["", "yes", "advocacy;publication", "=cmd|' /C calc'!A0", "5"])
def test_junk_is_not_a_level(junk: str) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        parse_level(junk)


def test_nothing_recorded_allows_statistics_but_never_a_name() -> None:
    nothing = EffectiveConsent("P-000001", None)
    assert decide(nothing, Use.PERSON_RELEASE).allowed
    assert decide(nothing, Use.NAMES_EXPORT).allowed
    refused = decide(nothing, Use.CASE_FILE)
    assert not refused.allowed and refused.reason == "not_recorded"
    assert not decide(nothing, Use.PUBLICATION).allowed


@pytest.mark.parametrize("level", list(ConsentLevel))
def test_each_use_needs_its_level(level: ConsentLevel) -> None:
    consent = effective("P-1", [record(level, kind="person")], [])
    for use in Use:
        assert decide(consent, use).allowed == (level.rank >= use.needs.rank)


def test_an_exception_allows_a_case_file_but_never_publication() -> None:
    held = effective("P-1", [record(L.INTERNAL, exception=L.ADVOCACY, kind="person")], [])
    case_file = decide(held, Use.CASE_FILE)
    assert case_file.allowed and case_file.by_exception and case_file.reason == "exception"
    assert not decide(held, Use.PUBLICATION).allowed
    # Even a (damaged or hand-made) record whose exception says publication.
    forged = effective("P-1", [record(L.NO_USE, exception=L.PUBLICATION, kind="person")], [])
    assert not decide(forged, Use.PUBLICATION).allowed


def test_exceptions_are_checked_before_they_are_recorded() -> None:
    assert check_exception(L.INTERNAL, None) is None
    assert check_exception(L.INTERNAL, L.ADVOCACY) is None
    assert check_exception(L.ADVOCACY, L.INTERNAL) is not None
    assert "never publication" in (check_exception(L.STATISTICS, L.PUBLICATION) or "")


def test_the_person_record_replaces_the_reports_and_else_the_most_restrictive_wins() -> None:
    reports = [
        record(L.PUBLICATION, subject="a", at=1),
        record(L.INTERNAL, subject="b", at=2),
        record(L.ADVOCACY, subject="c", at=3),
    ]
    from_reports = effective("P-1", [], reports)
    assert from_reports.level is L.INTERNAL and from_reports.from_reports == 3
    own = effective("P-1", [record(L.ADVOCACY, kind="person", subject="P-1")], reports)
    assert own.level is L.ADVOCACY and own.from_reports == 0
    assert effective("P-1", [], []).level is None
    # Two persons merged by linkage, each with a record: the narrower one holds.
    merged = [
        record(L.PUBLICATION, kind="person", subject="P-1", at=5),
        record(L.INTERNAL, kind="person", subject="P-2", at=1),
    ]
    assert effective("P-1", merged, reports).level is L.INTERNAL
