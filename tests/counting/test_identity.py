"""Identity bounds: "at least" must not count one human being twice, "at most" must not
count two as one, whatever linkage got wrong.

These tests write what a linkage run stores (a run, its person links and its scored pairs)
so that each rule is tried on exactly the pair it is about; the whole chain with real
Splink linkage on noisy synthetic worlds is tried in `test_identity_chain.py` and measured
in benchmarks/count_bounds_study.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import bindparam, insert, select, update

from refwatch.counting import count_persons
from refwatch.counting.describe import width_text
from refwatch.counting.identity import Identity
from refwatch.linkage import decisions
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links
from refwatch.store.schema import table_of
from refwatch.store.schema_linkage import LinkagePair, LinkageRun
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
FAM = {"source": "Family contacts", "source_type": "family"}
JULY = {"event": "apprehension", "period_from": "2017-07", "period_to": "2017-07"}


def mention_of(workspace: Workspace) -> dict[str, str]:
    cm = current_mentions().subquery()
    with workspace.read() as conn:
        return {r.record_id: r.id for r in conn.execute(select(cm.c.record_id, cm.c.id))}


def store_run(
    workspace: Workspace,
    persons: dict[str, str],
    pairs: Sequence[tuple[str, str, float]],
) -> None:
    """What a linkage run writes: each mention (by record id) on the person named in
    `persons` (by another record id), and the scored pairs it keeps."""
    ids = mention_of(workspace)
    run_id = "run-identity-test"
    with workspace.write() as conn:
        person_of = {
            m: conn.execute(select(links.c.person_id).where(links.c.mention_id == m)).scalar_one()
            for m in ids.values()
        }
        now = datetime.now(UTC)
        conn.execute(
            insert(table_of(LinkageRun)).values(
                id=run_id, started_at=now, actor="test", status="done", backend="duckdb"
            )
        )
        conn.execute(
            update(links)
            .where(links.c.mention_id == bindparam("m"))
            .values(person_id=bindparam("p"), run_id=run_id, match_probability=0.5),
            [{"m": ids[r], "p": person_of[ids[persons.get(r, r)]]} for r in ids],
        )
        for a, b, probability in pairs:
            left, right = sorted((ids[a], ids[b]))
            conn.execute(
                insert(table_of(LinkagePair)).values(
                    mention_a=left,
                    mention_b=right,
                    run_id=run_id,
                    match_probability=probability,
                    match_weight=0.0,
                    detail="",
                )
            )
        audit.log(conn, "test", "linkage.run", details={"test": True})


def decide(workspace: Workspace, a: str, b: str, kind: str) -> None:
    ids = mention_of(workspace)
    with workspace.write() as conn:
        decisions.record(
            conn,
            mention_a=ids[a],
            mention_b=ids[b],
            kind=kind,
            actor="test",
            reason=None,
            cipher=None,
        )


def two_reports_of_one_person(workspace: Workspace, cipher: FieldCipher, tmp: Path) -> None:
    import_rows(
        workspace,
        cipher,
        tmp,
        [
            row(**SDC, record_id="s1", apprehended_on="2017-07-10", sex="F", status="detained"),
            row(**FAM, record_id="f1", apprehended_on="2017-07-12", sex="F", status="detained"),
            row(**FAM, record_id="f2", apprehended_on="2017-07-20", sex="M", status="detained"),
        ],
    )


def test_a_missed_link_the_model_found_plausible_does_not_raise_at_least(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    two_reports_of_one_person(workspace, cipher, tmp_path)
    store_run(workspace, {}, [("s1", "f1", 0.3)])
    result = count_persons(workspace, **JULY)  # type: ignore[arg-type]
    assert (result.at_least, result.at_most) == (2, 3)
    assert result.width is not None and result.width.may_be_same == 1
    assert "1 of the persons may be the same as others" in width_text(result.width)


def test_a_pair_below_the_plausible_floor_counts_as_two_people(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    two_reports_of_one_person(workspace, cipher, tmp_path)
    store_run(workspace, {}, [("s1", "f1", 0.01)])
    result = count_persons(workspace, **JULY)  # type: ignore[arg-type]
    assert (result.at_least, result.at_most) == (3, 3)


def test_a_reviewers_not_the_same_keeps_a_plausible_pair_apart(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    two_reports_of_one_person(workspace, cipher, tmp_path)
    store_run(workspace, {}, [("s1", "f1", 0.8)])
    decide(workspace, "s1", "f1", "different")
    result = count_persons(workspace, **JULY)  # type: ignore[arg-type]
    assert (result.at_least, result.at_most) == (3, 3)


def test_a_chain_of_plausible_links_counts_once_in_at_least(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    two_reports_of_one_person(workspace, cipher, tmp_path)
    store_run(workspace, {}, [("s1", "f1", 0.3), ("f1", "f2", 0.2)])
    result = count_persons(workspace, **JULY)  # type: ignore[arg-type]
    assert (result.at_least, result.at_most) == (1, 3)


def test_a_person_held_together_by_an_uncertain_link_may_be_two_people(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    two_reports_of_one_person(workspace, cipher, tmp_path)
    store_run(workspace, {"f1": "s1"}, [("s1", "f1", 0.4)])
    result = count_persons(workspace, **JULY)  # type: ignore[arg-type]
    assert (result.at_least, result.at_most) == (2, 3)
    assert result.width is not None and result.width.may_be_several == 1
    assert "up to 1 more if uncertain links joined different people" in width_text(result.width)


def test_a_sure_link_or_a_reviewers_same_person_holds_a_person_together(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    two_reports_of_one_person(workspace, cipher, tmp_path)
    store_run(workspace, {"f1": "s1"}, [("s1", "f1", 0.95)])
    result = count_persons(workspace, **JULY)  # type: ignore[arg-type]
    assert (result.at_least, result.at_most) == (2, 2)


def test_a_reviewers_same_person_holds_an_uncertain_link(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    two_reports_of_one_person(workspace, cipher, tmp_path)
    store_run(workspace, {"f1": "s1"}, [("s1", "f1", 0.4)])
    decide(workspace, "s1", "f1", "same")
    result = count_persons(workspace, **JULY)  # type: ignore[arg-type]
    assert (result.at_least, result.at_most) == (2, 2)


def test_breakdown_cells_obey_identity_bounds_too(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    two_reports_of_one_person(workspace, cipher, tmp_path)
    store_run(workspace, {"f2": "s1"}, [("s1", "f1", 0.3), ("s1", "f2", 0.45)])
    result = count_persons(workspace, **JULY, by="sex")  # type: ignore[arg-type]
    # s1+f2 (F and M: sex unknown for certain) may be two; s1 and f1 may be one.
    female = result.cell("F")
    assert female.at_least == 1  # f1 certainly female, but may be the same as s1
    assert female.at_most == 3  # f1, and the s1+f2 person as two people
    assert result.at_least == 1 and result.at_most == 3


def test_at_least_never_exceeds_the_persons_who_certainly_match(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    two_reports_of_one_person(workspace, cipher, tmp_path)
    store_run(workspace, {"f1": "s1"}, [("s1", "f1", 0.3), ("f1", "f2", 0.99)])
    for query in (JULY, {**JULY, "sex": "F"}, {**JULY, "by": "source"}, {}):
        result = count_persons(workspace, **query)  # type: ignore[arg-type]
        assert result.width is not None
        assert result.at_least <= result.width.certain_persons
        assert result.at_most >= result.width.possible_persons
        for cell in result.cells:
            certain, possible = result.cell_persons(*cell.key)
            assert cell.at_least <= len(certain)
            assert cell.at_most >= len(possible)


def test_the_ledger_keeps_where_the_width_came_from(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    two_reports_of_one_person(workspace, cipher, tmp_path)
    store_run(workspace, {}, [("s1", "f1", 0.3)])
    from refwatch.counting.ledger import read_entry
    from refwatch.counting.ledger_check import ledger_show

    result = count_persons(workspace, **JULY, record=True)  # type: ignore[arg-type]
    assert result.ledger_id is not None
    entry = read_entry(workspace, result.ledger_id)
    assert entry["numbers"]["width"]["may_be_same"] == 1
    check = ledger_show(workspace, result.ledger_id)
    assert check.same_numbers
    decide(workspace, "s1", "f1", "different")
    check = ledger_show(workspace, result.ledger_id)
    assert not check.same_numbers and check.now.at_least == 3


@given(
    st.lists(st.integers(0, 11), min_size=1, max_size=12),
    st.lists(st.booleans(), min_size=12, max_size=12),
    st.lists(st.integers(0, 3), min_size=12, max_size=12),
)
def test_distinct_and_most_agree_with_counting_by_hand(
    links: list[int], chosen: list[bool], cells: list[int]
) -> None:
    """Groups made by joining each person i to links[i] (one union per person)."""
    n = len(links)
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for i, j in enumerate(links):
        a, b = root(i), root(j % n)
        parent[max(a, b)] = min(a, b)
    group = np.array([min(k for k in range(n) if root(k) == root(i)) for i in range(n)])
    pieces = np.array([1 + (i % 3 == 0) for i in range(n)], dtype=np.int64)
    identity = Identity(group.astype(np.int64), pieces, 0.05, 0.5)
    persons = np.array(chosen[:n], dtype=bool)
    assert identity.distinct(persons) == len({int(group[i]) for i in range(n) if persons[i]})
    assert identity.most(persons) == int(pieces[persons].sum())
    person = np.flatnonzero(persons).astype(np.int32)
    cell = np.array([cells[i] for i in person.tolist()], dtype=np.int32)
    by_cell = identity.distinct_by_cell(cell, person, 4)
    rows = list(zip(person.tolist(), cell.tolist(), strict=True))
    for c in range(4):
        assert by_cell[c] == len({int(group[p]) for p, k in rows if k == c})
    most = identity.most_by_cell(cell, person, 4)
    for c in range(4):
        assert most[c] == sum(int(pieces[p]) for p, k in rows if k == c)
