from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from tests.conftest import write_csv
from tests.web.conftest import WebEnv


def test_the_status_page_counts_evidence_and_shows_no_name(
    tmp_path: Path,
    web: WebEnv,
    clients: dict[str, TestClient],
    cipher: FieldCipher,
    sample_rows: list[dict[str, str]],
) -> None:
    import_file(web.workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    viewer = clients["viewer"]
    page = viewer.get("/status")
    api = viewer.get("/api/v1/status").json()
    assert page.status_code == 200
    assert "Gim Songkook" not in page.text and "김송국" not in page.text
    assert api["mentions"] == 3 and api["audit"]["ok"] is True
    assert "SYNTHETIC" not in page.text
    headers = page.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
