"""The same lists, linked again or imported anew in another order, give the same persons,
the same stored probabilities and the same seeded linkage-aware estimate (issue 12).

Mention ids are random and databases return rows in any order; before the fix a re-link
of one workspace stored its pairs in another order (so the estimate drew other
clusterings from the same seed), and a re-import numbered the rows otherwise (so EM
converged to probabilities a few 1e-5 apart and the hash samples picked other rows).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
from sqlalchemy import select

from refwatch.estimate import EstimateOptions, LcmcrSettings, estimate_from_workspace
from refwatch.estimate.linkage_aware import canonical_pairs
from refwatch.intake.importer import import_files
from refwatch.linkage import LinkageConfig, run_linkage
from refwatch.linkage.features import MentionTable
from refwatch.linkage.run import canonical_rows
from refwatch.simulate.world import NOISE_PRESETS, simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.queries import current_mentions
from refwatch.store.schema import table_of
from refwatch.store.schema_linkage import LinkagePair
from refwatch.store.workspace import Workspace
from tests.conftest import WorkspaceFactory

pairs_table = table_of(LinkagePair)
Record = tuple[str, str]

# Small enough for u to be estimated on a sample of rows, as it is in any real workspace.
CONFIG = LinkageConfig(u_max_pairs=4_000)


def shuffled(files: list[Path], folder: Path, seed: int) -> list[Path]:
    """The same case lists, each list's rows in another order, the lists in reverse."""
    folder.mkdir()
    rng = random.Random(seed)
    out = []
    for path in files:
        head, *rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
        rng.shuffle(rows)
        (folder / path.name).write_text(head + "".join(rows), encoding="utf-8")
        out.append(folder / path.name)
    return out[::-1]


def linked(workspace: Workspace, secret: Secret, files: list[Path]) -> FieldCipher:
    cipher = FieldCipher(workspace.unlock(secret))
    import_files(workspace, cipher, files, actor="tester")
    run_linkage(workspace, cipher, "tester", config=CONFIG)
    return cipher


def outcome(workspace: Workspace) -> tuple[set[frozenset[Record]], dict[frozenset[Record], float]]:
    """The persons and the stored pair probabilities, by (source, record id)."""
    with workspace.read() as conn:
        rows = conn.execute(current_mentions()).mappings().all()
        record = {r["id"]: (str(r["source"]), str(r["record_id"])) for r in rows}
        persons: dict[str, set[Record]] = {}
        for r in rows:
            persons.setdefault(r["person_id"], set()).add(record[r["id"]])
        query = select(
            pairs_table.c.mention_a, pairs_table.c.mention_b, pairs_table.c.match_probability
        )
        pairs = {
            frozenset((record[p.mention_a], record[p.mention_b])): p.match_probability
            for p in conn.execute(query)
        }
    return {frozenset(p) for p in persons.values()}, pairs


def aware(workspace: Workspace) -> tuple[float, float | None, float | None, list[float]]:
    options = EstimateOptions(
        method="lcmcr",
        seed=11,
        linkage_draws=6,
        lcmcr=LcmcrSettings(burnin=300, samples=60, thinning=2, chains=1, seed=11, processes=1),
    )
    total = estimate_from_workspace(workspace, options=options).total
    assert total.linkage and total.linkage["draws"] == 6
    draws = [] if total.draws is None else np.asarray(total.draws).ravel().tolist()
    return total.estimate, total.lower, total.upper, draws


def test_relinking_or_reimporting_in_another_order_changes_nothing(
    make_workspace: WorkspaceFactory, secret: Secret, tmp_path: Path
) -> None:
    world = simulate_world(
        tmp_path / "world", people=120, sources=4, seed=8, noise=NOISE_PRESETS["hard"]
    )
    files = list(world.case_lists)
    first, again = make_workspace("first"), make_workspace("again")
    cipher = linked(first, secret, files)
    linked(again, secret, shuffled(files, tmp_path / "shuffled", seed=3))
    persons, pairs = outcome(first)
    estimate = aware(first)
    assert len(persons) < world.rows and any(0.01 < p < 0.99 for p in pairs.values())

    assert outcome(again) == (persons, pairs)
    assert aware(again) == estimate

    run_linkage(first, cipher, "tester", config=CONFIG)
    assert outcome(first) == (persons, pairs)
    assert aware(first) == estimate


def test_the_canonical_row_order_does_not_depend_on_the_order_rows_were_read_in() -> None:
    ids = [f"m{i}" for i in range(6)]
    keys = {m: ("list", f"r{5 - i}", "") for i, m in enumerate(ids)}
    keys["m0"] = keys["m1"] = ("list", "", "")  # no record ids: their features decide
    table = pa.table(
        {
            "unique_id": pa.array(range(6), pa.int64()),
            "source_id": ["s"] * 6,
            "name_key": ["b", "a", "c", "d", "e", "f"],
        }
    )
    read = MentionTable(table, ids, [f"P-{i}" for i in range(6)], 0)
    backwards = MentionTable(
        pa.table({**{c: table.column(c).to_pylist()[::-1] for c in table.column_names}}),
        ids[::-1],
        [f"P-{i}" for i in range(6)][::-1],
        0,
    )
    one, other = canonical_rows(read, keys), canonical_rows(backwards, keys)
    assert one.mention_ids == other.mention_ids == ["m1", "m0", "m5", "m4", "m3", "m2"]
    assert one.person_ids == other.person_ids
    assert one.table.column("unique_id").to_pylist() == list(range(6))
    assert one.table.column("name_key").to_pylist() == other.table.column("name_key").to_pylist()


def test_stored_pairs_are_drawn_in_one_order_whatever_order_they_were_read_in() -> None:
    rank = np.array([3, 0, 2, 1], dtype=np.int64)
    a = np.array([0, 1, 2, 3], dtype=np.int64)
    b = np.array([1, 2, 3, 0], dtype=np.int64)
    order, first, second = canonical_pairs(rank, a, b)
    flipped_order, flipped_first, flipped_second = canonical_pairs(rank, b[::-1], a[::-1])
    assert first.tolist() == flipped_first.tolist() == [1, 1, 3, 3]
    assert second.tolist() == flipped_second.tolist() == [2, 0, 2, 0]
    assert sorted(order.tolist()) == sorted(flipped_order.tolist()) == [0, 1, 2, 3]
