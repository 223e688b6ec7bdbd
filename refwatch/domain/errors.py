"""Every error RefWatch raises on purpose, in one hierarchy.

A caller (the CLI, the web app) catches `RefWatchError` and shows `str(error)` to the user:
each message says what went wrong and what to do, and never contains a protected value
(a name, a note, report text, a contact), because messages end up in logs and terminals.
"""

from __future__ import annotations


class RefWatchError(Exception):
    """Base class: an expected failure with a message a user can act on."""


class WorkspaceError(RefWatchError):
    """The workspace is missing, already exists, or is misconfigured."""


class KeyMaterialError(RefWatchError):
    """Key material could not be used (wrong passphrase, missing keyfile)."""


class WrongPassphraseError(KeyMaterialError):
    """The passphrase or keyfile does not open this workspace's data key."""


class DecryptionError(RefWatchError):
    """A stored ciphertext failed authentication: tampered, moved, or under another key."""


class InputError(RefWatchError):
    """Bad input in a file being imported: names file, row, column and the offending value.

    The offending value is only included for non-protected columns: for a name or note
    column the message says which cell, not what it holds.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.reason = message
        where = []
        if file is not None:
            where.append(file)
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        shown = f" (value {value!r})" if value is not None else ""
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}{shown}" if prefix else f"{message}{shown}")


class DateError(ValueError):
    """A string is not a valid EDTF date; raised by the domain, wrapped into InputError."""


class AuditChainError(RefWatchError):
    """The audit chain does not verify; the message says where it breaks."""


class StorageError(RefWatchError):
    """The database could not be written (disk full, I/O error, server gone); the
    transaction was rolled back, so nothing of the failed change is kept."""


class ConflictError(RefWatchError):
    """A concurrent change won; reload and try again."""
