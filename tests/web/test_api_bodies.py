"""Hostile JSON bodies to every API operation that takes one (found in `app.openapi()`),
as every role with an API token and anonymously: 10,000-deep arrays and objects (as the
body and inside a field), huge strings and lists, wrong types, numbers no parser should
take (5000 digits, 1e400, NaN), invalid UTF-8, lone surrogates, NUL, a BOM, UTF-16, wrong
content types, truncated and empty bodies.

Every answer is below 500, carries no stack trace, and an error is JSON with a `detail`.
A refused request writes nothing: every table's row count, the audit chain's length and
its anchor are the same after it as before."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from refwatch.accounts import tokens
from refwatch.domain.roles import Role
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import Base
from tests import figures
from tests.conftest import row
from tests.web.conftest import ROLES, WebEnv
from tests.web.evidence_helpers import load_rows

TRACE_MARKS = ("Traceback (most recent call last)", 'File "/', "site-packages", '.py", line')
DEEP = 10_000
HUGE = 4 * 2**20
# Bodies that are still valid JSON for the operation and may succeed: a BOM or UTF-16 is
# JSON (RFC 8259 lets a parser accept them), a NUL is text (a sealed reason or a search
# may hold it), the last of duplicate keys wins, and unknown keys are ignored where the
# model allows extra fields (search, estimates; the PATCH model forbids them), and a
# number in quotes is read as the number.
MUST_REFUSE = frozenset(
    {
        *("deep arrays", "deep objects", "deep arrays in a field", "deep objects in a field"),
        *("huge string", "huge Hangul string", "huge list", "invalid UTF-8", "overlong UTF-8"),
        *("UTF-8 surrogate bytes", "a lone surrogate escape", "a low surrogate escape"),
    }
)
WELL_FORMED = frozenset(
    {
        *("BOM then valid", "UTF-16 valid", "duplicate keys", "NUL", "huge key", "many keys"),
        "an integer field as text",  # pydantic's lax mode reads "1" as 1
    }
)


def _state(web: WebEnv) -> tuple[dict[str, int], int, object]:
    """Row counts of every table, the audit chain's length and its anchor."""
    with web.workspace.read() as conn:
        counts = {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in Base.metadata.sorted_tables
        }
    report = web.workspace.verify_audit()
    assert report.ok, report.problem
    return counts, report.entries, web.workspace.anchor()


def _operations_with_bodies(web: WebEnv) -> list[tuple[str, str]]:
    schema = web.app.openapi()
    return sorted(
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if "requestBody" in op
    )


def _valid_body(method: str, path: str, web: WebEnv, client: TestClient) -> dict[str, Any]:
    if path == "/api/v1/persons/{person_id}":
        pin = client.get("/api/v1/persons/P-000001/pin").json()
        version = int(pin["version"]) if "version" in pin else 1
        return {"version": version, "status": "detained", "as_of": "2017-09", "reason": "seen"}
    if path == "/api/v1/persons/search":
        return {"q": "Gim"}
    if path == "/api/v1/estimates":
        histories = [{"A": 1, "B": 0, "count": 30}, {"A": 0, "B": 1, "count": 40}]
        return {"histories": [*histories, {"A": 1, "B": 1, "count": 10}]}
    raise AssertionError(f"{method} {path} takes a body this test does not know: add it")


def _main_field(body: dict[str, Any]) -> str:
    return next(k for k in ("reason", "q", "histories") if k in body)


def _hostile(valid: dict[str, Any]) -> list[tuple[str, bytes, str]]:
    """(label, raw body, content type) for one operation, built from its valid body."""
    field = _main_field(valid)
    plain = json.dumps(valid)
    js = "application/json"

    def with_field(value: str) -> bytes:
        """The valid body with its main field's value replaced by raw JSON text."""
        return json.dumps({**valid, field: "@@"}).replace('"@@"', value).encode()

    def with_int(value: str) -> bytes:
        """The valid body with an integer field (version, limit, nboot) set to raw JSON."""
        name = "version" if "version" in valid else ("limit" if "q" in valid else "nboot")
        return json.dumps({**valid, name: "@@"}).replace('"@@"', value).encode()

    cases = [
        ("deep arrays", ("[" * DEEP + "]" * DEEP).encode(), js),
        ("deep objects", ('{"a":' * DEEP + "1" + "}" * DEEP).encode(), js),
        ("deep arrays in a field", with_field("[" * DEEP + "]" * DEEP), js),
        ("deep objects in a field", with_field('{"a":' * DEEP + "1" + "}" * DEEP), js),
        ("huge string", with_field(json.dumps("x" * HUGE)), js),
        ("huge Hangul string", with_field(json.dumps("가" * (HUGE // 3), ensure_ascii=False)), js),
        ("huge list", with_field(json.dumps([{"A": 1, "count": 1}] * 200_000)), js),
        ("huge key", json.dumps({**valid, "k" * HUGE: 1}).encode(), js),
        ("many keys", json.dumps({**valid, **{f"k{i}": i for i in range(50_000)}}).encode(), js),
        ("a list", b"[]", js),
        ("a string", b'"body"', js),
        ("a number", b"1", js),
        ("null", b"null", js),
        ("true", b"true", js),
        ("field null", with_field("null"), js),
        ("field a number", with_field("5"), js),
        ("field an object", with_field("{}"), js),
        ("field true", with_field("true"), js),
        ("5000-digit number", with_field("9" * 5000), js),
        ("a 5000-digit integer field", with_int("9" * 5000), js),
        ("an integer field 2**64", with_int(str(2**64)), js),
        ("an integer field 1.5", with_int("1.5"), js),
        ("an integer field as text", with_int('"1"'), js),
        ("1e400", with_field("1e400"), js),
        ("NaN", with_field("NaN"), js),
        ("-Infinity", with_field("-Infinity"), js),
        ("invalid UTF-8", with_field('"\xff\xfe"').replace(b"\xc3\xbf\xc3\xbe", b"\xff\xfe"), js),
        ("overlong UTF-8", with_field('"@"').replace(b'"@"', b'"\xc0\xaf"'), js),
        ("UTF-8 surrogate bytes", with_field('"@"').replace(b'"@"', b'"\xed\xa0\x80"'), js),
        ("a lone surrogate escape", with_field('"a\\ud800b"'), js),
        ("a low surrogate escape", with_field('"\\udfff"'), js),
        ("NUL", with_field('"a\\u0000b"'), js),
        ("BOM then valid", b"\xef\xbb\xbf" + plain.encode(), js),
        ("UTF-16 valid", plain.encode("utf-16"), js),
        ("duplicate keys", plain[:-1].encode() + b', "' + field.encode() + b'": 7}', js),
        ("truncated", plain[: len(plain) // 2].encode(), js),
        ("empty", b"", js),
        ("text/plain", plain.encode(), "text/plain"),
        ("form encoded", b"q=Gim&version=1", "application/x-www-form-urlencoded"),
        ("no content type", plain.encode(), ""),
    ]
    return cases


def _clients(web: WebEnv) -> dict[str, TestClient]:
    clients = {"anonymous": web.client()}
    for role in ROLES:
        _, raw = tokens.issue_token(
            web.workspace, web.users[role].id, Role(role), "bodies", actor="tester"
        )
        client = web.client()
        client.headers["Authorization"] = f"Bearer {raw}"
        clients[role] = client
    return clients


@pytest.mark.slow
def test_hostile_json_bodies_get_clear_answers_and_a_refusal_writes_nothing(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_rows(
        web,
        cipher,
        tmp_path,
        [row(source="S", record_id="1", name_latin="Gim Songkook", status="detained")],
    )
    operations = _operations_with_bodies(web)
    assert ("PATCH", "/api/v1/persons/{person_id}") in operations
    assert ("POST", "/api/v1/persons/search") in operations
    assert ("POST", "/api/v1/estimates") in operations
    clients = _clients(web)
    statuses: Counter[int] = Counter()
    sent = 0
    for method, template in operations:
        path = template.replace("{person_id}", "P-000001")
        for caller, client in clients.items():
            valid = _valid_body(method, template, web, clients["admin"])
            for label, body, content_type in _hostile(valid):
                before = _state(web)
                headers = {"Content-Type": content_type} if content_type else {}
                answer = client.request(method, path, content=body, headers=headers)
                sent += 1
                statuses[answer.status_code] += 1
                what = f"{method} {template} as {caller}: {label} -> {answer.status_code}"
                assert answer.status_code < 500, what
                assert not any(mark in answer.text for mark in TRACE_MARKS), what
                if answer.status_code >= 400:
                    assert answer.headers["content-type"].startswith("application/json"), what
                    assert "detail" in answer.json(), what
                    assert _state(web) == before, f"{what}: a refused request wrote something"
                else:
                    # Only a well-formed body may succeed (a BOM or UTF-16 is still JSON).
                    assert label in WELL_FORMED, what
                    assert caller != "anonymous", what
                if label in MUST_REFUSE:
                    assert answer.status_code >= 400, what
    assert sum(statuses.values()) == sent
    figures.record(
        "test_hostile_json_bodies_get_clear_answers_and_a_refusal_writes_nothing",
        "API bodies sent (operations x callers x bodies)",
        sent,
    )
    figures.record(
        "test_hostile_json_bodies_get_clear_answers_and_a_refusal_writes_nothing",
        "operations with a body",
        len(operations),
    )
