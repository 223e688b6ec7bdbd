"""Read KoBoToolbox and ODK Central submission exports of the case-list form.

Why: field teams collect accounts on phones with the form `refwatch form xlsform` writes
(refwatch/intake/xlsform.py) and export the submissions from their server. The exports
are read as they come, in the servers' own column naming:

- KoBoToolbox (CSV with `;` or `,`, or XLSX with one sheet per repeat group): question
  paths joined by `/` (`group_person/name_hangul`, or bare names when the export leaves
  groups out of the headers), then `_id`, `_uuid`, `_submission_time`, `_index`, …;
  `meta/instanceID` and `meta/rootUuid` when present. A repeat sheet links each row to
  its submission by `_parent_index` (the submission's `_index`). KoBo's CSV export leaves
  repeat groups out: import the XLSX export to get the people caught together.
- ODK Central (CSV): paths joined by `-` (`group_person-name_hangul`), `SubmissionDate`,
  `meta-instanceID`, `KEY`; a repeat group is a file of its own beside it,
  `<form>-companions.csv`, linked by `PARENT_KEY`.

Every other column starting with `_`, and the servers' own metadata columns, are ignored;
any other unknown column is an error, as in a case list. A select_multiple's one-column-
per-choice expansion (`group_events/flags/child`) and KoBo's `*_URL` columns are skipped.

One submission is one account: the first person's row takes the submission's stable id
(`meta/rootUuid`, else `meta/instanceID`, `KEY` or `uuid:` + `_uuid`) as its record id,
each companion `<id>/companions[n]`. So re-importing an export, or a later export with
more submissions, leaves the submissions already imported unchanged (the importer's rule
for a record id). The account's text (`report_text`) is sealed into each row's report; a
`document` is read from beside the export (the folder, `media/` as ODK Central's zip has
it, or KoBo's `attachments/…/<uuid>/`) and sealed into `attachments` with the first
person's report. Everything is checked before the one transaction that writes the file.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import mimetypes
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from refwatch.domain.caserecord import CASE_COLUMNS, PROTECTED_COLUMNS, CaseRecord
from refwatch.domain.errors import InputError, define
from refwatch.gazetteer import load_gazetteer
from refwatch.intake.gc_pause import gc_paused
from refwatch.intake.importer import AddedRow, FileSummary, FileWriter
from refwatch.intake.places import ensure_places
from refwatch.intake.readers import (
    XLSX_MAX_UNCOMPRESSED,
    clean_cell,
    csv_delimiter,
    csv_records,
    decode_text,
    read_source_bytes,
)
from refwatch.intake.registry import (
    ImportJob,
    NumberedRow,
    RawRow,
    ReadOptions,
    Source,
    Upload,
    register_reader,
)
from refwatch.intake.validate import RowValidator
from refwatch.intake.xlsform import COMPANION_FIELDS, COMPANIONS, FORM_FIELDS, GROUPS, OTHER
from refwatch.store import audit
from refwatch.store.bulk import bulk_insert
from refwatch.store.crypto import FieldCipher
from refwatch.store.ids import new_id
from refwatch.store.locks import lock_evidence_writes
from refwatch.store.schema import table_of
from refwatch.store.schema_attachments import Attachment

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024

# What a reader of an export refuses, by code: the web upload of a KoBo/ODK export shows
# these, worded from the code in the page's language (the Korean is in the catalogue).
XLSX_TOO_LARGE = define(
    "form.xlsx_too_large", "the XLSX file unpacks to more than 1 GiB; refusing it"
)
XLSX_UNREADABLE = define("form.xlsx_unreadable", "not a readable XLSX file")
SHEET_DAMAGED = define("form.sheet_damaged", "not a readable XLSX file (a sheet is damaged)")
BEYOND_HEADER = define("form.beyond_header", "has a value beyond the last header column")
EMPTY_HEADER = define("form.empty_header", "a header cell is empty")
UNKNOWN_COLUMN = define(
    "form.unknown_column",
    "unknown column: not a question of the RefWatch case-list form "
    "(refwatch form xlsform writes it)",
)
COLUMN_TWICE = define("form.column_twice", "column appears twice")
NO_KEY_COLUMN = define(
    "form.no_key_column",
    "no submission id column (meta/instanceID, meta/rootUuid, _uuid or KEY): "
    "export the submissions with their metadata",
)
EMPTY_KEY = define("form.empty_key", "the submission id is empty")
NO_SOURCE_COLUMN = define(
    "form.no_source_column", "required column missing: source (group_source/source in the form)"
)
KEY_REPEATS = define(
    "form.key_repeats", "submission id repeats row %(row)s; an export holds each submission once"
)
NO_PARENT_COLUMN = define("form.no_parent_column", "required column missing: %(column)s")
NO_PARENT = define("form.no_parent", "points to no submission of the export")
NO_ROWS = define("form.no_rows", "the workbook has no rows")
NO_INDEX = define(
    "form.no_index", "the first sheet has no _index column to link the repeat sheet to"
)
UNKNOWN_SHEET = define(
    "form.unknown_sheet", "unknown sheet: the form's only repeat group is %(group)s"
)
REPEAT_FILE = define(
    "form.repeat_file", "this is the file of a repeat group; import the submissions file beside it"
)
KOBO_MARKERS = frozenset({"_uuid", "_submission_time", "meta/instanceID", "meta/rootUuid"})
ODK_MARKERS = frozenset({"meta-instanceID", "SubmissionDate"})
ODK_META = frozenset(
    {
        "SubmissionDate",
        "KEY",
        "PARENT_KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
    }
)
# Metadata questions a KoBo or ODK form may add on its own (start and end times, device).
FORM_META = frozenset({"start", "end", "today", "deviceid", "username", "audit"})
KEY_COLUMNS = ("meta/rootUuid", "KEY", "meta/instanceID", "meta-instanceID", "_uuid")
"""Where a submission's stable id is read, best first: the id of its first version (an edit
makes a new instanceID), then the current one."""
_SPLIT = re.compile(r"[/-]")
_MAIN = {q.name: q for q in FORM_FIELDS}
_COMPANION = {q.name: q for q in COMPANION_FIELDS}
_MULTIPLE = {q.name for q in (*FORM_FIELDS, *COMPANION_FIELDS) if q.type.startswith("select_m")}
_FILES = {q.name for q in FORM_FIELDS if q.type == "file"}
_PLACE_LISTS = {"origin": "origin", "apprehended_at": "place", "held_at": "facility"}
# What a companion takes from the submission: the source and what happened to them all.
INHERITED = (
    "source",
    "source_type",
    "reported_on",
    "consent",
    "apprehended_on",
    "apprehended_at",
    "held_at",
    "status_on",
    "group",
)
attachments_table = table_of(Attachment)
PROTECTED_QUESTIONS = frozenset(
    {q.name for q in (*FORM_FIELDS, *COMPANION_FIELDS) if q.column in PROTECTED_COLUMNS}
    | {"report_text", *_FILES}
)
"""Questions whose answers no error message may show: names, notes, the account, and
attachment names (a phone often names a photo after the person)."""


@dataclass
class Submission:
    """One submission's first person: its case-list cells and what comes with them."""

    number: int
    key: str
    cells: RawRow
    index: str | None = None
    text: str | None = None
    files: list[tuple[str, str]] = field(default_factory=list)  # (question, file name)
    companions: list[NumberedRow] = field(default_factory=list)


@dataclass
class SubmissionExport:
    file: str
    submissions: list[Submission]
    label_of_companions: str = ""


@dataclass(frozen=True, slots=True)
class _Table:
    """One sheet or CSV file: its name for messages, header and numbered rows."""

    label: str
    header: list[str]
    rows: list[tuple[int, list[object]]]


# -- detection ----------------------------------------------------------------------------
def _peek_header(source: Source) -> list[str]:
    """The header of a CSV file or a workbook's first sheet; [] when unreadable."""
    try:
        if Path(source.name).suffix.lower() == ".xlsx":
            return _xlsx_header(source)
        data = source.data if isinstance(source, Upload) else _head_bytes(source)
        first = decode_text(data).split("\n", 1)[0]
        return _csv_header(first)
    except (InputError, OSError, csv.Error, ValueError):
        return []


def _xlsx_header(source: Source) -> list[str]:
    """The first row of the first sheet, without reading the rest of the workbook."""
    from openpyxl import load_workbook

    data = source.data if isinstance(source, Upload) else source.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > XLSX_MAX_UNCOMPRESSED:
                return []  # a zip bomb: the generic reader refuses it
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a broken workbook: not ours to claim; its reader will say why
        return []
    try:
        if not workbook.worksheets:
            return []
        first = next(workbook.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        return [str(cell) for cell in first if cell is not None]
    except Exception:
        return []
    finally:
        workbook.close()


def _head_bytes(path: Path, limit: int = 256 * 1024) -> bytes:
    with path.open("rb") as handle:
        return handle.read(limit)


def _csv_header(first_line: str) -> list[str]:
    return next(csv.reader([first_line], delimiter=csv_delimiter(first_line)), [])


def _is_kobo(source: Source) -> bool:
    return bool(KOBO_MARKERS.intersection(_peek_header(source)))


def _is_odk(source: Source) -> bool:
    header = set(_peek_header(source))
    return bool(ODK_MARKERS.intersection(header)) and "KEY" in header


# -- reading tables -------------------------------------------------------------------------
def _csv_table(source: Source, label: str | None = None) -> _Table:
    file = label or source.name
    content = decode_text(read_source_bytes(source))
    records = csv_records(content, file, delimiter=csv_delimiter(content))
    _, header = next(records)
    rows: list[tuple[int, list[object]]] = [(number, list(record)) for number, record in records]
    return _Table(file, [h.strip() for h in header], rows)


def _xlsx_tables(source: Source) -> list[_Table]:
    """Every sheet of a workbook, the first being the submissions."""
    from openpyxl import load_workbook  # imported here: loading openpyxl costs ~0.3 s

    file = source.name
    data = read_source_bytes(source)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
        if total > XLSX_MAX_UNCOMPRESSED:
            raise InputError(code=XLSX_TOO_LARGE, file=file)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InputError:
        raise
    except Exception:  # zipfile and openpyxl raise many types for a broken workbook
        raise InputError(code=XLSX_UNREADABLE, file=file) from None
    tables: list[_Table] = []
    try:
        for sheet in workbook.worksheets:
            label = f"{file}, sheet {sheet.title}"
            try:
                values = [list(row) for row in sheet.iter_rows(values_only=True)]
            except Exception:
                raise InputError(code=SHEET_DAMAGED, file=label) from None
            if not values:
                continue
            header = [str(cell).strip() if cell is not None else "" for cell in values[0]]
            while header and not header[-1]:
                header.pop()
            rows = []
            for number, cells in enumerate(values[1:], start=2):
                if any(cell not in (None, "") for cell in cells[len(header) :]):
                    raise InputError(code=BEYOND_HEADER, file=label, row=number)
                cells = (cells + [None] * len(header))[: len(header)]
                if any(cell not in (None, "") for cell in cells):
                    rows.append((number, cells))
            tables.append(_Table(label, header, rows))
    finally:
        workbook.close()
    return tables


# -- columns ----------------------------------------------------------------------------------
def _question(column: str, questions: Mapping[str, Any], table: _Table) -> str | None:
    """The question a column answers, or None for a column to skip; unknown columns raise."""
    if column in ODK_META or column in FORM_META or column.startswith("_"):
        return None
    if column.startswith(("meta/", "meta-", "formhub/")):
        return None
    parts = [p for p in _SPLIT.split(column) if p]
    if not parts:
        raise InputError(code=EMPTY_HEADER, file=table.label, row=1)
    name = parts[-1]
    prefix = parts[:-1]
    if len(parts) >= 2 and parts[-2] in _MULTIPLE:
        return None  # one column per choice of a select_multiple
    if name.endswith("_URL") and name[: -len("_URL")] in _FILES:
        return None  # KoBo's download link beside a media question
    known_groups = {*GROUPS, COMPANIONS}
    if name in questions and all(p in known_groups for p in prefix):
        return name
    raise InputError(
        code=UNKNOWN_COLUMN,
        file=table.label,
        row=1,
        column=column,
    )


def _columns(table: _Table, questions: Mapping[str, Any]) -> dict[str, int]:
    """Question name -> column index; also the metadata columns used, by their own name."""
    found: dict[str, int] = {}
    for index, column in enumerate(table.header):
        if not column:
            raise InputError(code=EMPTY_HEADER, file=table.label, row=1)
        name = _question(column, questions, table)
        key = name if name is not None else column
        if name is None and column not in (*KEY_COLUMNS, "_index", "_parent_index", "PARENT_KEY"):
            continue
        if key in found:
            raise InputError(code=COLUMN_TWICE, file=table.label, row=1, column=column)
        found[key] = index
    return found


def _key_column(found: Mapping[str, int], table: _Table) -> str:
    for name in KEY_COLUMNS:
        if name in found:
            return name
    raise InputError(
        code=NO_KEY_COLUMN,
        file=table.label,
        row=1,
    )


class _Cells:
    """Turns one export row into case-list cells, naming the export's cell in errors."""

    def __init__(self, table: _Table, found: Mapping[str, int]) -> None:
        self.table = table
        self.found = found
        gazetteer = load_gazetteer()
        self.places = {p.id: p.name_latin for p in gazetteer}

    def raw(self, number: int, values: Sequence[object], name: str) -> str | None:
        index = self.found.get(name)
        if index is None:
            return None
        header = self.table.header[index]
        if name not in PROTECTED_QUESTIONS:
            return clean_cell(values[index], self.table.label, number, header)
        try:
            # Cleaned as a protected column, so that no message shows any of the cell.
            return clean_cell(values[index], self.table.label, number, "notes")
        except InputError as exc:
            raise InputError(
                exc.reason,
                code=exc.code,
                params=exc.params,
                file=self.table.label,
                row=number,
                column=header,
            ) from None

    def case(self, number: int, values: Sequence[object], questions: Mapping[str, Any]) -> RawRow:
        cells: RawRow = {}
        for name, question in questions.items():
            column = question.column
            if column is None or name.endswith("_other"):
                continue
            value = self.raw(number, values, name)
            if name in _MULTIPLE and value is not None:
                value = ";".join(value.split())
            if column in _PLACE_LISTS and value is not None:
                value = self._place(number, values, name, value)
            cells[column] = value
        return {column: cells.get(column) for column in CASE_COLUMNS if column in cells}

    def _place(self, number: int, values: Sequence[object], name: str, value: str) -> str | None:
        if value == OTHER:
            return self.raw(number, values, f"{name}_other")
        # A gazetteer id (the form's choice values); an export "with labels" gives names,
        # which the importer resolves like any other place text.
        return self.places.get(value, value)


def _submission_key(cells: _Cells, number: int, values: Sequence[object], name: str) -> str:
    key = cells.raw(number, values, name)
    if key is None:
        raise InputError(code=EMPTY_KEY, file=cells.table.label, row=number, column=name)
    if name == "_uuid" and not key.startswith("uuid:"):
        key = f"uuid:{key}"
    return key


def _main(table: _Table) -> tuple[list[Submission], dict[str, Submission]]:
    found = _columns(table, _MAIN)
    if "source" not in found:
        raise InputError(code=NO_SOURCE_COLUMN, file=table.label, row=1)
    key_name = _key_column(found, table)
    cells = _Cells(table, found)
    submissions: list[Submission] = []
    by_key: dict[str, Submission] = {}
    for number, values in table.rows:
        key = _submission_key(cells, number, values, key_name)
        if key in by_key:
            raise InputError(
                code=KEY_REPEATS,
                params={"row": by_key[key].number},
                file=table.label,
                row=number,
                column=table.header[found[key_name]],
                value=key,
            )
        submission = Submission(
            number,
            key,
            cells.case(number, values, _MAIN),
            index=cells.raw(number, values, "_index"),
            text=cells.raw(number, values, "report_text"),
        )
        for name in sorted(_FILES):
            file_name = cells.raw(number, values, name)
            if file_name is not None:
                submission.files.append((name, file_name))
        submission.cells["record_id"] = key
        by_key[key] = submission
        submissions.append(submission)
    return submissions, by_key


def _companions(table: _Table, parents: Mapping[str, Submission], by: str) -> None:
    """Attach each row of a repeat table to its submission (by `_parent_index` on KoBo's
    sheets, `PARENT_KEY` in ODK Central's file)."""
    found = _columns(table, _COMPANION)
    if by not in found:
        raise InputError(code=NO_PARENT_COLUMN, params={"column": by}, file=table.label, row=1)
    cells = _Cells(table, found)
    for number, values in table.rows:
        parent_ref = cells.raw(number, values, by)
        parent = parents.get(parent_ref or "")
        if parent is None:
            raise InputError(
                code=NO_PARENT,
                file=table.label,
                row=number,
                column=by,
                value=parent_ref,
            )
        row = cells.case(number, values, _COMPANION)
        for column in INHERITED:
            row[column] = parent.cells.get(column)
        position = len(parent.companions) + 1
        row["record_id"] = (
            cells.raw(number, values, "KEY") or f"{parent.key}/{COMPANIONS}[{position}]"
        )
        parent.companions.append(NumberedRow(number, row))
    for parent in parents.values():
        if parent.companions and parent.cells.get("group") is None:
            parent.cells["group"] = parent.key
            for companion in parent.companions:
                companion.cells["group"] = parent.key


def parse_export(source: Source) -> SubmissionExport:
    """Read a KoBo or ODK Central export (and, for ODK, its companions file beside it)."""
    if Path(source.name).suffix.lower() == ".xlsx":
        tables = _xlsx_tables(source)
        if not tables:
            raise InputError(code=NO_ROWS, file=source.name)
        submissions, by_key = _main(tables[0])
        by_index = {s.index: s for s in submissions if s.index is not None}
        label = ""
        for table in tables[1:]:
            if table.label.endswith(f"sheet {COMPANIONS}"):
                if not by_index:
                    raise InputError(
                        code=NO_INDEX,
                        file=tables[0].label,
                        row=1,
                    )
                _companions(table, by_index, "_parent_index")
                label = table.label
            else:
                raise InputError(
                    code=UNKNOWN_SHEET,
                    params={"group": COMPANIONS},
                    file=table.label,
                )
        return SubmissionExport(source.name, submissions, label)
    main = _csv_table(source)
    if "PARENT_KEY" in main.header:
        raise InputError(
            code=REPEAT_FILE,
            file=source.name,
            row=1,
        )
    submissions, by_key = _main(main)
    label = ""
    if isinstance(source, Path):
        beside = source.with_name(f"{source.stem}-{COMPANIONS}{source.suffix}")
        if beside.is_file():
            _companions(_csv_table(beside), by_key, "PARENT_KEY")
            label = beside.name
    return SubmissionExport(source.name, submissions, label)


def read_submissions(source: Source, options: ReadOptions) -> Iterator[NumberedRow]:
    """The case-list rows of an export (the registry's `read`): each first person, then
    their companions. Texts and attachments need the import (`import_submissions`)."""
    if options.columns:
        raise InputError("--map does not apply to KoBo/ODK exports", file=source.name)
    for submission in parse_export(source).submissions:
        yield NumberedRow(submission.number, submission.cells)
        yield from submission.companions


# -- attachments ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _File:
    question: str
    name: str
    media_type: str
    data: bytes


def _plain_name(name: str) -> bool:
    return (
        name not in ("", ".", "..")
        and "/" not in name
        and "\\" not in name
        and "\x00" not in name
        and ":" not in name
        and not name.startswith(".")
    )


def _find_file(folder: Path, key: str, name: str) -> Path | None:
    uuid = key.removeprefix("uuid:")
    candidates = [folder / name, folder / "media" / name]
    attachments = folder / "attachments"
    if attachments.is_dir():
        candidates.extend(attachments.glob(f"*/{uuid}/{name}"))
        candidates.append(attachments / uuid / name)
    root = folder.resolve()
    for candidate in candidates:
        real = candidate.resolve()
        if real.is_file() and real.is_relative_to(root):
            return real
    return None


def load_files(path: Path, export: SubmissionExport) -> dict[str, list[_File]]:
    """The attachment files of each submission, read and checked before any write."""
    folder = path.parent
    files: dict[str, list[_File]] = {}
    for submission in export.submissions:
        for question, name in submission.files:

            def refused(
                reason: str, row: int = submission.number, column: str = question
            ) -> InputError:
                return InputError(reason, file=export.file, row=row, column=column)

            if not _plain_name(name):
                raise refused("the attachment must be a plain file name, without a folder")
            found = _find_file(folder, submission.key, name)
            if found is None:
                raise refused(
                    "the attachment is not beside the export (looked in its folder, media/ "
                    "and attachments/…/<uuid>/): export the submissions with their media"
                )
            size = found.stat().st_size
            if size > MAX_ATTACHMENT_BYTES:
                raise refused(f"the attachment is larger than {MAX_ATTACHMENT_BYTES // 2**20} MiB")
            media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            files.setdefault(submission.key, []).append(
                _File(question, name, media_type, found.read_bytes())
            )
    return files


# -- import -----------------------------------------------------------------------------------
class _SubmissionWriter(FileWriter):
    """The importer's writer, sealing each row's account text and the first person's
    attachments with the report it builds."""

    def __init__(
        self,
        conn: Connection,
        cipher: FieldCipher,
        file: str,
        actor: str,
        texts: Mapping[str, str],
        files: Mapping[str, list[_File]],
    ) -> None:
        super().__init__(conn, cipher, file, actor)
        self.texts = texts
        self.files = files
        self.attachments: list[dict[str, Any]] = []

    def _row_added(self, row: AddedRow) -> None:
        report = row.report
        key = row.record.record_id or ""
        account = self.texts.get(key.split(f"/{COMPANIONS}[", 1)[0])
        if account:
            report["text_enc"] = self.cipher.seal("reports", "text", report["id"], account)
        for item in self.files.get(key, []):
            attachment_id = new_id()
            seal = self.cipher.seal
            self.attachments.append(
                {
                    "id": attachment_id,
                    "report_id": report["id"],
                    "field": item.question,
                    "file_name_enc": seal("attachments", "file_name", attachment_id, item.name),
                    "media_type": item.media_type,
                    "size": len(item.data),
                    "content_enc": seal(
                        "attachments",
                        "content",
                        attachment_id,
                        base64.b64encode(item.data).decode("ascii"),
                    ),
                    "received_at": self.now,
                }
            )
            self.audit.append(
                audit.AuditRecord(
                    self.actor,
                    "attachment.add",
                    "attachments",
                    attachment_id,
                    {"report": report["id"], "row": row.number, "bytes": len(item.data)},
                )
            )

    def _flush(self) -> None:
        super()._flush()
        bulk_insert(self.conn, attachments_table, self.attachments)


def import_submissions(job: ImportJob) -> FileSummary:
    """Import one KoBo/ODK export in one transaction (the registry's `import_file`)."""
    source = job.source
    if job.options.columns:
        raise InputError("--map does not apply to KoBo/ODK exports", file=source.name)
    with gc_paused():
        export = parse_export(source)
        validator = RowValidator(source.name)
        companions = RowValidator(export.label_of_companions or source.name)
        records: list[tuple[int, CaseRecord]] = []
        for submission in export.submissions:
            records.append(
                (submission.number, validator.validate(submission.number, submission.cells))
            )
            for row in submission.companions:
                records.append((row.number, companions.validate(row.number, row.cells)))
        texts = {s.key: s.text for s in export.submissions if s.text}
        files = load_files(source, export)
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        with job.workspace.write() as conn:
            lock_evidence_writes(conn)
            ensure_places(conn)
            writer = _SubmissionWriter(conn, job.cipher, source.name, job.actor, texts, files)
            return writer.run(records, digest, job.progress)


# One reader for both servers' exports; each is told apart by its own columns.
for _name, _detect, _summary in (
    ("kobo", _is_kobo, "KoBoToolbox submissions of the RefWatch form (CSV or XLSX export)"),
    ("odk", _is_odk, "ODK Central submissions of the RefWatch form (CSV export)"),
):
    register_reader(
        _name,
        read_submissions,
        suffixes=(".csv", ".xlsx"),
        detect=_detect,
        summary=_summary,
        import_file=import_submissions,
    )
