"""Helpers for the evidence pages' tests: load case-list rows, post forms with CSRF."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, Base, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import write_csv
from tests.web.conftest import WebEnv, csrf_of

PERSON_ID = re.compile(r"P-\d{6}")


def load_rows(
    web: WebEnv,
    cipher: FieldCipher,
    folder: Path,
    rows: list[dict[str, str]],
    name: str = "list.csv",
) -> None:
    import_file(web.workspace, cipher, write_csv(folder / name, rows), actor="tester")


def post_form(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data={**data, "csrf_token": csrf_of(client)})


def count(workspace: Workspace, model: type[Base]) -> int:
    with workspace.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def audit_rows(workspace: Workspace, action: str) -> list[Any]:
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        return list(
            conn.execute(select(entries).where(entries.c.action == action).order_by(entries.c.seq))
        )


def ids_in_order(html: str, table_id: str) -> list[str]:
    """The person ids of an HTML table, in the order they appear."""
    start = html.index(f'id="{table_id}"')
    end = html.index("</table>", start)
    return list(dict.fromkeys(PERSON_ID.findall(html[start:end])))
