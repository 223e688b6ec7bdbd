"""Linkage settings version 9: expectation maximisation iterates over the counts of each
agreement pattern instead of every sampled pair (Splink's
`estimate_without_term_frequencies`), which took about 21 s of a run of a million
mentions; runs saved before keep EM over every pair.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from refwatch.intake.importer import import_files
from refwatch.linkage import LinkageConfig, run_linkage
from refwatch.linkage.settings import SETTINGS_VERSION
from refwatch.simulate.world import NOISE_PRESETS, simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.schema import table_of
from refwatch.store.schema_linkage import LinkageRun
from refwatch.store.workspace import Workspace
from tests.conftest import WorkspaceFactory

runs = table_of(LinkageRun)


def test_runs_saved_before_version_9_train_em_over_every_pair() -> None:
    saved = {**LinkageConfig().as_dict(), "settings_version": 8}
    del saved["em_without_tf"]  # as a run of version 8 saved it
    assert LinkageConfig.from_dict(saved).em_without_tf is False
    assert LinkageConfig.from_dict(LinkageConfig().as_dict()).em_without_tf is True
    assert LinkageConfig().as_dict()["settings_version"] == SETTINGS_VERSION == 9


def _trained(workspace: Workspace, secret: Secret, files: list[Path], em_without_tf: bool) -> Any:
    cipher = FieldCipher(workspace.unlock(secret))
    import_files(workspace, cipher, files, actor="tester")
    config = LinkageConfig(u_max_pairs=4_000, em_without_tf=em_without_tf)
    run_linkage(workspace, cipher, "tester", config=config)
    with workspace.read() as conn:
        stored = json.loads(conn.execute(select(runs.c.settings)).scalar_one())
    assert stored["refwatch"]["em_without_tf"] is em_without_tf
    return {
        c["output_column_name"]: [level.get("m_probability") for level in c["comparison_levels"]]
        for c in stored["splink"]["comparisons"]
    }


def test_the_choice_reaches_splink_and_both_train(
    make_workspace: WorkspaceFactory, secret: Secret, tmp_path: Path
) -> None:
    """The expectation step with term frequencies weighs a common name's exact match
    less, so the name comparison's m probabilities come out otherwise; comparisons
    without term frequencies are trained too, whichever way."""
    world = simulate_world(
        tmp_path / "world", people=120, sources=4, seed=8, noise=NOISE_PRESETS["hard"]
    )
    files = list(world.case_lists)
    patterns = _trained(make_workspace("patterns"), secret, files, em_without_tf=True)
    pairs = _trained(make_workspace("pairs"), secret, files, em_without_tf=False)
    assert patterns.keys() == pairs.keys() and "name" in patterns
    assert patterns["name"] != pairs["name"]
    assert all(m is None or 0.0 < m <= 1.0 for ms in patterns.values() for m in ms)
