"""Decisions as constraints on rows: the same pairs whether the caller passes its list of
mention ids or the map from id to row it has already made, in the caller's own order."""

from __future__ import annotations

from refwatch.linkage.chains import load_chains
from refwatch.linkage.constraints import row_constraints, rows_by_id
from refwatch.linkage.review import decide
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.linkage.conftest import WorldFactory, person_of


def test_decisions_become_rows_of_the_list_or_of_the_map_alike(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher, people=12, seed=3)
    ids = sorted(person_of(workspace))
    with workspace.read() as conn:
        nothing = row_constraints(conn, ids, load_chains(conn))
    assert (nothing.same, nothing.different, nothing.must_rows) == ([], [], set())

    decide(workspace, ids[0], ids[1], True, "reviewer")
    decide(workspace, ids[2], ids[3], False, "reviewer")
    decide(workspace, ids[4], ids[5], None, "reviewer")  # a skip binds nothing
    backwards = ids[::-1]
    last = len(ids) - 1
    with workspace.read() as conn:
        chains = load_chains(conn)
        from_list = row_constraints(conn, ids, chains)
        from_map = row_constraints(conn, rows_by_id(ids), chains)
        reversed_rows = row_constraints(conn, rows_by_id(backwards), chains)
        missing = row_constraints(conn, rows_by_id(ids[1:]), chains)
    assert from_list.same == from_map.same == [(0, 1)]
    assert from_list.different == from_map.different == [(2, 3)]
    assert from_list.must_rows == from_map.must_rows == {0, 1}
    assert reversed_rows.same == [(last, last - 1)]
    assert reversed_rows.different == [(last - 2, last - 3)]
    assert missing.same == [] and missing.different == [(1, 2)]  # ids[0] is not a row
