"""The encoding file: JSON Lines, one header line, then one line per person.

Why JSON Lines: a coordinator reads files from organisations it does not fully trust, so
every line is checked on its own and an error names the file and the line; the format is
plain enough to inspect by eye that it holds no name.

Line 1 (header)::

    {"format": "refwatch-pprl", "version": 2, "organisation": "...", "created": "...",
     "schema": {...}, "key_check": "...", "records": N, "strata": ["period", "region"]}

Lines 2 to N+1::

    {"id": "r1", "period": "2017-Q3", "region": "gz-...", "bits": "<base64>"}

Version 2 added the apprehension day and the dated outcome to the encoding and changed
how the coordinator scores pairs; a version 1 file is refused by name (its bits would be
compared field by field with segments that are not there).

The ids are numbers in a shuffled order, not person ids: the file says nothing about how
the organisation numbers its persons. Nothing else is written: no name, no name key, no
secret.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import numpy as np

from refwatch.share.encoding import SCHEME, VERSION, Bits, Schema
from refwatch.share.errors import ShareError

MAX_FILE_BYTES: Final = 256 * 1024 * 1024
MAX_LINE_BYTES: Final = 16 * 1024
MAX_RECORDS: Final = 1_000_000
MAX_LABEL: Final = 80
STRATA: Final = ("period", "region")
_LABEL = re.compile(r"^[^\x00-\x1f\x7f,\"]{1,80}$")
_STRATUM = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")


@dataclass
class EncodingFile:
    """One organisation's encodings, read and checked."""

    organisation: str
    schema: Schema
    key_check: str
    created: str
    ids: list[str]
    strata: dict[str, list[str]]
    bits: Bits
    name: str = ""
    #: The organisation's own person id of each record, in memory only (never written):
    #: lets the organisation that made the file, and the benchmarks, map results back.
    local_ids: list[str] | None = None

    def __len__(self) -> int:
        return len(self.ids)


def _header(file: EncodingFile) -> dict[str, Any]:
    return {
        "format": SCHEME,
        "version": VERSION,
        "organisation": file.organisation,
        "created": file.created,
        "schema": file.schema.as_dict(),
        "key_check": file.key_check,
        "records": len(file.ids),
        "strata": list(STRATA),
    }


def dump(file: EncodingFile, handle: IO[str]) -> None:
    handle.write(json.dumps(_header(file), ensure_ascii=False) + "\n")
    for row, record_id in enumerate(file.ids):
        line = {
            "id": record_id,
            **{name: file.strata[name][row] for name in STRATA},
            "bits": base64.b64encode(file.bits[row].tobytes()).decode("ascii"),
        }
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def write(file: EncodingFile, path: Path) -> None:
    """Write owner-only, atomically (a half-written file is never left under the name)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as handle:
        dump(file, handle)
    os.replace(tmp, path)


def valid_label(text: str) -> bool:
    return bool(_LABEL.match(text)) and text.strip() == text and text != "count"


def _fail(name: str, line: int | None, message: str, code: str = "share.bad_file") -> ShareError:
    return ShareError(code, message, file=name, line=line)


def _object(raw: bytes, name: str, line: int) -> dict[str, Any]:
    if len(raw) > MAX_LINE_BYTES:
        raise _fail(name, line, f"line longer than {MAX_LINE_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _fail(name, line, "not UTF-8 text") from None
    except ValueError:
        raise _fail(name, line, "not a JSON object (truncated or garbled?)") from None
    if not isinstance(data, dict):
        raise _fail(name, line, "not a JSON object")
    return data


def parse_header(data: dict[str, Any], name: str) -> tuple[str, Schema, str, str, int]:
    if data.get("format") != SCHEME:
        raise _fail(name, 1, "not a RefWatch encoding file (format is not refwatch-pprl)")
    if data.get("version") != VERSION:
        raise _fail(
            name,
            1,
            f"encoding version {data.get('version')!r}; this RefWatch reads version {VERSION} "
            "only: every organisation must encode again with the same RefWatch version "
            "(encodings of two versions cannot be compared)",
            "share.version",
        )
    organisation = data.get("organisation")
    if not isinstance(organisation, str) or not valid_label(organisation):
        raise _fail(name, 1, "the organisation label is missing or not a short plain label")
    try:
        schema = Schema.from_dict(data["schema"])
    except (KeyError, TypeError, ValueError):
        raise _fail(name, 1, "the encoding schema is missing or malformed") from None
    if schema.version != VERSION:
        raise _fail(name, 1, "the schema version does not match", "share.version")
    check = data.get("key_check")
    if not isinstance(check, str) or not re.fullmatch(r"[0-9a-f]{32}", check):
        raise _fail(name, 1, "the key check is missing or malformed")
    records = data.get("records")
    if not isinstance(records, int) or isinstance(records, bool) or not records >= 0:
        raise _fail(name, 1, "the record count is missing or malformed")
    if records > MAX_RECORDS:
        raise _fail(name, 1, f"more than {MAX_RECORDS:,} records", "share.too_large")
    created = data.get("created")
    return organisation, schema, check, created if isinstance(created, str) else "", records


def read(path: Path, *, display_name: str | None = None) -> EncodingFile:
    """Read and check a file; every problem is a ShareError naming the file and the line."""
    name = display_name or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _fail(name, None, f"cannot read the file ({exc.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise _fail(name, None, f"larger than {MAX_FILE_BYTES // 2**20} MB", "share.too_large")
    with open(path, "rb") as handle:
        return parse(handle, name)


def parse(handle: IO[bytes], name: str) -> EncodingFile:
    first = handle.readline(MAX_LINE_BYTES + 1)
    if not first.strip():
        raise _fail(name, 1, "empty file: no header line")
    organisation, schema, check, created, records = parse_header(_object(first, name, 1), name)
    width = schema.total_bytes
    bits = np.zeros((records, width), dtype=np.uint8)
    ids: list[str] = []
    seen: set[str] = set()
    strata: dict[str, list[str]] = {s: [] for s in STRATA}
    line = 1
    for raw in iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""):
        line += 1
        if not raw.strip():
            raise _fail(name, line, "empty line")
        if len(ids) >= records:
            raise _fail(name, line, f"more records than the header's {records}")
        data = _object(raw, name, line)
        record_id = data.get("id")
        if not isinstance(record_id, str) or not _STRATUM.match(record_id):
            raise _fail(name, line, "the record id is missing or malformed")
        if record_id in seen:
            raise _fail(name, line, f"record id {record_id!r} repeats")
        for stratum in STRATA:
            value = data.get(stratum)
            if not isinstance(value, str) or not _STRATUM.match(value):
                raise _fail(name, line, f"the {stratum} is missing or malformed")
            strata[stratum].append(value)
        encoded = data.get("bits")
        try:
            if not isinstance(encoded, str):
                raise ValueError
            vector = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error):
            raise _fail(name, line, "the bits are not base64") from None
        if len(vector) != width:
            raise _fail(name, line, f"the bits have {len(vector)} bytes; the schema says {width}")
        extra = set(data) - {"id", "bits", *STRATA}
        if extra:
            raise _fail(name, line, f"unexpected fields {sorted(extra)}")
        bits[len(ids)] = np.frombuffer(vector, dtype=np.uint8)
        seen.add(record_id)
        ids.append(record_id)
    if len(ids) != records:
        raise _fail(
            name,
            line,
            f"the header announces {records} records but the file has {len(ids)} (truncated?)",
            "share.truncated",
        )
    return EncodingFile(organisation, schema, check, created, ids, strata, bits, name)
