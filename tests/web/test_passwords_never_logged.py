"""No password (sign-in, change, reset, new user) reaches a log, the audit trail or any
table in plaintext."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import inspect, select

from refwatch.store.schema import Base
from tests.web.conftest import WebEnv, csrf_in, csrf_of

CANARIES = [
    "Canary-pass-Wrong-1",
    "Canary-pass-New-22",
    "Canary-pass-Reset-3",
    "Canary-pass-User-4",
]


def everything_stored(web: WebEnv) -> str:
    parts = []
    with web.workspace.read() as conn:
        names = set(inspect(conn).get_table_names()) & set(Base.metadata.tables)
        for name in sorted(names):
            for row in conn.execute(select(Base.metadata.tables[name])):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def test_passwords_are_never_logged_audited_or_stored_in_plaintext(
    web: WebEnv, caplog: pytest.LogCaptureFixture
) -> None:
    wrong, new, reset, created = CANARIES
    with caplog.at_level(logging.DEBUG):
        browser = web.client()
        page = browser.get("/sign-in")
        browser.post(
            "/sign-in",
            data={"username": "analyst", "password": wrong, "csrf_token": csrf_in(page.text)},
        )
        browser.post(
            "/sign-in",
            data={"username": wrong, "password": wrong, "csrf_token": csrf_in(page.text)},
        )
        analyst = web.sign_in("analyst")
        analyst.post(
            "/account/password",
            data={
                "current_password": web.passwords["analyst"],
                "new_password": new,
                "new_password_again": new,
                "csrf_token": csrf_of(analyst),
            },
        )
        admin = web.sign_in("admin")
        admin.post(
            f"/users/{web.users['viewer'].id}/password",
            data={"password": reset, "csrf_token": csrf_of(admin)},
        )
        admin.post(
            "/users",
            data={
                "username": "newcomer",
                "role": "viewer",
                "password": created,
                "csrf_token": csrf_of(admin),
            },
        )
        web.sign_in("viewer", reset)
        web.sign_in("newcomer", created)
    stored = everything_stored(web)
    for canary in CANARIES:
        assert canary not in caplog.text
        assert canary not in stored
    assert "$argon2id$" in stored


def test_the_sqlite_file_holds_no_password(web: WebEnv) -> None:
    if web.workspace.dialect != "sqlite":
        pytest.skip("a file check for SQLite; the PostgreSQL rows are checked above")
    web.sign_in("admin", None)
    web.workspace.close()
    raw = b"".join(p.read_bytes() for p in web.workspace.path.glob("refwatch.db*"))
    for password in web.passwords.values():
        assert password.encode() not in raw
