"""Files written out of the workspace (an attachment, the XLSForm): the path checked
before anything is read or made, and the file replaced whole or not at all.

Why one module: every command that writes a file to a path the user gives must refuse
the same tricks (a missing folder, a symbolic link or a folder in the file's place, an
existing file without `--force`) with the same words, and must never leave half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from refwatch.domain.errors import InputError


def check_out_path(out: Path, *, force: bool) -> None:
    """Refuse a path a file must not be written to: a folder that does not exist, a link
    or a folder in its place, or an existing file without `force`."""
    if not out.parent.is_dir():
        raise InputError(f"the folder {out.parent} does not exist", file=str(out))
    if out.is_symlink():
        raise InputError("the path is a symbolic link; give the real file", file=str(out))
    if out.exists() and not out.is_file():
        raise InputError("the path exists and is not a file", file=str(out))
    if out.exists() and not force:
        raise InputError("the file exists; add --force to write over it", file=str(out))


def write_whole(
    out: Path, write: Callable[[Path], object], *, prefix: str, suffix: str = ""
) -> None:
    """Make the file with `write` at a temporary path beside `out` (owner-only), then
    rename it over `out`: a failure leaves `out` as it was and no temporary file."""
    handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=out.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
