"""The registry of readers and export formats (refwatch/intake/registry.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from refwatch.domain.errors import InputError
from refwatch.intake import registry
from refwatch.intake.readers import read_rows


def test_an_unknown_input_format_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        registry.reader("../../etc/passwd")
    message = str(caught.value)
    assert "unknown input format" in message
    for name in ("csv", "xlsx", "jsonl"):
        assert name in message


def test_an_unknown_export_format_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(InputError, match=r"unknown format 'pdf': choose csv, jsonl"):
        registry.export_format("pdf")


def test_an_unknown_suffix_names_the_file_and_the_usual_suffixes(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        registry.find_reader(tmp_path / "list.docx")
    assert str(caught.value) == (
        "list.docx: unknown file type: use .csv, .xlsx or .jsonl (value '.docx')"
    )


def test_a_name_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register_reader("csv", lambda source, options: iter(()))
    with pytest.raises(ValueError, match="already registered"):
        registry.register_export("jsonl", lambda job: 0, kinds=("mentions",))


def test_suffixes_choose_the_generic_readers(tmp_path: Path) -> None:
    names = {
        suffix: registry.find_reader(tmp_path / f"list{suffix}").name
        for suffix in (".csv", ".TXT", ".xlsx", ".jsonl", ".ndjson")
    }
    assert names == {
        ".csv": "csv",
        ".TXT": "csv",
        ".xlsx": "xlsx",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
    }


def test_a_named_format_overrides_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text('{"source": "Example NGO", "record_id": "A-1"}\n', encoding="utf-8")
    rows = list(read_rows(path, fmt="jsonl"))
    assert [(row.number, row.cells["record_id"]) for row in rows] == [(1, "A-1")]
    assert registry.find_reader(path, "JSONL").name == "jsonl"


def test_every_export_format_lists_its_kinds() -> None:
    formats = {entry.name: entry for entry in registry.export_formats()}
    assert {"csv", "jsonl"} <= set(formats)
    assert formats["csv"].kinds == ("mentions", "persons", "events")
    assert not formats["csv"].binary
    out = io.StringIO()
    assert (
        formats["jsonl"].write(
            registry.ExportJob("events", ("a",), iter([{"a": 1}]), out, conn=None)  # type: ignore[arg-type]
        )
        == 1
    )
    assert out.getvalue() == '{"a": 1}\n'
