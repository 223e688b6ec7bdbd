"""The demo's consents: the case-file button works on some persons, is refused on others,
and one person is allowed only by a documented exception."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from refwatch.domain.consent import Use, decide
from refwatch.persons.listing import build_snapshot
from refwatch.persons.timeline import load_person
from refwatch.publish.casefile import ConsentRefusedError, make_casefile
from refwatch.simulate.load_demo import build_demo
from refwatch.store.consents import effective_consents
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.workspace import Workspace, open_workspace
from tests.conftest import TEST_KDF

SECRET = Secret(passphrase="demo passphrase")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, dict[str, object]]]:
    root = tmp_path_factory.mktemp("demo-consents")
    result = build_demo(root / "ws", SECRET, root / "scratch", kdf=TEST_KDF)
    with open_workspace(root / "ws") as workspace:
        yield workspace, result


def test_the_demo_has_persons_with_and_without_consent_and_one_exception(
    demo: tuple[Workspace, dict[str, object]],
) -> None:
    workspace, result = demo
    given = result["consents"]
    assert isinstance(given, dict)
    by_level = given["by_level"]
    assert len(by_level["advocacy"]) == 8 and len(by_level["no_use"]) == 2
    exception = given["exception"]
    with workspace.read() as conn:
        found = effective_consents(conn)
    allowed = {p for p, c in found.items() if decide(c, Use.CASE_FILE).allowed}
    assert set(by_level["advocacy"]) <= allowed
    assert decide(found[str(exception)], Use.CASE_FILE).by_exception
    refused = [p for p in found if p not in allowed]
    assert len(refused) > 50  # most demo persons have no consent recorded
    cipher = FieldCipher(workspace.unlock(SECRET))

    def make(person: str) -> bytes:
        return make_casefile(
            workspace,
            cipher,
            [person],
            load_person=load_person,
            statuses=lambda: build_snapshot(workspace, 0, date(2017, 9, 30)),
            actor="demo-test",
            fmt="docx",
            as_of=date(2017, 9, 30),
        ).data

    assert make(by_level["advocacy"][0]).startswith(b"PK")
    assert make(str(exception)).startswith(b"PK")
    with pytest.raises(ConsentRefusedError):
        make(refused[0])


def test_demo_consents_are_in_the_summary_json_ready(
    demo: tuple[Workspace, dict[str, object]], tmp_path: Path
) -> None:
    import json

    _, result = demo
    assert json.loads(json.dumps(result["consents"]))["exception"].startswith("P-")
