"""The case-list form as an XLSForm, converted by the real pyxform: the XForm must hold
both languages, the gazetteer's and the enums' choice lists, the repeat, and no warning."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from refwatch.domain.enums import Flag, Status
from refwatch.gazetteer import load_gazetteer
from refwatch.intake.xlsform import COMPANION_FIELDS, FORM_FIELDS, FORM_ID, write_xlsform

XF = "{http://www.w3.org/2002/xforms}"


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("form") / "case-list.xlsx"
    write_xlsform(path)
    return path


@pytest.fixture(scope="module")
def xform(form: Path) -> ET.Element:
    warnings: list[str] = []
    result = convert(str(form), warnings=warnings)
    assert warnings == []
    return ET.fromstring(result.xform)


def test_the_workbook_has_the_three_sheets_and_both_label_columns(form: Path) -> None:
    workbook = load_workbook(form, read_only=True)
    assert workbook.sheetnames == ["survey", "choices", "settings"]
    header = next(workbook["survey"].iter_rows(max_row=1, values_only=True))
    assert {"label::English (en)", "label::Korean (ko)"} <= set(header)
    workbook.close()


def test_pyxform_converts_it_with_both_languages(xform: ET.Element) -> None:
    languages = {t.get("lang") for t in xform.iter(f"{XF}translation")}
    assert languages == {"English (en)", "Korean (ko)"}
    texts = {v.text for v in xform.iter(f"{XF}value")}
    assert {"Name in Hangul", "이름 (한글)", "forced return"} & texts >= {
        "Name in Hangul",
        "이름 (한글)",
    }


def test_every_question_is_in_the_instance_under_its_group(xform: ET.Element) -> None:
    (instance,) = [i for i in xform.iter(f"{XF}instance") if i.get("id") is None]
    root = instance[0]
    assert root.get("id") == FORM_ID
    paths = {
        f"{group.tag.removeprefix(XF)}/{leaf.tag.removeprefix(XF)}"
        for group in root
        for leaf in group
    }
    for question in FORM_FIELDS:
        assert f"{question.group}/{question.name}" in paths
    for question in COMPANION_FIELDS:
        assert f"companions/{question.name}" in paths
    top = root.tag.removeprefix(XF)
    binds = {b.get("nodeset"): b for b in xform.iter(f"{XF}bind")}
    assert binds[f"/{top}/group_source/source"].get("required") == "true()"
    assert f"/{top}/meta/instanceID" in binds  # the import's stable key


def _choices(xform: ET.Element, name: str) -> set[str]:
    for instance in xform.iter(f"{XF}instance"):
        if instance.get("id") == name:
            return {item.findtext(f"{XF}name") or "" for item in instance.iter(f"{XF}item")}
    raise AssertionError(f"no choice list {name}")


def test_choice_lists_come_from_the_enums_and_the_gazetteer(xform: ET.Element) -> None:
    assert _choices(xform, "status") == {s.value for s in Status}
    assert _choices(xform, "flag") == {f.value for f in Flag}
    assert _choices(xform, "sex") == {"F", "M"}
    gazetteer = list(load_gazetteer())
    facilities = {p.id for p in gazetteer if p.kind == "facility"}
    assert _choices(xform, "facility") == facilities | {"other"}
    origin = _choices(xform, "origin")
    assert "kp-hamgyongbuk-musan" in origin and "cn-jilin-tumen" not in origin
    assert "cn-jilin-tumen" in _choices(xform, "place")


def test_the_export_fixtures_answer_exactly_the_forms_questions() -> None:
    from tests.intake import submission_exports

    assert [(q.group, q.name) for q in FORM_FIELDS] == list(submission_exports.MAIN_FIELDS)
    names = [q.name for q in COMPANION_FIELDS]
    assert set(submission_exports.COMPANION_FIELDS) <= set(names)
