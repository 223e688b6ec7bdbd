"""Attachments: the files a field form's submission carries (a photo, a scanned letter).

Why sealed: a photo of a detention notice or a family letter names people as surely as a
report's text, so its bytes are sealed like `reports.text_enc` (base64 text under the
field cipher, bound to this table, column and row), and so is its file name, which a
phone often makes from a name. Only the size and media type stay in clear. Each belongs
to the report of the submission it came with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from refwatch.store.base import ID, Base
from refwatch.store.timeutil import UtcDateTime


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    field: Mapped[str] = mapped_column(String(100))
    file_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
