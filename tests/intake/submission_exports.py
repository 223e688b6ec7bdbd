"""Synthetic submission exports of the RefWatch form, in the servers' own column naming.

The naming follows the exporters' code: KoBoToolbox's formpack (`group_sep="/"`, CSV
separated by `;` with every cell quoted, repeat groups on sheets of their own linked by
`_index` / `_parent_index`, `_parent_table_name`, the `_submission_*` copies, a
select_multiple expanded to one column per choice, `*_URL` beside a media question) and
ODK Central's briefcase CSV (`SubmissionDate` first, group paths joined by `-`, choice
columns `path/value`, then `meta-instanceID`, `KEY`, `SubmitterID` … `FormVersion`; a
repeat in `<form>-<repeat>.csv` with `PARENT_KEY` and `KEY` = `<id>/<repeat>[n]`).
Every value is invented.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from refwatch.domain.enums import Flag

FLAGS = [flag.value for flag in Flag]
MAIN_FIELDS = (
    ("group_source", "source"),
    ("group_source", "source_type"),
    ("group_source", "reported_on"),
    ("group_source", "consent"),
    ("group_person", "name_hangul"),
    ("group_person", "name_latin"),
    ("group_person", "sex"),
    ("group_person", "birth_year"),
    ("group_person", "age"),
    ("group_person", "origin"),
    ("group_person", "origin_other"),
    ("group_events", "apprehended_on"),
    ("group_events", "apprehended_at"),
    ("group_events", "apprehended_at_other"),
    ("group_events", "held_at"),
    ("group_events", "held_at_other"),
    ("group_events", "status"),
    ("group_events", "status_on"),
    ("group_events", "group_label"),
    ("group_events", "flags"),
    ("group_account", "notes"),
    ("group_account", "report_text"),
    ("group_account", "document"),
)
COMPANION_FIELDS = ("c_name_hangul", "c_name_latin", "c_sex", "c_age", "c_status", "c_flags")
KOBO_META = (
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
)
ODK_META = (
    "meta-instanceID",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
)


def submission(n: int, **values: Any) -> dict[str, Any]:
    """One submission's answers by question name (companions under "companions")."""
    answers: dict[str, Any] = {
        "source": "Field Team North",
        "source_type": "family",
        "reported_on": "2017-09-01",
        "consent": "statistics",
        "name_hangul": f"김하늘{n}",
        "name_latin": f"Kim Haneul {n}",
        "sex": "F",
        "birth_year": "1988",
        "age": "",
        "origin": "kp-hamgyongbuk-musan",
        "origin_other": "",
        "apprehended_at_other": "",
        "held_at_other": "",
        "apprehended_on": "2017-07/2017-08",
        "apprehended_at": "cn-jilin-tumen",
        "held_at": "fac-cn-tumen-border-detention",
        "status": "returned",
        "status_on": "2017-08",
        "group_label": "",
        "flags": "",
        "notes": f"canary-note-{n}",
        "report_text": f"canary-account-{n}: taken at Tumen in July or August.",
        "document": "",
        "uuid": f"0b4e6a3c-0000-4000-8000-{n:012d}",
        "companions": [],
    }
    answers.update(values)
    return answers


def _flag_cells(value: str) -> list[str]:
    chosen = value.split()
    return ["1" if flag in chosen else "0" for flag in FLAGS] if value else [""] * len(FLAGS)


def kobo_header() -> list[str]:
    header = ["start", "end"]
    for group, name in MAIN_FIELDS:
        header.append(f"{group}/{name}")
        if name == "flags":
            header.extend(f"{group}/flags/{flag}" for flag in FLAGS)
        if name == "document":
            header.append(f"{group}/document_URL")
    return [*header, *KOBO_META]


def kobo_row(answers: dict[str, Any], index: int) -> list[str]:
    cells = ["2017-09-01T10:00:00.000+09:00", "2017-09-01T10:20:00.000+09:00"]
    for _, name in MAIN_FIELDS:
        cells.append(str(answers[name]))
        if name == "flags":
            cells.extend(_flag_cells(answers[name]))
        if name == "document":
            url = "https://kf.example.org/media/original?x" if answers[name] else ""
            cells.append(url)
    uuid = answers["uuid"]
    meta = [str(1000 + index), uuid, "2017-09-02T01:02:03", "", "[]", "submitted_via_web"]
    return [*cells, *meta, "", "vAbCdE", "[]", str(index)]


def _quoted(cells: list[str]) -> str:
    return '"' + '";"'.join(cell.replace('"', '""') for cell in cells) + '"'


def write_kobo_csv(path: Path, submissions: list[dict[str, Any]]) -> Path:
    """KoBo's CSV export: `;`-separated, every cell quoted, the main section only."""
    lines = [_quoted(kobo_header())]
    lines.extend(_quoted(kobo_row(s, i)) for i, s in enumerate(submissions, start=1))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_kobo_xlsx(
    path: Path, submissions: list[dict[str, Any]], parent_index: dict[int, int] | None = None
) -> Path:
    """KoBo's XLSX export: the submissions on the first sheet, the repeat on its own."""
    workbook = Workbook()
    main = workbook.active
    assert main is not None
    main.title = "RefWatch case list"
    main.append(kobo_header())
    for i, s in enumerate(submissions, start=1):
        main.append(kobo_row(s, i))
    repeat = workbook.create_sheet("companions")
    repeat.append(
        [
            *(f"companions/{name}" for name in COMPANION_FIELDS),
            "_index",
            "_parent_table_name",
            "_parent_index",
            "_submission__id",
            "_submission__uuid",
            "_submission__submission_time",
        ]
    )
    index = 0
    for i, s in enumerate(submissions, start=1):
        for companion in s["companions"]:
            index += 1
            parent = (parent_index or {}).get(index, i)
            repeat.append(
                [
                    *(str(companion.get(name, "")) for name in COMPANION_FIELDS),
                    index,
                    "RefWatch case list",
                    parent,
                    1000 + i,
                    s["uuid"],
                    "2017-09-02T01:02:03",
                ]
            )
    workbook.save(path)
    return path


def write_odk_csv(path: Path, submissions: list[dict[str, Any]]) -> Path:
    """ODK Central's CSV export (root table), and the companions table beside it."""
    import csv

    header = ["SubmissionDate"]
    for group, name in MAIN_FIELDS:
        header.append(f"{group}-{name}")
        if name == "flags":
            header.extend(f"{group}-flags/{flag}" for flag in FLAGS)
    header.extend(ODK_META)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for s in submissions:
            cells = ["2017-09-02T01:02:03.000Z"]
            for _, name in MAIN_FIELDS:
                cells.append(str(s[name]))
                if name == "flags":
                    cells.extend(_flag_cells(s[name]))
            key = f"uuid:{s['uuid']}"
            cells.extend([key, key, "7", "enumerator", "0", "0", "", "", "", "0", "2026120601"])
            writer.writerow(cells)
    repeat = path.with_name(f"{path.stem}-companions.csv")
    if any(s["companions"] for s in submissions):
        with repeat.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([*COMPANION_FIELDS, "PARENT_KEY", "KEY"])
            for s in submissions:
                key = f"uuid:{s['uuid']}"
                for n, companion in enumerate(s["companions"], start=1):
                    cells = [str(companion.get(name, "")) for name in COMPANION_FIELDS]
                    writer.writerow([*cells, key, f"{key}/companions[{n}]"])
    return path
