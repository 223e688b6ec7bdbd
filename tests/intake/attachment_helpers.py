"""A KoBo export whose submissions carry attachments (a PNG, an SVG with a script, an HTML
page), imported for the attachment tests of the CLI and the report page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from refwatch.intake.attachments import open_attachment
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import table_of
from refwatch.store.schema_attachments import Attachment
from refwatch.store.workspace import Workspace
from tests.intake.submission_exports import submission, write_kobo_csv

PNG = b"\x89PNG\r\n\x1a\n" + b"canary-photo-bytes" * 50
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert("canary-svg")</script></svg>'
HTML = b"<html><body><script>alert('canary-html')</script></body></html>"
FILES = {"Kim-Myong-letter.png": PNG, "drawing.svg": SVG, "page.html": HTML}


@dataclass(frozen=True)
class Stored:
    id: str
    report_id: str
    media_type: str
    data: bytes


def import_attachments(
    workspace: Workspace, cipher: FieldCipher, folder: Path
) -> dict[str, Stored]:
    """Import three submissions, one file each; the stored attachments by file name."""
    subs = []
    for n, (name, data) in enumerate(FILES.items(), start=1):
        uuid = submission(n)["uuid"]
        media = folder / "attachments" / "aFormUid" / uuid
        media.mkdir(parents=True)
        (media / name).write_bytes(data)
        subs.append(submission(n, document=name))
    import_file(workspace, cipher, write_kobo_csv(folder / "kobo.csv", subs), actor="tester")
    found = {}
    with workspace.read() as conn:
        for row in conn.execute(select(table_of(Attachment))):
            name, data = open_attachment(cipher, row)
            assert name is not None and data is not None
            found[name] = Stored(row.id, row.report_id, row.media_type, data)
    assert set(found) == set(FILES)
    return found
