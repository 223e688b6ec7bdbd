from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from refwatch.web.app import create_app
from tests.conftest import write_csv


def test_the_status_page_counts_evidence_and_shows_no_name(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    app = create_app(workspace.path, workspace.url if workspace.dialect != "sqlite" else None)
    with TestClient(app) as client:
        page = client.get("/")
        api = client.get("/api/v1/status").json()
    assert page.status_code == 200
    assert "Gim Songkook" not in page.text and "김송국" not in page.text
    assert api["mentions"] == 3 and api["audit"]["ok"] is True
    assert "SYNTHETIC" not in page.text
    headers = page.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
