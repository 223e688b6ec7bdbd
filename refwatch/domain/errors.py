"""Every error RefWatch raises on purpose, in one hierarchy, and the codes that word them.

A caller (the CLI, the web app) catches `RefWatchError`. An error made from a code
(`InputError(code="date.not_edtf", field="as_of", params={"value": "'2017-13'"})`) keeps
the code, the field it is about and its parameters, so each interface words it itself:
`str(error)` is the English the CLI prints (a field named as its option, `--as-of`), and
the web app looks the code's English template up in its Babel catalogue and names the
field by its form label. The English template of a code is its message id there: one
wording per code, defined once with `define` next to the rule that raises it.

Messages never contain a protected value (a name, a note, report text, a contact),
because they end up in logs and terminals. Parameters are the values as a message shows
them (a quoted value is passed quoted, `repr(text)`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict, Unpack

WORDINGS: dict[str, str] = {}
"""Code → English template with `%(name)s` parameters (the Babel message id)."""
FOLLOWS_FIELD: set[str] = set()
"""Codes whose English reads on from the field's name ("--sex takes one of …") rather
than after a colon ("--as-of: not an EDTF date …")."""


def define(code: str, template: str, *, follows_field: bool = False) -> str:
    """Register the English wording of `code` (once) and return the code."""
    known = WORDINGS.setdefault(code, template)
    if known != template:
        raise ValueError(f"message code {code} is defined twice with different wordings")
    if follows_field:
        FOLLOWS_FIELD.add(code)
    return code


def wording(code: str, params: Mapping[str, object] | None = None) -> str:
    """The English of `code` with its parameters filled in."""
    template = WORDINGS[code]
    return template % dict(params) if params else template


def option_name(field: str) -> str:
    """How the CLI names a field: its option (`as_of` → `--as-of`)."""
    return "--" + field.replace("_", "-")


def with_field(code: str | None, field: str | None, text: str, label: str) -> str:
    """`text` about `field`, named `label` (English word order)."""
    if field is None:
        return text
    return f"{label} {text}" if code in FOLLOWS_FIELD else f"{label}: {text}"


class Message(str):
    """An English text that remembers its code and parameters (an estimate's warning, one
    reason of a refusal): it is used as the string it is, and an interface that speaks
    another language words it again from the code. `Message.joined` keeps several
    reasons (a refusal's "; "-joined list) as its `parts`."""

    code: str | None
    params: dict[str, object]
    parts: tuple[str, ...]

    def __new__(cls, code: str, **params: object) -> Message:
        return cls._made(wording(code, params), code, params, ())

    @classmethod
    def joined(cls, parts: Sequence[str]) -> Message:
        """Several reasons as one text ("; " between them), each kept."""
        return cls._made("; ".join(parts), None, {}, tuple(parts))

    @classmethod
    def _made(
        cls, text: str, code: str | None, params: dict[str, object], parts: tuple[str, ...]
    ) -> Message:
        made = super().__new__(cls, text)
        made.code = code
        made.params = params
        made.parts = parts
        return made

    def __reduce__(self) -> tuple[object, ...]:
        # A worker process gets the message back with its code (str's own pickling would
        # make a plain string).
        return (Message._made, (str(self), self.code, self.params, self.parts))


class ErrorDetails(TypedDict, total=False):
    """How an error made from a code is made, besides its message: the code, the field
    (option) it is about and the code's parameters. Every subclass takes them as they
    are and hands them on."""

    code: str | None
    field: str | None
    params: Mapping[str, object] | None


class RefWatchError(Exception):
    """Base class: an expected failure with a message a user can act on.

    Made from a free message (`RefWatchError("…")`) or from a code, its field and its
    parameters; `reason` is the English without the field, `str()` the CLI's line.
    """

    def __init__(self, message: str | None = None, **details: Unpack[ErrorDetails]) -> None:
        # `Unpack` is checked by mypy only: a misspelt keyword would otherwise drop the
        # field or the code without a word.
        unknown = details.keys() - ErrorDetails.__annotations__.keys()
        if unknown:
            raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        self.code = code = details.get("code")
        self.field = details.get("field")
        self.params: dict[str, object] = dict(details.get("params") or {})
        if message is None:
            if code is None:
                raise TypeError("an error needs a message or a code")
            message = wording(code, self.params)
        self.reason = message
        super().__init__(self._text())

    def _text(self) -> str:
        field = self.field
        return with_field(self.code, field, self.reason, option_name(field) if field else "")


class WorkspaceError(RefWatchError):
    """The workspace is missing, already exists, or is misconfigured."""


class KeyMaterialError(RefWatchError):
    """Key material could not be used (wrong passphrase, missing keyfile)."""


class WrongPassphraseError(KeyMaterialError):
    """The passphrase or keyfile does not open this workspace's data key."""


class DecryptionError(RefWatchError):
    """A stored ciphertext failed authentication: tampered, moved, or under another key."""


class InputError(RefWatchError):
    """Bad input: in a file being imported it names file, row, column and the offending
    value; in a query or form, the field (option) it is about.

    The offending value is only included for non-protected columns: for a name or note
    column the message says which cell, not what it holds.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        **details: Unpack[ErrorDetails],
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        super().__init__(message, **details)

    def _text(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        shown = f" (value {self.value!r})" if self.value is not None else ""
        prefix = ", ".join(where)
        text = super()._text()
        return f"{prefix}: {text}{shown}" if prefix else f"{text}{shown}"


NOT_EDTF = define("date.not_edtf", "not an EDTF date: %(value)s")
ENDS_BEFORE_START = define("date.ends_before_start", "interval ends before it starts: %(value)s")
NO_BOUNDS = define("date.no_bounds", "EDTF date without bounds: %(value)s")
OUT_OF_RANGE = define("date.out_of_range", "EDTF date out of range: %(value)s")
EMPTY_DATE = define("date.empty", "empty date")


class DateError(ValueError):
    """A string is not a valid EDTF date; raised by the domain, wrapped into InputError
    (keeping its code, so the wrapper is worded from the same code)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(wording(code, params))


class AuditChainError(RefWatchError):
    """The audit chain does not verify; the message says where it breaks."""


class StorageError(RefWatchError):
    """The database could not be written (disk full, I/O error, server gone); the
    transaction was rolled back, so nothing of the failed change is kept."""


class ConflictError(RefWatchError):
    """A concurrent change won; reload and try again."""
