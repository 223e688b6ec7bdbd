"""Blocking must stay linear in the mentions: a guard against the settings-v2 regression.

Settings version 2 added blocking rules on keys far less selective than a name (a common
given name, the Hangul name and sex, ...). On 800 persons they cost nothing; on 100,000
they made 22 million candidate pairs (199 per mention, against 6 for version 1), and
`refwatch link` took 270 s instead of 35 s with a worse pairwise F1 (issue 12,
docs/linkage.md). A dense world of 10,000 persons already shows it (19 candidate pairs
per mention with the version-2 rules, 5.7 with version 3), so the count is checked there,
with Splink's own counter of blocked pairs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from splink import DuckDBAPI
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from refwatch.intake.importer import import_files
from refwatch.linkage.features import load_mentions
from refwatch.linkage.run import duckdb_connection
from refwatch.linkage.settings import LinkageConfig
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.workspace import init_workspace
from tests.conftest import TEST_KDF

MAX_PAIRS_PER_MENTION = 10.0
"""Version 3 makes 5.7 candidate pairs per mention on this world, version 2 made 19.0."""


@pytest.mark.slow
def test_the_blocking_rules_make_few_candidate_pairs_per_mention_in_a_dense_world(
    tmp_path: Path, secret: Secret
) -> None:
    world = simulate_world(tmp_path / "world", people=10_000, sources=4, seed=7)
    workspace = init_workspace(tmp_path / "ws", secret, kdf=TEST_KDF)
    cipher = FieldCipher(workspace.unlock(secret))
    import_files(workspace, cipher, list(world.case_lists), actor="tester")
    config = LinkageConfig()
    with workspace.read() as conn:
        table = load_mentions(
            conn, cipher, rare_name_cap=config.rare_name_cap, key_cap=config.key_cap
        )
    workspace.close()
    with duckdb_connection(config) as con:
        db_api = DuckDBAPI(con)
        frame = db_api.register(table.table, table_name="refwatch_mentions")
        counts = count_comparisons_from_blocking_rules(
            frame,
            blocking_rules=list(config.blocking),
            link_type="dedupe_only",
            record_sample_proportion=1.0,
        )
    pairs = counts[-1]["cumulative_comparison_count"]
    per_mention = pairs / len(table)
    assert len(table) > 10_000
    assert per_mention <= MAX_PAIRS_PER_MENTION, (
        f"{pairs:,} candidate pairs for {len(table):,} mentions ({per_mention:.1f} per "
        f"mention): a blocking rule joins on a key too common at scale"
    )
