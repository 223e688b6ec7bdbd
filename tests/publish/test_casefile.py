"""Case files: made only with consent (or a documented exception), audited by id, named
in files that only ids make up, and with the names in the document and nowhere else.

The workspace and the one PDF render are module-scoped (a render costs about a second).
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.domain.consent import ConsentLevel
from refwatch.domain.errors import InputError
from refwatch.intake.importer import import_files
from refwatch.persons.listing import build_snapshot
from refwatch.persons.timeline import load_person
from refwatch.publish.casefile import (
    CaseFileOutput,
    ConsentRefusedError,
    UnknownPersonsError,
    make_casefile,
    suggested_kind,
    write_casefile,
)
from refwatch.publish.casefile_pdf import render_html
from refwatch.store import consents
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.schema import AuditEntry
from refwatch.store.workspace import Workspace, init_workspace
from tests.conftest import TEST_KDF, row, write_csv

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
FAMILY = {"source": "Family line FAM-07", "source_type": "family"}
NAMES = ("Canary Advocate", "카나리", "Canary Nobody", "Canary Held", "Canary Nouse")
AS_OF = date(2017, 9, 30)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, FieldCipher]]:
    root = tmp_path_factory.mktemp("casefiles")
    secret = Secret(passphrase="casefile tests")
    workspace = init_workspace(root / "ws", secret, actor="tester", kdf=TEST_KDF)
    cipher = FieldCipher(workspace.unlock(secret))
    common = {"apprehended_on": "2017-07-13", "apprehended_at": "Tumen", "group": "G1"}
    rows = [
        # P-000001: consent to named advocacy, two reports from two sources.
        row(
            **SDC,
            record_id="S-1",
            reported_on="2017-08-16",
            name_latin="Canary Advocate",
            name_hangul="카나리",
            sex="F",
            birth_year="1988",
            origin="Musan",
            held_at="Tumen border detention center",
            status="detained",
            flags="pregnant",
            consent="advocacy",
            **common,
        ),
        # P-000002: nothing recorded.
        row(**SDC, record_id="S-2", name_latin="Canary Nobody", status="returned", **common),
        # P-000003: internal only; an exception is recorded below.
        row(**SDC, record_id="S-3", name_latin="Canary Held", status="detained", **common),
        # P-000004: no use.
        row(**SDC, record_id="S-4", name_latin="Canary Nouse", consent="no_use", **common),
        # P-000005: the family's report of P-000001 (kept a separate person here).
        row(
            **FAMILY,
            record_id="F-1",
            reported_on="2017-09-01",
            name_latin="Canary Advocate",
            status="detained",
            status_on="2017-08-30",
            consent="publication",
        ),
    ]
    folder = root / "lists"
    folder.mkdir()
    import_files(workspace, cipher, [write_csv(folder / "l.csv", rows)], actor="tester")
    with workspace.write() as conn:
        conn.exec_driver_sql("UPDATE sources SET reliability = 'B' WHERE name LIKE 'Seoul%'")
    consents.record_consent(
        workspace,
        cipher,
        person_id="P-000003",
        level=ConsentLevel.INTERNAL,
        basis="sister of Canary Held, by phone",
        exception_level=ConsentLevel.ADVOCACY,
        exception="held in Tumen; her sister asks for urgent action",
        actor="researcher-1",
    )
    yield workspace, cipher
    workspace.close()


def make(world: tuple[Workspace, FieldCipher], ids: list[str], **kwargs: object) -> CaseFileOutput:
    workspace, cipher = world
    return make_casefile(
        workspace,
        cipher,
        ids,
        load_person=load_person,
        statuses=lambda: build_snapshot(workspace, 0, AS_OF),
        actor=str(kwargs.pop("actor", "researcher-1")),
        as_of=AS_OF,
        **kwargs,  # type: ignore[arg-type]
    )


def audit_details(workspace: Workspace, action: str) -> list[dict[str, object]]:
    table = AuditEntry.__table__
    with workspace.read() as conn:
        rows = conn.execute(select(table.c.details).where(table.c.action == action)).scalars()
        return [json.loads(r) for r in rows]


def all_audit_text(workspace: Workspace) -> str:
    table = AuditEntry.__table__
    with workspace.read() as conn:
        return " ".join(
            f"{r.actor} {r.action} {r.record_id} {r.details}" for r in conn.execute(select(table))
        )


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


RENDER_LOGS = _Collect()
SCRATCH: list[str] = []


@pytest.fixture(scope="module")
def pdf(
    world: tuple[Workspace, FieldCipher], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CaseFileOutput]:
    """The one PDF render of this module, made with every log message collected and the
    temporary folder pointed at an empty one (read by the log and temp-file test)."""
    scratch = tmp_path_factory.mktemp("scratch")
    root = logging.getLogger()
    level, saved = root.level, tempfile.tempdir
    root.addHandler(RENDER_LOGS)
    root.setLevel(logging.DEBUG)
    tempfile.tempdir = str(scratch)
    try:
        output = make(world, ["P-000001"], kind="wgad", fmt="pdf")
        output_docx = make(world, ["P-000003"], fmt="docx", kind="wgeid")
        assert output_docx.data
    finally:
        root.removeHandler(RENDER_LOGS)
        root.setLevel(level)
        tempfile.tempdir = saved
    SCRATCH.extend(os.listdir(scratch))
    yield output


def test_a_case_file_with_consent_is_a_pdf_named_by_id_and_audited_by_id(
    world: tuple[Workspace, FieldCipher], pdf: CaseFileOutput
) -> None:
    assert pdf.data.startswith(b"%PDF") and len(pdf.data) > 5000
    assert pdf.file_name == "casefile-wgad-P-000001.pdf"
    made = audit_details(world[0], "casefile.make")
    assert made[0]["persons"] == ["P-000001"] and made[0]["format"] == "pdf"
    text = all_audit_text(world[0])
    for name in NAMES:
        assert name not in text


def test_the_document_footnotes_each_fact_to_its_reports_and_their_reliability(
    world: tuple[Workspace, FieldCipher],
) -> None:
    from refwatch.domain.consent import Use, decide
    from refwatch.publish.casefile_content import CaseFile, dossier, new_notes, read_names

    workspace, cipher = world
    with workspace.read() as conn:
        detail = load_person(conn, "P-000001")
        assert detail is not None
        consent = consents.effective_consent(conn, "P-000001")
        names = read_names(conn, cipher, [m.id for m in detail.mentions])
    notes = new_notes()
    snap = build_snapshot(workspace, 0, AS_OF)
    statuses = {p: s.status.value for p in ("P-000002",) if (s := snap.get(p))}
    one = dossier(
        "urgent-appeal",
        detail,
        names,
        snap.get("P-000001"),
        statuses,
        consent,
        decide(consent, Use.CASE_FILE),
        AS_OF,
        notes,
    )
    html = render_html(
        CaseFile("urgent-appeal", "t", AS_OF, ["P-000001"], [one], notes.items, False, "now")
    )
    assert "Canary Advocate" in html and "카나리" in html
    assert "source reliability B (usually reliable)" in html
    assert "record S-1" in html and "Report of 2017-08-16" in html
    titles = [s.title for s in one.sections]
    assert titles[:3] == [
        "Identity of the person concerned",
        "Status as of 2017-09-30",
        "Risk upon return",
    ]
    facts = {f.label: f for s in one.sections for f in s.facts}
    assert facts["Date of arrest"].value == "2017-07-13" and facts["Date of arrest"].notes == (1,)
    assert facts["Place of arrest"].value == "Tumen"
    assert "pregnant" in facts["Aggravating circumstances"].value
    assert "1 of whom are recorded as forcibly returned" in facts["Group"].value
    assert facts["Arrest warrant shown; authority that issued it"].value.startswith(
        "not documented"
    )
    assert "held in China" in facts["Present risk"].value


def test_a_docx_carries_the_names_in_its_body_and_none_in_its_metadata(
    world: tuple[Workspace, FieldCipher],
) -> None:
    out = make(world, ["P-000001", "P-000003"], fmt="docx")
    assert out.kind == "urgent-appeal"  # both are held in China
    assert out.file_name == "casefile-urgent-appeal-P-000001-and-1-more.docx"
    assert out.by_exception == ["P-000003"]
    with zipfile.ZipFile(io.BytesIO(out.data)) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert "Canary Advocate" in body and "Canary Held" in body
    assert "documented exception" in body
    # The exception's and the basis's own words (they name a relative) stay sealed.
    assert "her sister" not in body and "by phone" not in body
    for name in NAMES:
        assert name not in core


@pytest.mark.parametrize(
    ("ids", "refused"),
    [
        (["P-000002"], {"P-000002": "not_recorded"}),
        (["P-000004"], {"P-000004": "below"}),
        (["P-000001", "P-000002"], {"P-000002": "not_recorded"}),
    ],
)
def test_without_consent_nothing_is_made_and_the_refusal_is_audited_by_id(
    world: tuple[Workspace, FieldCipher], ids: list[str], refused: dict[str, str]
) -> None:
    before = len(audit_details(world[0], "casefile.make"))
    with pytest.raises(ConsentRefusedError) as caught:
        make(world, ids)
    assert caught.value.refused == refused
    assert "consent set" in str(caught.value)
    assert len(audit_details(world[0], "casefile.make")) == before
    last = audit_details(world[0], "casefile.refused")[-1]
    assert last["persons"] == ids and last["refused"] == sorted(refused)
    for name in NAMES:
        assert name not in str(caught.value)


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd",
        "P-000001/../../x",
        "P-000001\x00",
        "Canary Advocate",
        "P-1",
        "",
        "P-000001.pdf",
    ],
)
def test_anything_but_a_person_id_is_refused_before_any_read(
    world: tuple[Workspace, FieldCipher], bad: str
) -> None:
    before = all_audit_text(world[0])
    with pytest.raises(InputError):
        make(world, [bad])
    assert all_audit_text(world[0]) == before


def test_an_unknown_person_or_kind_or_format_is_refused(
    world: tuple[Workspace, FieldCipher],
) -> None:
    with pytest.raises(UnknownPersonsError, match="P-000099"):
        make(world, ["P-000099"])
    with pytest.raises(InputError, match="kind"):
        make(world, ["P-000001"], kind="../x")
    with pytest.raises(InputError, match="format"):
        make(world, ["P-000001"], fmt="html")


def test_the_file_is_created_exclusively_owner_only_and_never_through_a_link(
    tmp_path: Path, pdf: CaseFileOutput
) -> None:
    out = tmp_path / "new" / "folder"
    path = write_casefile(out, pdf)
    assert path.parent == out and path.read_bytes() == pdf.data
    assert (path.stat().st_mode & 0o777) == 0o600
    assert (out.stat().st_mode & 0o777) == 0o700
    with pytest.raises(InputError, match="already exists"):
        write_casefile(out, pdf)
    trap = tmp_path / "trap"
    trap.mkdir()
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep", encoding="utf-8")
    (trap / pdf.file_name).symlink_to(target)
    with pytest.raises(InputError):
        write_casefile(trap, pdf)
    assert target.read_text(encoding="utf-8") == "keep"


def test_making_a_case_file_logs_no_name_and_leaves_no_temporary_file(
    pdf: CaseFileOutput,
) -> None:
    assert RENDER_LOGS.lines is not None
    logged = "\n".join(RENDER_LOGS.lines)
    for name in NAMES:
        assert name not in logged
    assert SCRATCH == []


def test_the_kind_follows_the_status_when_none_is_asked_for() -> None:
    assert suggested_kind(["detained", "returned"]) == "urgent-appeal"
    assert suggested_kind(["disappeared", None]) == "wgeid"
    assert suggested_kind(["returned", "held_in_dprk"]) == "wgad"


def test_reports_that_disagree_give_one_fact_each_with_their_own_footnotes() -> None:
    from refwatch.domain.consent import EffectiveConsent, Use, decide
    from refwatch.persons.timeline import EventView, MentionView, PersonDetail, build_timeline
    from refwatch.publish.casefile_content import dossier, new_notes

    def mention(n: int) -> MentionView:
        return MentionView(
            f"m{n}",
            f"r{n}",
            f"R-{n}",
            "2017-09-01",
            date(2017, 9, 1),
            "s",
            "Src",
            "ngo_list",
            "C",
            None,
            "F",
            None,
            None,
            None,
            "detained",
            None,
            (),
            None,
            None,
        )

    def event(n: int, when: str, day: date) -> EventView:
        return EventView(
            f"e{n}",
            f"m{n}",
            "apprehension",
            when,
            day,
            day,
            "Tumen",
            None,
            None,
            None,
            mention(n),
        )

    events = [event(1, "2017-07-01", date(2017, 7, 1)), event(2, "2017-08-20", date(2017, 8, 20))]
    timeline, conflicts = build_timeline(events)
    detail = PersonDetail("P-000009", [mention(1), mention(2)], timeline, conflicts, [])
    consent = EffectiveConsent("P-000009", None)
    notes = new_notes()
    one = dossier(
        "wgad", detail, {}, None, {}, consent, decide(consent, Use.CASE_FILE), AS_OF, notes
    )
    arrest = next(s for s in one.sections if s.title == "Arrest")
    dates = [(f.value, f.notes) for f in arrest.facts if f.label == "Date of arrest"]
    assert dates == [
        ("2017-07-01 (disputed: the reports disagree)", (1,)),
        ("2017-08-20 (disputed: the reports disagree)", (2,)),
    ]
    assert [f.value for f in arrest.facts if f.label == "Place of arrest"] == ["Tumen"]
    assert "source reliability C (fairly reliable)" in notes.items[0].text()
    assert one.heading == "name not documented (P-000009)"


def test_a_case_file_after_return_shows_the_fate_and_the_north_korean_facility(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's example rows: returned, then held in a kyohwaso; a disappearance."""
    from refwatch.publish.casefile_content import CaseFile

    family = {"source": "Example Family Line", "source_type": "family"}
    common = {
        "name_hangul": "김하늘",
        "name_latin": "Kim Haneul",
        "sex": "F",
        "birth_year": "1988",
        "origin": "Musan",
        "apprehended_on": "2017-05-20",
        "apprehended_at": "Tumen",
        "consent": "advocacy",
    }
    rows = [
        row(
            **family,
            **common,
            reported_on="2018-01-15",
            record_id="EF-2",
            held_at="Jongori kyohwaso",
            status="held_in_dprk",
            status_on="2017-12",
        ),
        row(
            **family,
            **common,
            reported_on="2018-03-01",
            record_id="EF-3",
            status="disappeared",
            status_on="2018-02",
        ),
    ]
    folder = tmp_path / "lists"
    folder.mkdir()
    import_files(workspace, cipher, [write_csv(folder / "ef.csv", rows)], actor="tester")
    captured: list[CaseFile] = []

    def grab(casefile: CaseFile) -> bytes:
        captured.append(casefile)
        return b"PK"

    import refwatch.publish.casefile as module

    monkeypatch.setattr(module, "render_docx", grab)
    day = date(2018, 6, 1)
    outputs = [
        make_casefile(
            workspace,
            cipher,
            [person],
            load_person=load_person,
            statuses=lambda: build_snapshot(workspace, 0, day),
            actor="t",
            fmt="docx",
            as_of=day,
        )
        for person in ("P-000001", "P-000002")
    ]
    assert [o.kind for o in outputs] == ["wgad", "wgeid"]
    held, gone = (render_html(c) for c in captured)
    assert "held in dprk" in held and "Jongori kyohwaso" in held and "Imprisonment" in held
    assert "disappeared" in gone and "disappearance" in gone
    assert "in North Korean hands" in held
