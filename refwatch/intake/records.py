"""Import validated records that did not come from a file on disk: a web form, an upload.

Why: the intake form and the upload preview must behave exactly like `refwatch import`
(same validation, same new/updated/unchanged rules, same audit entries), so they go
through the importer's own writer. Two things a file import does not do are added here:
a report's text (sealed into `reports.text_enc`), and a preview that runs the whole import
in a transaction and rolls it back, so a user sees what would change before committing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from refwatch.domain.caserecord import CaseRecord
from refwatch.domain.errors import InputError
from refwatch.intake.gc_pause import gc_paused
from refwatch.intake.importer import (
    AddedRow,
    FileSummary,
    FileWriter,
    read_records,
)
from refwatch.intake.places import ensure_places
from refwatch.intake.readers import RawRow, Upload, clean_cell, read_rows
from refwatch.intake.validate import RowValidator
from refwatch.store.crypto import FieldCipher
from refwatch.store.locks import lock_evidence_writes
from refwatch.store.workspace import Workspace

Records = Sequence[tuple[int, CaseRecord]]
MAX_ERRORS = 200


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What an import does with one row: "new" or "updated", the person it goes to, and
    the report it creates. Rows without an outcome are unchanged (nothing is written)."""

    change: str
    person_id: str
    report_id: str


@dataclass(frozen=True)
class RecordsResult:
    summary: FileSummary
    outcomes: dict[int, RowOutcome] = field(default_factory=dict)


class _RecordWriter(FileWriter):
    """The importer's writer, sealing a report text into each new report it builds."""

    def __init__(
        self,
        conn: Connection,
        cipher: FieldCipher,
        label: str,
        actor: str,
        texts: Mapping[int, str],
        language: str | None,
    ) -> None:
        super().__init__(conn, cipher, label, actor)
        self.texts = texts
        self.language = language
        self.outcomes: dict[int, RowOutcome] = {}

    def _row_added(self, row: AddedRow) -> None:
        report = row.report
        change = "new" if row.previous is None else "updated"
        self.outcomes[row.number] = RowOutcome(change, row.person_id, report["id"])
        report_text = self.texts.get(row.number)
        if report_text:
            report["text_enc"] = self.cipher.seal("reports", "text", report["id"], report_text)
            report["language"] = self.language


def clean_fields(fields: Mapping[str, str | None], label: str, row: int) -> RawRow:
    """Form fields as the readers clean file cells: NFC, stripped, empty means unknown."""
    return {name: clean_cell(value, label, row, name) for name, value in fields.items()}


def _repeated_ids(label: str, records: Records) -> list[InputError]:
    seen: dict[tuple[str, str], int] = {}
    errors: list[InputError] = []
    for number, record in records:
        if record.record_id is None:
            continue
        key = (record.source, record.record_id)
        if key in seen:
            errors.append(
                InputError(
                    f"record_id repeats row {seen[key]} for the same source; "
                    "give each row its own id",
                    file=label,
                    row=number,
                    column="record_id",
                    value=record.record_id,
                )
            )
        else:
            seen[key] = number
    return errors


def validate_rows(
    label: str, rows: Iterable[tuple[int, RawRow]], max_errors: int = MAX_ERRORS
) -> tuple[list[tuple[int, CaseRecord]], list[InputError]]:
    """Validate every row with the importer's `RowValidator`, collecting the errors of all
    rows (up to `max_errors`) instead of stopping at the first, so a user can fix a file
    in one pass. A structural error (header, encoding) ends the reading."""
    validator = RowValidator(label)
    records: list[tuple[int, CaseRecord]] = []
    errors: list[InputError] = []
    try:
        for number, cells in rows:
            try:
                records.append((number, validator.validate(number, cells)))
            except InputError as exc:
                errors.append(exc)
                if len(errors) >= max_errors:
                    break
    except InputError as exc:
        errors.append(exc)
    errors.extend(_repeated_ids(label, records)[: max(0, max_errors - len(errors))])
    return records, errors


def check_upload(
    upload: Upload, mapping: Mapping[str, str] | None = None
) -> tuple[list[tuple[int, CaseRecord]], list[InputError]]:
    """Every valid record of an uploaded file and every error found (row and column)."""
    return validate_rows(
        upload.name, ((row.number, row.cells) for row in read_rows(upload, mapping))
    )


def write_records(
    conn: Connection,
    cipher: FieldCipher,
    records: Records,
    label: str,
    digest: str,
    actor: str,
    texts: Mapping[int, str],
    language: str | None,
) -> RecordsResult:
    lock_evidence_writes(conn)
    ensure_places(conn)
    writer = _RecordWriter(conn, cipher, label, actor, texts, language)
    summary = writer.run(list(records), digest, None)
    return RecordsResult(summary, writer.outcomes)


def import_records(
    workspace: Workspace,
    cipher: FieldCipher,
    records: Records,
    *,
    label: str,
    digest: str,
    actor: str,
    texts: Mapping[int, str] | None = None,
    language: str | None = None,
    dry_run: bool = False,
) -> RecordsResult:
    """Import `records` (row number, record) in one transaction, as `import_file` would.

    `label` stands for the file name in the batch and in messages; `digest` identifies the
    content (a SHA-256). `texts` maps a row number to the report text sealed with that
    row's report. With `dry_run` everything is written and then rolled back: the summary
    says what a commit would do, and nothing changes (not even the audit anchor).
    """
    if not dry_run:
        with workspace.write() as conn:
            return write_records(conn, cipher, records, label, digest, actor, texts or {}, language)
    with workspace.engine.connect() as conn:
        transaction = conn.begin()
        try:
            return write_records(conn, cipher, records, label, digest, actor, texts or {}, language)
        finally:
            transaction.rollback()


def import_upload(
    workspace: Workspace,
    cipher: FieldCipher,
    upload: Upload,
    *,
    actor: str,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> RecordsResult:
    """Import (or preview) a case-list file held in memory; InputError names the bad cell."""
    with gc_paused():
        records = read_records(upload, mapping)
        digest = hashlib.sha256(upload.data).hexdigest()
        return import_records(
            workspace,
            cipher,
            records,
            label=upload.name,
            digest=digest,
            actor=actor,
            dry_run=dry_run,
        )
