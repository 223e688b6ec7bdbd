"""Claims of other organisations: hostile input first, then confidentiality, then the
record/list/delete round trip, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from refwatch.domain.errors import InputError
from refwatch.intake.claims import (
    ClaimInput,
    delete_claim,
    list_claims,
    period_text,
    record_claim,
)
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.schema_claims import ClaimEntry
from refwatch.store.workspace import Workspace

SENTENCE = "canary-claim-5531: at least 41 detained, among them Kim Canaryson"
CLAIM = ClaimInput(
    source="Organisation X",
    source_type="ngo_list",
    published_on="2017-09-14",
    number=41,
    qualifier="at_least",
    event="detention",
    period_from="2017-07",
    period_to="2017-08",
    text=SENTENCE,
)


def database_bytes(workspace: Workspace) -> bytes:
    """Everything the database holds, as bytes: the SQLite files (WAL included) or, on
    PostgreSQL, every row of every table of the workspace's schema as text."""
    if workspace.dialect == "sqlite":
        return b"".join(p.read_bytes() for p in workspace.path.iterdir() if p.is_file())
    with workspace.read() as conn:
        tables = (
            conn.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (workspace.schema,),
            )
            .scalars()
            .all()
        )
        dumps = [
            conn.exec_driver_sql(
                f"SELECT coalesce(string_agg(CAST(t.* AS text), '|'), '') FROM \"{name}\" t"
            ).scalar_one()
            for name in tables
        ]
    assert "claims" in tables
    return "\n".join(dumps).encode()


def _count(workspace: Workspace) -> int:
    with workspace.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table_of(ClaimEntry))).scalar())


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"number": -1}, "number"),
        ({"number": 10_000_001}, "number"),
        ({"number": True}, "number"),
        ({"qualifier": "roughly"}, "qualifier"),
        ({"event": "abduction"}, "event"),
        ({"status": "missing"}, "status"),
        ({"sex": "X"}, "sex"),
        ({"flags": ("child", "vip")}, "flags"),
        ({"place": "Atlantis"}, "place"),
        ({"period_from": "2017-09", "period_to": "2017-07"}, "to"),
        ({"period_from": "July"}, "from"),
        ({"published_on": "2017-13-45"}, "published_on"),
        ({"source": "  "}, "source"),
        ({"source": "x" * 201}, "source"),
        ({"text": "x" * 5_001}, "text"),
    ],
)
def test_a_bad_field_is_refused_by_name_and_nothing_is_written(
    workspace: Workspace, cipher: FieldCipher, change: dict[str, object], column: str
) -> None:
    bad = ClaimInput(**{**_fields(CLAIM), **change})  # type: ignore[arg-type]
    with pytest.raises(InputError) as caught, workspace.write() as conn:
        record_claim(conn, cipher, bad, actor="tester", where="release.json claims[0]")
    assert caught.value.column == column
    assert "release.json claims[0]" in str(caught.value)
    assert _count(workspace) == 0


def test_the_sentence_is_never_quoted_in_an_error(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    secret_text = "canary-in-error-8812 " * 300
    with pytest.raises(InputError) as caught, workspace.write() as conn:
        record_claim(conn, cipher, ClaimInput(**{**_fields(CLAIM), "text": secret_text}), actor="t")
    assert "canary-in-error-8812" not in str(caught.value)


def test_the_sentence_is_sealed_and_never_in_the_database_logs_or_audit_chain(
    workspace: Workspace, cipher: FieldCipher, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, "sqlalchemy.engine"):
        with workspace.write() as conn:
            record_claim(conn, cipher, CLAIM, actor="tester")
        with workspace.read() as conn:
            (opened,) = list_claims(conn, cipher)
    assert opened.text == SENTENCE  # it did pass through while everything was logged
    for needle in ("canary-claim-5531", "Kim Canaryson"):
        for encoding in ("utf-8", "utf-16-le"):
            assert needle.encode(encoding) not in database_bytes(workspace)
        assert needle not in caplog.text
        assert all(needle not in str(r.args) for r in caplog.records)
    with workspace.read() as conn:
        details = conn.execute(select(table_of(AuditEntry).c.details)).scalars().all()
    assert all("canary" not in d for d in details)


def test_a_sealed_sentence_moved_to_another_claim_fails_to_open(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    from sqlalchemy import update

    from refwatch.domain.errors import DecryptionError

    other = ClaimInput(**{**_fields(CLAIM), "number": 7, "text": "another sentence"})
    with workspace.write() as conn:
        first = record_claim(conn, cipher, CLAIM, actor="t").id
        second = record_claim(conn, cipher, other, actor="t").id
        t = table_of(ClaimEntry)
        blob = conn.execute(select(t.c.text_enc).where(t.c.id == first)).scalar_one()
        conn.execute(update(t).where(t.c.id == second).values(text_enc=blob))
    with pytest.raises(DecryptionError), workspace.read() as conn:
        list_claims(conn, cipher)


def test_recording_the_same_claim_twice_changes_nothing(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    with workspace.write() as conn:
        first = record_claim(conn, cipher, CLAIM, actor="tester")
    head = workspace.verify_audit().entries
    with workspace.write() as conn:
        again = record_claim(conn, cipher, CLAIM, actor="tester")
    assert first.created and not again.created
    assert again.id == first.id
    assert _count(workspace) == 1
    assert workspace.verify_audit().entries == head
    # A different figure from the same source is another claim; so is the same from another.
    with workspace.write() as conn:
        assert record_claim(conn, cipher, ClaimInput(**{**_fields(CLAIM), "number": 42}), actor="t")
        other_source = ClaimInput(**{**_fields(CLAIM), "source": "Organisation Y"})
        assert record_claim(conn, cipher, other_source, actor="t").created
    assert _count(workspace) == 3


def test_a_claim_is_listed_and_shown_as_a_reader_says_it(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    with workspace.write() as conn:
        record_claim(conn, cipher, CLAIM, actor="tester")
        record_claim(
            conn,
            cipher,
            ClaimInput(
                source="Organisation Y",
                number=11,
                qualifier="exact",
                flags=("child",),
                status="detained",
                place="Changbai",
                period_from="2016-07",
                text="",
            ),
            actor="tester",
        )
    with workspace.read() as conn:
        shown = [c.describe() for c in list_claims(conn)]
        sealed = list_claims(conn)
    assert sorted(shown) == [
        "Organisation X, 2017-09-14: at least 41 detained, July–August 2017",
        "Organisation Y: 11 children still detained in Changbai, since July 2016",
    ]
    assert all(c.text is None for c in sealed)
    (y,) = [c for c in sealed if c.source == "Organisation Y"]
    assert y.place_id == "cn-jilin-changbai"
    assert y.as_dict()["place"] == y.place_id and "text" not in y.as_dict()
    # When it was recorded, with its offset on both engines (SQLite drops it).
    assert datetime.fromisoformat(y.as_dict()["recorded_at"]).utcoffset() == timedelta(0)


def test_deleting_a_claim_is_audited_and_an_unknown_id_is_refused(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    with workspace.write() as conn:
        claim_id = record_claim(conn, cipher, CLAIM, actor="tester").id
    with pytest.raises(InputError, match="no claim"), workspace.write() as conn:
        delete_claim(conn, "no-such-claim", actor="tester")
    with workspace.write() as conn:
        delete_claim(conn, claim_id, actor="remover")
    assert _count(workspace) == 0
    with workspace.read() as conn:
        actions = conn.execute(
            select(table_of(AuditEntry).c.action, table_of(AuditEntry).c.actor).where(
                table_of(AuditEntry).c.record_id == claim_id
            )
        ).all()
    assert [tuple(a) for a in actions] == [("claim.create", "tester"), ("claim.delete", "remover")]
    assert workspace.verify_audit().ok


@pytest.mark.parametrize(
    ("lo", "hi", "said"),
    [
        ("2017-07", "2017-08", "July–August 2017"),
        ("2016-07", "2017-06", "July 2016–June 2017"),
        ("2017-07", None, "since July 2017"),
        (None, "2017-06", "up to June 2017"),
        ("2017", "2017", "2017"),
        ("2017-07-01", "2017-08-15", "2017-07-01 to 2017-08-15"),
        (None, None, ""),
    ],
)
def test_periods_read_as_a_reader_says_them(lo: str | None, hi: str | None, said: str) -> None:
    assert period_text(lo, hi) == said


def _fields(claim: ClaimInput) -> dict[str, object]:
    return {name: getattr(claim, name) for name in ClaimInput.__slots__}  # type: ignore[attr-defined]


def test_claims_recorded_together_are_all_checked_first_and_repeats_kept_once(
    workspace: Workspace, cipher: FieldCipher
) -> None:
    from refwatch.intake.claims import record_claims

    bad = ClaimInput(**{**_fields(CLAIM), "qualifier": "roughly"})  # type: ignore[arg-type]
    with pytest.raises(InputError) as caught, workspace.write() as conn:
        record_claims(conn, cipher, [CLAIM, bad], actor="t", where=lambda i: f"r.json claims[{i}]")
    assert "r.json claims[1]" in str(caught.value) and caught.value.column == "qualifier"
    assert _count(workspace) == 0
    other = ClaimInput(**{**_fields(CLAIM), "number": 7})  # type: ignore[arg-type]
    with workspace.write() as conn:
        written = record_claims(conn, cipher, [CLAIM, other, CLAIM], actor="t")
    assert [w.created for w in written] == [True, True, False]
    assert written[2].id == written[0].id
    assert _count(workspace) == 2
    assert workspace.verify_audit().ok
