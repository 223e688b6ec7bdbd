"""The errors of the sharing room.

Why a code as well as a message: the CLI prints the message; the web page words the code
in the user's language. Messages name the file and line of a bad encoding file, never a
secret or a person.
"""

from __future__ import annotations

from refwatch.domain.errors import RefWatchError


class ShareError(RefWatchError):
    """An encoding or link cannot be made as asked (weak secret, bad file, mixed secrets)."""

    code: str

    def __init__(
        self, code: str, message: str, *, file: str | None = None, line: int | None = None
    ) -> None:
        self.file = file
        self.line = line
        where = ", ".join(part for part in (file, None if line is None else f"line {line}") if part)
        super().__init__(f"{where}: {message}" if where else message, code=code)
