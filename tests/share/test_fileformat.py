"""Hostile and broken encoding files: each gives a ShareError naming the file and line,
never a traceback, never a silent partial read; files of another secret or schema are
refused before any linking."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refwatch.share import fileformat
from refwatch.share.encoding import (
    PersonTokens,
    default_schema,
    hangul_tokens,
    name_tokens,
    year_tokens,
)
from refwatch.share.errors import ShareError
from refwatch.share.link import link_files
from refwatch.share.workspace import encode_people

SECRET = b"a shared secret for the format tests"


def _people(n: int) -> tuple[list[str], list[PersonTokens]]:
    people = []
    for i in range(n):
        t = PersonTokens()
        t.add("name", name_tokens(f"kim{i}", None))
        t.add("hangul", hangul_tokens("김영철"))
        t.add("birth", year_tokens(1970 + i % 30, 1970 + i % 30))
        t.add("sex", ["F" if i % 2 else "M"])
        people.append(t)
    return [f"P-{i:06d}" for i in range(n)], people


def _file(
    tmp_path: Path, label: str = "Org A", secret: bytes = SECRET, n: int = 5, **kw: bool
) -> Path:
    ids, people = _people(n)
    made = encode_people(ids, people, {}, secret=secret, organisation=label,
                         schema=default_schema(**kw))  # fmt: skip
    path = tmp_path / f"{label}.jsonl"
    fileformat.write(made, path)
    return path


def _error(path: Path) -> ShareError:
    with pytest.raises(ShareError) as caught:
        fileformat.read(path)
    return caught.value


def test_a_good_file_round_trips(tmp_path: Path) -> None:
    path = _file(tmp_path)
    back = fileformat.read(path)
    assert len(back) == 5 and back.organisation == "Org A"
    assert back.local_ids is None  # the organisation's own ids never travel
    assert "P-0000" not in path.read_text(encoding="utf-8")
    assert back.strata["period"] == ["unknown"] * 5


@pytest.mark.parametrize(
    ("mangle", "line", "words"),
    [
        (lambda t: t[: len(t) // 2], None, "truncated"),
        (lambda t: "\n".join(t.splitlines()[:-1]) + "\n", 5, "header announces 5"),
        (lambda t: t.replace('"bits": "', '"bits": "!!', 1), 2, "base64"),
        (
            lambda t: t.replace('"format": "refwatch-pprl"', '"format": "other"'),
            1,
            "not a RefWatch",
        ),
        (lambda t: t.replace('"version": 2,', '"version": 3,', 1), 1, "version 3"),
        (lambda t: t.replace('"records": 5', '"records": 4'), 6, "more records"),
        (lambda t: t.replace('"id": "r2"', '"id": "r1"'), None, "repeats"),
        (lambda t: t + "\n", 7, "empty line"),
        (lambda t: "", 1, "empty file"),
        (lambda t: "[1, 2]\n", 1, "not a JSON object"),
        (lambda t: t.replace('"period": "unknown"', '"period": "\\u0000"', 1), 2, "period"),
        (
            lambda t: t.replace('"region": "unknown"', '"region": "unknown", "name": "x"', 1),
            2,
            "unexpected fields",
        ),
        (lambda t: t.replace('"key_check": "', '"key_check": "zz', 1), 1, "key check"),
        (lambda t: t.replace('"records": 5', '"records": 99999999'), 1, "more than"),
        (lambda t: t.replace('"bits": 128', '"bits": 100', 1), 1, "schema"),
        (lambda t: t.replace('"organisation": "Org A"', '"organisation": "count"'), 1, "label"),
    ],
)
def test_broken_files_name_the_file_and_line(
    tmp_path: Path, mangle: object, line: int | None, words: str
) -> None:
    path = _file(tmp_path)
    text = path.read_text(encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(mangle(text), encoding="utf-8")  # type: ignore[operator]
    error = _error(bad)
    assert str(error).startswith("bad.jsonl")
    assert words in str(error)
    if line is not None:
        assert error.line == line, str(error)


def test_a_file_of_the_previous_encoding_version_is_refused_by_name(tmp_path: Path) -> None:
    """Version 1 files (no day or outcome segment, the old scoring) cannot be linked with
    version 2 ones: the file is named and the fix (encode again) is said."""
    current = _file(tmp_path, "Org A")
    old = _file(tmp_path, "Org B")
    lines = old.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2 and header["schema"]["version"] == 2
    header["version"] = header["schema"]["version"] = 1
    header["schema"]["fields"] = header["schema"]["fields"][:7]
    old.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n", encoding="utf-8")
    error = _error(old)
    assert error.code == "share.version" and error.line == 1
    assert str(error).startswith("Org B.jsonl")
    assert "version 1" in str(error) and "encode again" in str(error)
    with pytest.raises(ShareError) as caught:
        link_files([fileformat.read(p) for p in (current, old)])
    assert caught.value.code == "share.version" and "Org B.jsonl" in str(caught.value)


def test_wrong_width_and_oversized_lines_and_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[2])
    record["bits"] = base64.b64encode(b"\x00" * 7).decode()
    lines[2] = json.dumps(record)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = _error(bad)
    assert error.line == 3 and "7 bytes" in str(error)
    lines[2] = json.dumps({"id": "r3", "padding": "x" * 20_000})
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "longer than" in str(_error(bad))
    bad.write_bytes(b'{"format": "refwatch-pprl"\xff\xfe}\n')
    assert _error(bad).line == 1
    monkeypatch.setattr(fileformat, "MAX_FILE_BYTES", 100)
    assert "larger than" in str(_error(path))
    assert "cannot read" in str(_error(tmp_path / "missing.jsonl"))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzzed_files_fail_cleanly_or_parse(tmp_path: Path, data: st.DataObject) -> None:
    """Random cuts, flips and insertions: a ShareError or a file, nothing else."""
    raw = bytearray(_file(tmp_path).read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        where = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            raw[where] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del raw[where:]
            if not raw:
                raw = bytearray(b"x")
        else:
            raw[where:where] = data.draw(st.binary(min_size=1, max_size=30))
    try:
        parsed = fileformat.parse(io.BytesIO(bytes(raw)), "fuzz.jsonl")
    except ShareError as exc:
        assert str(exc).startswith("fuzz.jsonl")
    else:
        assert parsed.bits.shape == (len(parsed), parsed.schema.total_bytes)


def test_another_secret_or_schema_or_label_is_refused(tmp_path: Path) -> None:
    a = fileformat.read(_file(tmp_path, "Org A"))
    b = fileformat.read(_file(tmp_path, "Org B", secret=b"another secret, also long enough"))
    with pytest.raises(ShareError, match="another secret") as caught:
        link_files([a, b])
    assert caught.value.code == "share.secret_mismatch"
    c = fileformat.read(_file(tmp_path, "Org C", salt=True))
    with pytest.raises(ShareError, match="another encoding schema"):
        link_files([a, c])
    same = fileformat.read(_file(tmp_path / ".." / tmp_path.name, "Org A"))
    with pytest.raises(ShareError, match="label"):
        link_files([a, same])
    with pytest.raises(ShareError, match="two or more"):
        link_files([a])


def test_a_short_secret_is_refused_and_never_echoed(tmp_path: Path) -> None:
    with pytest.raises(ShareError) as caught:
        _file(tmp_path, secret=b"short-pw")
    assert "short-pw" not in str(caught.value)
    assert caught.value.code == "share.secret_short"


def test_the_secret_changes_every_bit_pattern(tmp_path: Path) -> None:
    a = fileformat.read(_file(tmp_path, "Org A"))
    b = fileformat.read(_file(tmp_path, "Org B", secret=b"another secret, also long enough"))
    rows_a = {row.tobytes() for row in a.bits}
    assert not rows_a & {row.tobytes() for row in b.bits}
    assert a.key_check != b.key_check
    assert np.unpackbits(a.bits).mean() < 0.5
