"""Encoding a workspace's persons (SQLite and PostgreSQL): what the file holds and
what it must never hold, the audit trail, and a link across organisations."""

from __future__ import annotations

import json
import re
from pathlib import Path

from refwatch.estimate import read_histories_csv
from refwatch.gazetteer.gazetteer import load_gazetteer
from refwatch.linkage.names import name_features
from refwatch.linkage.quality import evaluate
from refwatch.share import fileformat
from refwatch.share.link import link_files
from refwatch.share.workspace import encode_workspace
from tests.share.conftest import SHARED, SharedWorld, audit_actions


def _encode_all(world: SharedWorld, folder: Path) -> list[fileformat.EncodingFile]:
    files = []
    for org in world.orgs:
        made = encode_workspace(
            org.workspace, org.cipher, secret=SHARED, organisation=org.label, actor="tester"
        )
        path = folder / f"{org.label}.jsonl"
        fileformat.write(made, path)
        back = fileformat.read(path)
        back.local_ids = made.local_ids
        files.append(back)
    return files


def _sensitive_strings(world: SharedWorld) -> set[str]:
    """Every name as written, each word of it, and every name key linkage derives."""
    found: set[str] = set()
    for row in world.rows:
        for column in ("name_hangul", "name_latin"):
            text = row[column].strip()
            if text:
                found.add(text)
                found.update(w for w in text.replace("-", " ").split() if len(w) >= 3)
        features = name_features(row["name_hangul"] or None, row["name_latin"] or None)
        for key in (features.key, features.key_alt, features.given, features.hangul,
                    features.phonetic, features.phonetic_rev):  # fmt: skip
            if key and len(key) >= 3:
                found.add(key)
    return found


def test_encodings_hold_no_name_or_key_and_every_encode_is_audited(
    shared_world: SharedWorld, tmp_path: Path
) -> None:
    files = _encode_all(shared_world, tmp_path)
    sensitive = _sensitive_strings(shared_world)
    gazetteer = load_gazetteer()
    assert len(sensitive) > 50
    for file in files:
        path = tmp_path / f"{file.organisation}.jsonl"
        text = path.read_text(encoding="utf-8")
        # Outside the bits, nothing at all may match; inside base64, a 6-character
        # string appears by chance with probability ~1e-7, so any hit is a leak.
        lines = [json.loads(line) for line in text.splitlines()]
        # The strata are public codes (a quarter, a gazetteer province id); the label is
        # the organisation's own choice. Everything else outside the bits is checked.
        for record in lines[1:]:
            assert re.fullmatch(r"\d{4}-Q[1-4]|unknown", record["period"])
            assert record["region"] == "unknown" or record["region"] in gazetteer
        clear = json.dumps(
            [
                {k: v for k, v in d.items() if k not in ("bits", "organisation", "region")}
                for d in lines
            ],
            ensure_ascii=False,
        )
        raw = b"".join(file.bits.tobytes() for _ in [0])
        for value in sensitive:
            assert value not in clear, value
            assert len(value) < 6 or value not in text, value
            assert value.encode() not in raw or len(value.encode()) < 6, value
        assert SHARED.decode() not in text
        assert file.organisation in lines[0]["organisation"]
        assert {"period", "region", "id", "bits"} == set(lines[1])
        assert (path.stat().st_mode & 0o077) == 0
    assert len({f.key_check for f in files}) == 1
    for org in shared_world.orgs:
        actions = audit_actions(org.workspace)
        assert [a for a, _ in actions if a.startswith("share.")] == [
            "share.encode",
            "share.encoded",
        ]
        assert all(SHARED.decode() not in details for _, details in actions)
    _link_and_check(shared_world, files, tmp_path)


def _link_and_check(
    shared_world: SharedWorld, files: list[fileformat.EncodingFile], tmp_path: Path
) -> None:
    """Linking the organisations finds the people they share (one world, built once)."""
    result = link_files(files)
    truths: dict[int, str] = {}
    offset = 0
    for org, file in zip(shared_world.orgs, files, strict=True):
        true_of = shared_world.true_of_person(org)
        assert file.local_ids is not None
        for row, local in enumerate(file.local_ids):
            truths[offset + row] = true_of[local]
        offset += len(file)
    found = {i: int(c) for i, c in enumerate(result.clusters)}
    quality = evaluate(found, truths)
    assert quality.pairwise_f1 >= 0.85, quality
    out = tmp_path / "histories.csv"
    out.write_text(result.table.to_csv(), encoding="utf-8")
    table = read_histories_csv(out)
    assert table.lists == tuple(f.organisation for f in files)
    assert table.n == result.table.n == len(set(found.values()))
    assert sum(t.n for t in result.strata["region"].values()) == table.n
    assert result.mixture.matches > 0
