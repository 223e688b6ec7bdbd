"""Accepting reviewed proposals: hostile files first (every refusal writes nothing), a crash
mid-accept (SIGKILL inside the transaction), then the accept and its repeat."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from refwatch.domain.errors import InputError
from refwatch.intake.claims import list_claims
from refwatch.intake.export import mention_rows
from refwatch.intake.extract.model import Extraction
from refwatch.intake.extract_accept import MAX_ITEMS, accept_extraction
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, Mention, Observation, Report, table_of
from refwatch.store.schema_claims import ClaimEntry
from refwatch.store.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.intake.test_claims import database_bytes

CLAIM_SENTENCE = "canary-release-4410: China has detained at least 41 in July and August 2017."
MENTION_SENTENCE = "canary-testimony-2290: my sister Canarya Kimsong was caught in Changbai."


def reviewed() -> dict[str, Any]:
    """A reviewed proposal file as `refwatch extract --json` writes it, after review."""
    return {
        "language": "en",
        "claims": [
            {
                "number": 41,
                "qualifier": "at_least",
                "event": "detention",
                "status": None,
                "flags": [],
                "sex": None,
                "place": None,
                "from": "2017-07",
                "to": "2017-08",
                "text": CLAIM_SENTENCE,
                "start": 0,
                "end": len(CLAIM_SENTENCE),
            }
        ],
        "mentions": [
            {
                "names_hangul": [],
                "names_latin": ["Canarya Kimsong"],
                "sex": "F",
                "age": 34,
                "origin": None,
                "event": "apprehension",
                "status": "detained",
                "flags": [],
                "place": "cn-jilin-changbai",
                "from": "2017-07",
                "to": None,
                "text": MENTION_SENTENCE,
                "start": 80,
                "end": 80 + len(MENTION_SENTENCE),
            }
        ],
        "observations": [
            {
                "kind": "capacity_change",
                "value": -80.0,
                "unit": "percent",
                "from": "2017-06",
                "to": None,
                "text": "One network says its capacity fell by about 80% since June 2017.",
                "start": 200,
                "end": 260,
            }
        ],
    }


def _accept(workspace: Workspace, cipher: FieldCipher, data: dict[str, Any], **kw: Any) -> Any:
    raw = json.dumps(data).encode()
    extraction = Extraction.from_json(data, file="reviewed.json")
    return accept_extraction(
        workspace,
        cipher,
        extraction,
        source=kw.pop("source", "Organisation X"),
        label="reviewed.json",
        digest=hashlib.sha256(raw).hexdigest(),
        actor="tester",
        reported_on=kw.pop("reported_on", "2017-09-14"),
        **kw,
    )


def _rows(workspace: Workspace) -> dict[str, int]:
    tables = {
        "reports": Report,
        "mentions": Mention,
        "claims": ClaimEntry,
        "observations": Observation,
        "audit": AuditEntry,
    }
    with workspace.read() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table_of(model))).scalar())
            for name, model in tables.items()
        }


def _edited(path: str, value: object) -> dict[str, Any]:
    data = copy.deepcopy(reviewed())
    kind, index, key = path.split(".")
    data[kind][int(index)][key] = value
    return data


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (_edited("claims.0.number", -5), "claims[0].number"),
        (_edited("claims.0.event", "abduction"), "claims[0].event"),
        (_edited("claims.0.place", "xx-atlantis"), "claims[0].place"),
        (_edited("claims.0.from", "2017-09"), "claims[0].to"),
        (_edited("claims.0.injected", "DROP TABLE"), "claims[0].injected"),
        (_edited("mentions.0.place", "Changbai"), "mentions[0].place"),  # a name, not an id
        (_edited("mentions.0.age", 400), "mentions[0].age"),
        (_edited("observations.0.unit", "furlongs"), "observations[0].unit"),
    ],
)
def test_a_hand_edited_file_with_a_bad_field_is_refused_by_the_reader(
    data: dict[str, Any], where: str
) -> None:
    with pytest.raises(InputError) as caught:
        Extraction.from_json(data, file="reviewed.json")
    assert caught.value.column == where
    assert "canary" not in str(caught.value)


def test_a_refusal_while_accepting_writes_nothing(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    """The claim's sentence is too long for a claim (the reader allows longer texts): the
    mention before it was already written in the transaction, and is rolled back."""
    before = _rows(workspace)
    data = _edited("claims.0.text", "canary-long " * 1_000)
    with pytest.raises(InputError) as caught:
        _accept(workspace, cipher, data)
    assert caught.value.column == "text" and "reviewed.json claims[0]" in str(caught.value)
    assert "canary" not in str(caught.value)
    assert _rows(workspace) == before


def test_ten_thousand_claims_are_refused_before_anything_is_written(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    data = reviewed()
    data["claims"] = [dict(data["claims"][0], number=n) for n in range(10_000)]
    before = _rows(workspace)
    with pytest.raises(InputError, match=f"at most {MAX_ITEMS}"):
        _accept(workspace, cipher, data)
    assert _rows(workspace) == before


def test_an_observation_without_any_date_is_refused(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    data = _edited("observations.0.from", None)
    with pytest.raises(InputError, match="needs a date"):
        _accept(workspace, cipher, data, reported_on=None)
    with pytest.raises(InputError) as caught:
        _accept(workspace, cipher, reviewed(), reported_on="last autumn")
    assert caught.value.column == "reported_on"
    assert _rows(workspace)["reports"] == 0


CHILD = textwrap.dedent(
    """
    import json, os, signal, sys
    from pathlib import Path
    from refwatch.intake.extract.model import Extraction
    from refwatch.intake.extract_accept import accept_extraction
    from refwatch.store.crypto import FieldCipher
    from refwatch.store.keys import Secret
    from refwatch.store.workspace import open_workspace

    workspace = open_workspace(Path(sys.argv[1]), sys.argv[2] or None)
    cipher = FieldCipher(workspace.unlock(Secret(passphrase=sys.argv[3])))
    data = json.loads(Path(sys.argv[4]).read_text())
    kill_at = sys.argv[5]

    def stage(name):
        if name == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    accept_extraction(
        workspace, cipher, Extraction.from_json(data, file="r.json"), source="Org X",
        label="r.json", digest="0" * 64, actor="crash", reported_on="2017-09-14", stage=stage,
    )
    """
)


@pytest.mark.parametrize("kill_at", ["mentions", "claims", "observations"])
def test_an_accept_killed_mid_way_leaves_nothing(
    tmp_path: Path, workspace: Workspace, kill_at: str
) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(reviewed()))
    before = _rows(workspace)
    url = workspace.url if workspace.dialect == "postgresql" else ""
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(workspace.path), url, PASSPHRASE, str(path), kill_at],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert _rows(workspace) == before
    report = workspace.verify_audit()
    assert report.ok, report.problem


def test_accepting_makes_evidence_and_accepting_again_changes_nothing(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    first = _accept(workspace, cipher, reviewed())
    assert (first.mentions.new, first.claims_new, first.observations_new) == (1, 1, 1)
    after = _rows(workspace)
    again = _accept(workspace, cipher, reviewed())
    assert (again.mentions.unchanged, again.claims_unchanged, again.observations_unchanged) == (
        1,
        1,
        1,
    )
    assert not again.changed
    assert _rows(workspace) == after
    assert workspace.verify_audit().ok
    with workspace.read() as conn:
        (mention,) = mention_rows(conn, cipher)
        (claim,) = list_claims(conn, cipher)
        report_id, report_text = conn.execute(
            select(table_of(Report).c.id, table_of(Report).c.text_enc)
        ).one()
    assert mention["name_latin"] == "Canarya Kimsong"
    assert mention["sex"] == "F" and mention["apprehended_at"] == "Changbai"
    assert cipher.open("reports", "text", report_id, report_text) == MENTION_SENTENCE
    assert claim.describe() == "Organisation X, 2017-09-14: at least 41 detained, July–August 2017"
    assert claim.text == CLAIM_SENTENCE
    data = database_bytes(workspace)
    for canary in ("canary-release-4410", "canary-testimony-2290", "Canarya Kimsong"):
        assert canary.encode() not in data


def test_an_edited_mention_accepted_again_supersedes_the_first(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    _accept(workspace, cipher, reviewed())
    second = _accept(workspace, cipher, _edited("mentions.0.age", 35))
    assert (second.mentions.updated, second.mentions.new) == (1, 0)
    assert second.claims_unchanged == 1
