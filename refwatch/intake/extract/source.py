"""Reading a text file for extraction: UTF-8 text only, and not too much of it.

A file handed to `refwatch extract` may be anything: a binary someone mistook for text, a
file in another encoding, a device (/dev/zero never ends), a multi-gigabyte log. Each is
refused with an error naming the file, before more than the limit is read.
"""

from __future__ import annotations

import stat
from pathlib import Path

from refwatch.domain.errors import InputError
from refwatch.intake.extract.text import MAX_CHARS

MAX_BYTES = 4 * 1024 * 1024
"""About 1,300 pages of Korean (three bytes a syllable) or 4 million English characters
— but never more than `text.MAX_CHARS` characters once decoded."""


def read_text_file(path: Path) -> str:
    """The file's text; InputError (naming the file) if it is not a readable, regular,
    UTF-8 text file of at most MAX_BYTES bytes and MAX_CHARS characters."""
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("no such file", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read it ({exc.strerror or 'error'})", file=name) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError("is a folder, not a text file", file=name)
    if not stat.S_ISREG(info.st_mode):
        raise InputError("not a regular file (a device, pipe or socket)", file=name)
    if info.st_size > MAX_BYTES:
        raise InputError(
            f"too large ({info.st_size:,} bytes; at most {MAX_BYTES:,}): split the text",
            file=name,
        )
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read it ({exc.strerror or 'error'})", file=name) from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"too large (more than {MAX_BYTES:,} bytes): split the text", file=name)
    if b"\x00" in raw:
        raise InputError("a binary file, not text (it holds NUL bytes)", file=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not UTF-8 text (invalid byte at line {line}, byte offset {exc.start}); "
            "save it as UTF-8",
            file=name,
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text) > MAX_CHARS:
        raise InputError(f"too long ({len(text):,} characters; at most {MAX_CHARS:,})", file=name)
    return text


__all__ = ["MAX_BYTES", "read_text_file"]
