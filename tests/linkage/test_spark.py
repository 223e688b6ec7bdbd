"""The same linkage settings on Splink's Spark backend (PySpark in local mode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwatch.intake.importer import import_files
from refwatch.linkage import LinkageConfig, run_linkage
from refwatch.linkage.quality import evaluate
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.queries import current_mentions
from refwatch.store.workspace import init_workspace
from tests.conftest import TEST_KDF
from tests.linkage.conftest import person_of

pytest.importorskip("pyspark")

# The prior model, untrained: Spark starts a job per SQL step, and training runs hundreds
# of them, which takes minutes on a small machine. The settings, blocking, scoring and
# clustering are the same on both backends, so their results must agree.
SAME_MODEL = LinkageConfig(min_mentions_to_train=10_000)


@pytest.mark.slow
def test_spark_links_a_small_world_as_duckdb_does(tmp_path: Path, secret: Secret) -> None:
    world = simulate_world(tmp_path / "world", people=40, sources=4, seed=9)
    found = {}
    for backend in ("duckdb", "spark"):
        workspace = init_workspace(tmp_path / backend, secret, kdf=TEST_KDF)
        cipher = FieldCipher(workspace.unlock(secret))
        import_files(workspace, cipher, list(world.case_lists))
        summary = run_linkage(workspace, cipher, "tester", config=SAME_MODEL, backend=backend)
        assert summary.backend == backend and summary.persons < summary.mentions
        with workspace.read() as conn:
            key = {r.id: (r.source, r.record_id) for r in conn.execute(current_mentions())}
        found[backend] = {key[m]: p for m, p in person_of(workspace).items()}
        workspace.close()
    agreement = evaluate(found["spark"], found["duckdb"])
    assert agreement.pairwise_f1 >= 0.95
    assert list(tmp_path.glob("**/refwatch-spark-*")) == []
