"""The case-list form as an XLSForm, for field teams on KoBoToolbox or ODK Collect.

Why: teams who interview relatives and returnees on phones fill forms, not spreadsheets.
This writes the case-list columns (docs/case-list-format.md) as an XLSForm whose answers
come back through `refwatch import` (refwatch/intake/odk.py reads the submission exports):
one submission is one account from one source about one person, with the people caught
together with them in a repeat group. Labels and hints are in English and Korean; places
are choice lists from the gazetteer (value: the gazetteer id, so the import never has to
guess a spelling), the closed vocabularies come from refwatch/domain/enums.py with the
words every screen shows them in (refwatch/domain/labels.py), and dates stay text in EDTF
(a phone's date picker cannot say "July or August 2017").

`FORM_FIELDS` and `COMPANION_FIELDS` name the questions and the case-list column each
feeds; the reader uses the same tables, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from refwatch.domain.consent import ConsentLevel
from refwatch.domain.errors import InputError
from refwatch.domain.labels import VOCABULARIES
from refwatch.gazetteer import Place, load_gazetteer
from refwatch.intake import out_files

FORM_ID = "refwatch_case_list"
FORM_VERSION = "2026120601"
EN, KO = "English (en)", "Korean (ko)"
OTHER = "other"
"""Choice value of "another place" in the place lists; the `*_other` text then holds it."""
EDTF_HINT = (
    "EDTF: 2017, 2017-07, 2017-07-13, 2017-07/2017-08, 2017-07~",
    "EDTF 날짜: 2017, 2017-07, 2017-07-13, 2017-07/2017-08, 2017-07~",
)
# A loose check on the phone (digits, -, /, ~, ?, %, X); the importer checks EDTF fully.
EDTF_CONSTRAINT = "regex(., '^[0-9X][0-9X./~?%-]*$')"


@dataclass(frozen=True, slots=True)
class Question:
    name: str
    type: str
    label: tuple[str, str]
    column: str | None = None
    hint: tuple[str, str] | None = None
    required: bool = False
    relevant: str = ""
    constraint: str = ""
    appearance: str = ""
    group: str = ""


def _q(name: str, type_: str, en: str, ko: str, **kw: Any) -> Question:
    return Question(name, type_, (en, ko), **kw)


_SOURCE = ("Source", "출처")
_PERSON = ("The person", "당사자")
_EVENTS = ("What happened", "경위")
_ACCOUNT = ("The account", "진술")
GROUPS: dict[str, tuple[str, str]] = {
    "group_source": _SOURCE,
    "group_person": _PERSON,
    "group_events": _EVENTS,
    "group_account": _ACCOUNT,
}
FORM_FIELDS: tuple[Question, ...] = (
    _q(
        "source",
        "text",
        "Reporting organisation or list",
        "보고 단체 또는 명단",
        column="source",
        required=True,
        group="group_source",
        hint=("A label, never a private person's name", "단체명 (개인 이름은 쓰지 마세요)"),
    ),
    _q(
        "source_type",
        "select_one source_type",
        "Kind of source",
        "출처 종류",
        column="source_type",
        group="group_source",
    ),
    _q(
        "reported_on",
        "text",
        "Reported on",
        "보고 날짜",
        column="reported_on",
        hint=EDTF_HINT,
        constraint=EDTF_CONSTRAINT,
        group="group_source",
    ),
    _q(
        "consent",
        "select_one consent",
        "Consent given",
        "동의 범위",
        column="consent",
        group="group_source",
    ),
    _q(
        "name_hangul",
        "text",
        "Name in Hangul",
        "이름 (한글)",
        column="name_hangul",
        group="group_person",
    ),
    _q(
        "name_latin",
        "text",
        "Name in Latin letters",
        "이름 (로마자)",
        column="name_latin",
        group="group_person",
    ),
    _q("sex", "select_one sex", "Sex", "성별", column="sex", group="group_person"),
    _q(
        "birth_year",
        "text",
        "Year of birth",
        "출생 연도",
        column="birth_year",
        hint=("EDTF: 1971, 1985~, 198X", "EDTF: 1971, 1985~, 198X"),
        constraint=EDTF_CONSTRAINT,
        group="group_person",
    ),
    _q(
        "age",
        "text",
        "Age when caught",
        "체포 당시 나이",
        column="age",
        hint=("46, 46~ (about), 40-45", "46, 46~ (약), 40-45"),
        group="group_person",
    ),
    _q(
        "origin",
        "select_one origin",
        "Home province or county",
        "출신 지역",
        column="origin",
        group="group_person",
    ),
    _q(
        "origin_other",
        "text",
        "Home place (other)",
        "출신 지역 (기타)",
        column="origin",
        relevant="${origin} = 'other'",
        group="group_person",
    ),
    _q(
        "apprehended_on",
        "text",
        "Caught on",
        "체포 날짜",
        column="apprehended_on",
        hint=EDTF_HINT,
        constraint=EDTF_CONSTRAINT,
        group="group_events",
    ),
    _q(
        "apprehended_at",
        "select_one place",
        "Caught at",
        "체포 장소",
        column="apprehended_at",
        group="group_events",
    ),
    _q(
        "apprehended_at_other",
        "text",
        "Caught at (other place)",
        "체포 장소 (기타)",
        column="apprehended_at",
        relevant="${apprehended_at} = 'other'",
        group="group_events",
    ),
    _q(
        "held_at",
        "select_one facility",
        "Held at",
        "구금 장소",
        column="held_at",
        group="group_events",
    ),
    _q(
        "held_at_other",
        "text",
        "Held at (other facility)",
        "구금 장소 (기타)",
        column="held_at",
        relevant="${held_at} = 'other'",
        group="group_events",
    ),
    _q(
        "status",
        "select_one status",
        "Status now",
        "현재 상태",
        column="status",
        group="group_events",
    ),
    _q(
        "status_on",
        "text",
        "Status since",
        "상태 날짜",
        column="status_on",
        hint=EDTF_HINT,
        constraint=EDTF_CONSTRAINT,
        group="group_events",
    ),
    _q(
        "group_label",
        "text",
        "Label of the group caught together",
        "함께 체포된 일행 표시",
        column="group",
        group="group_events",
    ),
    _q(
        "flags",
        "select_multiple flag",
        "Particular vulnerability",
        "취약 사항",
        column="flags",
        group="group_events",
    ),
    _q(
        "notes",
        "text",
        "Notes",
        "메모",
        column="notes",
        appearance="multiline",
        group="group_account",
    ),
    _q(
        "report_text",
        "text",
        "The account as told",
        "진술 내용",
        appearance="multiline",
        group="group_account",
    ),
    _q("document", "file", "A document or photo", "문서 또는 사진", group="group_account"),
)
"""The questions of the main form, in order: name, type, labels, and the case-list column
each feeds (`report_text` becomes the report's sealed text, `document` an attachment)."""

COMPANIONS = "companions"
COMPANION_FIELDS: tuple[Question, ...] = (
    _q("c_name_hangul", "text", "Name in Hangul", "이름 (한글)", column="name_hangul"),
    _q("c_name_latin", "text", "Name in Latin letters", "이름 (로마자)", column="name_latin"),
    _q("c_sex", "select_one sex", "Sex", "성별", column="sex"),
    _q(
        "c_birth_year",
        "text",
        "Year of birth",
        "출생 연도",
        column="birth_year",
        constraint=EDTF_CONSTRAINT,
    ),
    _q("c_age", "text", "Age when caught", "체포 당시 나이", column="age"),
    _q("c_status", "select_one status", "Status now", "현재 상태", column="status"),
    _q("c_flags", "select_multiple flag", "Particular vulnerability", "취약 사항", column="flags"),
    _q("c_notes", "text", "Notes", "메모", column="notes", appearance="multiline"),
)
"""Each person caught together with the first: their own name, sex, age, status, flags and
notes; source, dates and places are the submission's."""

_CONSENT = {
    ConsentLevel.NO_USE: ("no use", "사용 불가"),
    ConsentLevel.INTERNAL: ("internal only", "내부용"),
    ConsentLevel.STATISTICS: ("anonymised statistics", "익명 통계"),
    ConsentLevel.ADVOCACY: ("named advocacy", "실명 옹호 활동"),
    ConsentLevel.PUBLICATION: ("publication", "공개"),
}


def _place_label(place: Place) -> tuple[str, str]:
    return place.name_latin, place.name_hangul or place.name_latin


def place_lists() -> dict[str, list[tuple[str, tuple[str, str]]]]:
    """The three place choice lists: origin (North Korean provinces, counties, cities),
    place (where people are caught: every other place but a facility) and facility."""
    lists: dict[str, list[tuple[str, tuple[str, str]]]] = {
        "origin": [],
        "place": [],
        "facility": [],
    }
    for place in load_gazetteer():
        if place.kind == "facility":
            lists["facility"].append((place.id, _place_label(place)))
        elif place.country == "KP" and place.kind != "country":
            lists["origin"].append((place.id, _place_label(place)))
        elif place.country != "KP":
            lists["place"].append((place.id, _place_label(place)))
    for entries in lists.values():
        entries.append((OTHER, ("another place", "기타 장소")))
    return lists


def _vocabulary(name: str) -> list[tuple[str, tuple[str, str]]]:
    """A closed vocabulary's choices in the words every screen shows (`domain.labels`), so
    that a form on a phone and the web pages never word a value two ways."""
    return [(str(code), words) for code, words in VOCABULARIES[name].items()]


def choice_lists() -> dict[str, list[tuple[str, tuple[str, str]]]]:
    """Every choice list of the form: list name -> [(value, (English, Korean))]."""
    lists: dict[str, list[tuple[str, tuple[str, str]]]] = {
        "source_type": _vocabulary("source_type"),
        "consent": [(str(k), v) for k, v in _CONSENT.items()],
        "sex": _vocabulary("sex"),
        "status": _vocabulary("status"),
        "flag": _vocabulary("flag"),
    }
    lists.update(place_lists())
    return lists


SURVEY_HEADER = (
    "type",
    "name",
    f"label::{EN}",
    f"label::{KO}",
    f"hint::{EN}",
    f"hint::{KO}",
    "required",
    "relevant",
    "constraint",
    f"constraint_message::{EN}",
    f"constraint_message::{KO}",
    "appearance",
)
_CONSTRAINT_MESSAGE = ("Write a date in EDTF, e.g. 2017-07", "EDTF 날짜로 쓰세요 (예: 2017-07)")


def _question_row(q: Question) -> list[str]:
    hint = q.hint or ("", "")
    message = _CONSTRAINT_MESSAGE if q.constraint else ("", "")
    return [
        q.type,
        q.name,
        *q.label,
        *hint,
        "yes" if q.required else "",
        q.relevant,
        q.constraint,
        *message,
        q.appearance,
    ]


def survey_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    blank = [""] * (len(SURVEY_HEADER) - 4)
    current = ""
    for q in FORM_FIELDS:
        if q.group != current:
            if current:
                rows.append(["end_group", current, "", "", *blank])
            rows.append(["begin_group", q.group, *GROUPS[q.group], *blank])
            current = q.group
        rows.append(_question_row(q))
    rows.append(["end_group", current, "", "", *blank])
    rows.append(["begin_repeat", COMPANIONS, "Caught together with", "함께 체포된 사람", *blank])
    rows.extend(_question_row(q) for q in COMPANION_FIELDS)
    rows.append(["end_repeat", COMPANIONS, "", "", *blank])
    return rows


def _sheet(workbook: Any, title: str, header: Iterable[str], rows: Iterable[list[str]]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)


def check_out_path(out: Path, *, force: bool) -> None:
    """Refuse a path the form must not be written to: not .xlsx, a folder that does not
    exist, a folder or a link in its place, or an existing file without `force`."""
    if out.suffix.lower() != ".xlsx":
        raise InputError("an XLSForm is an .xlsx file: give a path ending in .xlsx", file=str(out))
    out_files.check_out_path(out, force=force)


def write_form(out: Path, *, force: bool = False) -> dict[str, int]:
    """Check `out` and write the form there (through a temporary file beside it, so an
    existing form is replaced whole or not at all); say how many questions and choices."""
    check_out_path(out, force=force)
    out_files.write_whole(out, write_xlsform, prefix=".xlsform-", suffix=".xlsx")
    lists = choice_lists()
    return {
        "questions": len(FORM_FIELDS) + len(COMPANION_FIELDS),
        "choice_lists": len(lists),
        "choices": sum(len(entries) for entries in lists.values()),
    }


def write_xlsform(out: Path) -> None:
    """Write the form to `out` (an .xlsx file); `write_form` checks the path first."""
    from openpyxl import Workbook  # imported here: loading openpyxl costs ~0.3 s

    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, "survey", SURVEY_HEADER, survey_rows())
    choices = [
        [name, value, *labels]
        for name, entries in choice_lists().items()
        for value, labels in entries
    ]
    _sheet(workbook, "choices", ("list_name", "name", f"label::{EN}", f"label::{KO}"), choices)
    _sheet(
        workbook,
        "settings",
        ("form_title", "form_id", "version", "default_language", "instance_name"),
        [
            [
                "RefWatch case list",
                FORM_ID,
                FORM_VERSION,
                EN,
                "concat(${source}, ' ', ${reported_on})",
            ]
        ],
    )
    workbook.save(out)
