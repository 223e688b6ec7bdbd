"""Another organisation's claim beside our own count: the rule for each qualifier, then
whole comparisons over a small case list, and `run_checks` listing them as warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwatch.counting.checks import run_checks
from refwatch.counting.claims_check import (
    CONSISTENT,
    CONTRADICTION,
    NOT_COMPARABLE,
    SHORT,
    claim_range,
    compare_claims,
    verdict,
)
from refwatch.intake.claims import ClaimInput, record_claim
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row, write_csv


@pytest.mark.parametrize(
    ("qualifier", "number", "ours", "expected"),
    [
        # Our bounds [38, 44]: "at least 41" fits; "exactly 60" is more than we can show.
        ("at_least", 41, (38, 44), (CONSISTENT, 0)),
        ("at_least", 50, (38, 44), (SHORT, 6)),
        ("at_least", 10, (38, 44), (CONSISTENT, 0)),  # true, just less informative
        ("exact", 41, (38, 44), (CONSISTENT, 0)),
        ("exact", 60, (38, 44), (SHORT, 16)),
        ("exact", 30, (38, 44), (CONTRADICTION, 8)),
        ("at_most", 20, (38, 44), (CONTRADICTION, 18)),
        ("at_most", 38, (38, 44), (CONSISTENT, 0)),
        ("at_most", 100, (38, 44), (CONSISTENT, 0)),
        ("about", 40, (38, 44), (CONSISTENT, 0)),
        ("about", 48, (38, 44), (CONSISTENT, 0)),  # about 48 is 43..53
        ("about", 50, (38, 44), (SHORT, 1)),  # about 50 is 45..55
        ("about", 60, (38, 44), (SHORT, 10)),  # about 60 is 54..66
        ("about", 30, (38, 44), (CONTRADICTION, 5)),  # about 30 is 27..33
        ("exact", 0, (0, 0), (CONSISTENT, 0)),
    ],
)
def test_the_rule_for_each_qualifier(
    qualifier: str, number: int, ours: tuple[int, int], expected: tuple[str, int]
) -> None:
    assert verdict(qualifier, number, *ours) == expected


def test_about_allows_ten_percent_and_at_least_one_person() -> None:
    assert claim_range("about", 40) == (36, 44)
    assert claim_range("about", 3) == (2, 4)
    assert claim_range("about", 0) == (0, 1)
    assert claim_range("at_least", 5) == (5, None)
    assert claim_range("at_most", 5) == (0, 5)


@pytest.fixture
def evidence(tmp_path: Path, workspace: Workspace, cipher: FieldCipher) -> Workspace:
    """Three women and men certainly detained in Changbai in July 2017 (all still held), and
    one person caught some time in 2017, nobody knows where: bounds 3 to 4."""
    rows = [
        row(
            source="Family contacts",
            record_id=f"R{i}",
            name_latin=f"Person Number{i}",
            sex="F" if i % 2 else "M",
            apprehended_on=f"2017-07-1{i}",
            apprehended_at="Changbai",
            status="detained",
        )
        for i in range(3)
    ]
    rows.append(
        row(
            source="Family contacts",
            record_id="R9",
            name_latin="Vague Person",
            apprehended_on="2017",
        )
    )
    import_file(workspace, cipher, write_csv(tmp_path / "list.csv", rows))
    return workspace


def _claim(**fields: object) -> ClaimInput:
    base: dict[str, object] = {
        "source": "Organisation X",
        "published_on": "2017-09-14",
        "number": 3,
        "qualifier": "at_least",
        "event": "detention",
        "period_from": "2017-07",
        "period_to": "2017-08",
        "text": "a sentence",
    }
    return ClaimInput(**{**base, **fields})  # type: ignore[arg-type]


def _record(workspace: Workspace, cipher: FieldCipher, *claims: ClaimInput) -> None:
    with workspace.write() as conn:
        for claim in claims:
            record_claim(conn, cipher, claim, actor="tester")


def test_each_claim_is_compared_with_our_count_for_the_same_question(
    evidence: Workspace, cipher: FieldCipher
) -> None:
    _record(
        evidence,
        cipher,
        _claim(),
        _claim(qualifier="exact", number=10),
        _claim(qualifier="at_most", number=2),
        _claim(qualifier="exact", number=2, sex="F", place="Changbai"),
        _claim(qualifier="exact", number=1, sex="F", place="Changbai", period_from="2017-08"),
        _claim(event="transfer", number=1),
    )
    found = {(c.claim.qualifier, c.claim.number, c.claim.sex): c for c in compare_claims(evidence)}
    assert len(found) == 6
    fits = found[("at_least", 3, None)]
    assert (fits.verdict, fits.at_least, fits.at_most) == (CONSISTENT, 3, 4)
    assert fits.message == (
        "our evidence: at least 3 (up to 4); Organisation X says at least 3: consistent"
    )
    short = found[("exact", 10, None)]
    assert (short.verdict, short.gap) == (SHORT, 6)
    assert short.message == (
        "Organisation X says exactly 10, we can document at most 4: our evidence falls short "
        "by 6 — not a contradiction, they may know of persons we do not"
    )
    wrong = found[("at_most", 2, None)]
    assert (wrong.verdict, wrong.gap) == (CONTRADICTION, 1)
    assert "inconsistent" in wrong.message
    # Sex and place narrow our count: one woman certainly (Person Number1), the vague
    # person possibly (sex and place unknown).
    women = found[("exact", 2, "F")]
    assert (women.at_least, women.at_most, women.verdict) == (1, 2, CONSISTENT)
    # In August alone we certainly document nobody: "exactly 1" still fits "up to 1".
    august = found[("exact", 1, "F")]
    assert (august.at_least, august.verdict) == (0, CONSISTENT)
    assert found[("at_least", 1, None)].verdict == NOT_COMPARABLE


def test_a_status_claim_is_read_as_of_its_publication(
    evidence: Workspace, cipher: FieldCipher
) -> None:
    _record(
        evidence,
        cipher,
        _claim(
            event=None,
            status="detained",
            number=3,
            qualifier="exact",
            period_from=None,
            period_to=None,
        ),
    )
    (held,) = compare_claims(evidence)
    assert held.query is not None and held.query.as_of == "2017-09-14"
    assert (held.at_least, held.at_most, held.verdict) == (3, 3, CONSISTENT)


def test_check_lists_claims_as_warnings_that_never_fail_the_run(
    evidence: Workspace, cipher: FieldCipher
) -> None:
    _record(evidence, cipher, _claim(), _claim(qualifier="at_most", number=2))
    outcomes = [o for o in run_checks(evidence) if o.name.startswith("claim: ")]
    assert [o.severity for o in outcomes] == ["warning", "warning"]
    assert sorted(o.ok for o in outcomes) == [False, True]
    assert {o.name for o in outcomes} == {
        "claim: Organisation X, 2017-09-14: at least 3 detained, July–August 2017",
        "claim: Organisation X, 2017-09-14: at most 2 detained, July–August 2017",
    }
    assert all("a sentence" not in str(o.as_dict()) for o in outcomes)


def test_no_claims_no_outcomes(evidence: Workspace) -> None:
    assert compare_claims(evidence) == []
    assert not [o for o in run_checks(evidence) if o.name.startswith("claim: ")]
