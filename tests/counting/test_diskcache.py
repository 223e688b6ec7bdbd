"""The evidence arrays kept on disk: read back exactly, or not at all."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from refwatch.counting import diskcache
from refwatch.counting.evidence import Evidence
from refwatch.counting.snapshot import forget, load_snapshot
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import assert_same_evidence, import_rows

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}


@pytest.fixture
def saved(workspace: Workspace, cipher: FieldCipher, tmp_path: Path) -> Evidence:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(**SDC, record_id="1", apprehended_on="2017-07", status="detained"),
            row(**SDC, record_id="2", apprehended_at="Tumen", status="returned"),
        ],
    )
    evidence = load_snapshot(workspace).evidence
    assert len(evidence.mention_ids) == len(evidence.person_ids) == 2
    return evidence


def test_ids_of_any_text_and_empty_lists_read_back_as_saved(
    workspace: Workspace, saved: Evidence
) -> None:
    odd = dataclasses.replace(
        saved,
        mention_ids=["카나리-1\na", "\udc80"],
        person_ids=["P-é", ""],
        places=[],
    )
    diskcache.save(workspace, odd, (7, "head"))
    found = diskcache.load(workspace)
    assert found is not None
    assert_same_evidence(found[0], odd)
    assert found[1] == (7, "head")


def test_a_file_of_another_format_or_with_lengths_that_do_not_add_up_is_not_read(
    workspace: Workspace, saved: Evidence, monkeypatch: pytest.MonkeyPatch
) -> None:
    diskcache.save(workspace, saved, (3, "head"))
    path = diskcache.cache_path(workspace)
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    assert diskcache.load(workspace) is not None

    meta = json.loads(str(arrays["meta"]))
    older = {**arrays, "meta": np.array(json.dumps({**meta, "format": 1}))}
    with open(path, "wb") as handle:
        np.savez(handle, **older)
    assert diskcache.load(workspace) is None

    lengths = arrays["mention_ids.lengths"].copy()
    lengths[0] += 1
    with open(path, "wb") as handle:
        np.savez(handle, **{**arrays, "mention_ids.lengths": lengths})
    assert diskcache.load(workspace) is None

    # An unreadable file costs a read of the database, nothing else.
    forget(workspace)
    monkeypatch.setattr(diskcache, "MIN_SECONDS", 1e9)
    assert_same_evidence(load_snapshot(workspace).evidence, saved)
