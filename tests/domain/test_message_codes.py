"""Every message code has an English and a Korean wording, and the web words errors from
their codes, never by taking English text apart.

Why read the source: a code raised in a module nobody imported yet would escape a check
of the registry alone, so every `define(...)` and every literal `code=` in refwatch/ is
found first and the modules that define codes are imported."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import refwatch
from refwatch.domain.errors import (
    WORDINGS,
    DateError,
    InputError,
    Message,
    RefWatchError,
    define,
    wording,
)

ROOT = Path(refwatch.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")


def _sources() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        found.append((module.removesuffix(".__init__"), ast.parse(path.read_text())))
    return found


def _calls(tree: ast.Module, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "id", None) == name or getattr(node.func, "attr", None) == name)
    ]


SOURCES = _sources()
DEFINED = {
    call.args[0].value: module
    for module, tree in SOURCES
    for call in _calls(tree, "define")
    if call.args and isinstance(call.args[0], ast.Constant)
}
for _module in sorted(set(DEFINED.values())):
    importlib.import_module(_module)


def _korean() -> dict[str, str]:
    from refwatch.web.i18n import catalogue_path

    with open(catalogue_path("ko"), "rb") as handle:
        catalogue = read_po(handle, locale="ko")
    return {str(m.id): str(m.string) for m in catalogue if m.id and m.string}


def test_a_code_cannot_be_defined_twice_with_two_wordings() -> None:
    with pytest.raises(ValueError, match="defined twice"):
        define("date.not_edtf", "something else entirely: %(value)s")


def test_a_literal_code_raised_anywhere_is_defined() -> None:
    used = set()
    for _module, tree in SOURCES:
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "code"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                used.add(node.value.value)
        for call in _calls(tree, "Message"):
            if call.args and isinstance(call.args[0], ast.Constant):
                used.add(call.args[0].value)
    assert sorted(used - set(WORDINGS)) == []


def test_every_code_in_the_source_is_registered_when_its_module_is_imported() -> None:
    assert len(DEFINED) >= 30
    assert sorted(set(DEFINED) - set(WORDINGS)) == []


def test_every_code_has_a_korean_wording_with_the_same_values() -> None:
    korean = _korean()
    missing = sorted(code for code, english in WORDINGS.items() if english not in korean)
    assert missing == []
    for code, english in WORDINGS.items():
        assert english.strip(), code
        values = set(PLACEHOLDER.findall(english))
        assert set(PLACEHOLDER.findall(korean[english])) == values, code
        assert re.search(r"[\uac00-\ud7a3]", korean[english]), code


def test_the_web_has_no_regular_expression_over_english() -> None:
    tree = ast.parse((ROOT / "web" / "i18n.py").read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "re" not in imported and "regex" not in imported
    assert "fullmatch" not in ast.unparse(tree) and "PATTERNS" not in ast.unparse(tree)


def test_an_error_made_from_a_code_keeps_the_cli_wording() -> None:
    error = InputError(code="date.not_edtf", field="as_of", params={"value": "'2017-13'"})
    assert str(error) == "--as-of: not an EDTF date: '2017-13'"
    assert (error.code, error.field, error.params) == (
        "date.not_edtf",
        "as_of",
        {"value": "'2017-13'"},
    )
    assert error.reason == "not an EDTF date: '2017-13'"
    placed = InputError(code="date.not_edtf", params={"value": "'x'"}, file="a.csv", row=3)
    assert str(placed) == "a.csv, row 3: not an EDTF date: 'x'"


def test_a_message_is_its_english_text_and_keeps_its_code_through_pickling() -> None:
    import pickle

    message = Message("date.not_edtf", value="'x'")
    assert message == "not an EDTF date: 'x'" and message.code == "date.not_edtf"
    again = pickle.loads(pickle.dumps(message))
    assert isinstance(again, Message) and again.params == {"value": "'x'"}
    joined = pickle.loads(pickle.dumps(Message.joined([message, "plain"])))
    assert joined == "not an EDTF date: 'x'; plain" and joined.parts[0] == message


def test_an_error_needs_a_message_or_a_known_code() -> None:
    with pytest.raises(TypeError):
        RefWatchError()
    with pytest.raises(KeyError):
        RefWatchError(code="no.such.code")
    assert wording("date.empty") == "empty date"


def test_a_date_error_carries_its_code() -> None:
    from refwatch.domain.dates import parse_date

    with pytest.raises(DateError) as caught:
        parse_date("2017-13")
    assert caught.value.code == "date.not_edtf" and caught.value.params == {"value": "'2017-13'"}
