"""Fact sheets and public releases kept in the workspace: saved, listed, deleted, audited.

Why one module: `refwatch factsheet`, `refwatch publish` and the web pages make the same
documents (`build_factsheet`, `publish`). Each one made is written once to a folder of its
own under the workspace folder (`factsheets/<random id>/` with `sheet.json`,
`releases/<random id>/files/` with `release.json`), owner-only since an internal edition
lists pseudonymous ids, and its making is an audit entry. So a sheet made on the command
line is in the web list, a download is a file read, never a rebuild, and the ledger ids
in it stay the ones it was made with. The command line also copies the files to the
folder it was given.

Who may open or delete what is the caller's rule (roles live in the web app); this module
only refuses ids that are not ids, so a path trick never reaches the file system.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, Unpack

from refwatch.domain.errors import InputError
from refwatch.publish.disclosure import DEFAULT_K, DEFAULT_THRESHOLD
from refwatch.publish.factsheet import build_factsheet
from refwatch.publish.formats import FORMATS
from refwatch.publish.release import publish
from refwatch.store import saved
from refwatch.store.workspace import Workspace

SHEETS = "factsheets"
RELEASES = "releases"
SHEET_META = "sheet.json"
RELEASE_META = "release.json"
DELETING = ".deleting-"  # a sheet's folder while it is being deleted (never a sheet id)
SHEET_FILES = {"html": "factsheet.html", "pdf": "factsheet.pdf"}
PERSON_FILES = frozenset({"persons.csv", "persons.json"})
"""A release's person-level table: written only to the folder the command line names,
never kept in the workspace, so the web (which offers aggregated tables only) cannot
hand it out."""


@dataclass(frozen=True)
class SheetInfo:
    """What `sheet.json` says about a saved fact sheet."""

    id: str
    public: bool
    period_from: str
    period_to: str
    as_of: str | None
    threshold: int
    created_at: str
    actor: str
    ledger_ids: list[str]
    headlines: list[str]

    @property
    def edition(self) -> str:
        return "public" if self.public else "internal"

    def download_name(self, kind: str) -> str:
        safe = re.sub(r"[^0-9A-Za-z-]", "_", f"{self.period_from}-{self.period_to}")
        return f"refwatch-factsheet-{safe}-{self.edition}.{kind}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "public": self.public,
            "from": self.period_from,
            "to": self.period_to,
            "as_of": self.as_of,
            "threshold": self.threshold,
            "created_at": self.created_at,
            "actor": self.actor,
            "ledger_ids": self.ledger_ids,
            "headlines": self.headlines,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SheetInfo:
        return cls(
            id=str(data["id"]),
            public=bool(data["public"]),
            period_from=str(data["from"]),
            period_to=str(data["to"]),
            as_of=data.get("as_of"),
            threshold=int(data["threshold"]),
            created_at=str(data["created_at"]),
            actor=str(data["actor"]),
            ledger_ids=[str(i) for i in data["ledger_ids"]],
            headlines=[str(h) for h in data["headlines"]],
        )


@dataclass(frozen=True)
class SavedSheet:
    """A fact sheet just made: its record, and where its HTML and PDF are (the copies in
    the folder the caller named, if it named one)."""

    info: SheetInfo
    html: Path
    pdf: Path


def sheets_root(workspace: Workspace) -> Path:
    return workspace.path / SHEETS


class SheetRequest(TypedDict):
    """What a fact sheet is made as: its period, edition, status date, the threshold below
    which a number is withheld, and who made it; its record keeps the same."""

    period_from: str
    period_to: str
    public: bool
    as_of: str | None
    threshold: int
    actor: str


def make_factsheet(
    workspace: Workspace, *, copy_to: Path | None = None, **request: Unpack[SheetRequest]
) -> SavedSheet:
    """Build a fact sheet into a new folder of the workspace, record it and audit it.

    On any failure the folder goes and nothing is audited; `copy_to` gets factsheet.html
    and factsheet.pdf too (the command line's --out).
    """
    sheet_id, folder = saved.new_folder(sheets_root(workspace))
    try:
        sheet = build_factsheet(workspace, out_dir=folder, **request)
        info = SheetInfo(
            id=sheet_id,
            created_at=saved.now_text(),
            ledger_ids=sheet.ledger_ids,
            headlines=sheet.headlines,
            **request,
        )
        text = json.dumps(info.as_json(), ensure_ascii=False)
        (folder / SHEET_META).write_text(text, encoding="utf-8")
        html, pdf = sheet.html, sheet.pdf
        if copy_to is not None:
            copy_to.mkdir(parents=True, exist_ok=True)
            html = Path(shutil.copyfile(sheet.html, copy_to / sheet.html.name))
            pdf = Path(shutil.copyfile(sheet.pdf, copy_to / sheet.pdf.name))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    workspace.audit_log(
        info.actor,
        "factsheet.make",
        record_id=sheet_id,
        details={
            "edition": info.edition,
            "from": info.period_from,
            "to": info.period_to,
            "ledger_ids": info.ledger_ids,
        },
    )
    return SavedSheet(info, html, pdf)


def load_sheet(workspace: Workspace, sheet_id: str) -> SheetInfo | None:
    """The saved sheet with this id, or None (never made, deleted, or not an id)."""
    data = saved.load_record(sheets_root(workspace), sheet_id, SHEET_META)
    return None if data is None else SheetInfo.from_json(data)


def recent_sheets(workspace: Workspace, *, internal: bool) -> list[SheetInfo]:
    """The latest saved sheets, newest first; internal editions only if `internal`."""
    listed = saved.recent_records(
        sheets_root(workspace), SHEET_META, keep=lambda data: internal or bool(data["public"])
    )
    return [SheetInfo.from_json(data) for data in listed]


def sheet_file(workspace: Workspace, sheet: SheetInfo, kind: str) -> bytes | None:
    """The bytes of a saved sheet's "html" or "pdf", or None if it is gone meanwhile."""
    path = sheets_root(workspace) / sheet.id / SHEET_FILES[kind]
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None


def delete_sheet(workspace: Workspace, sheet: SheetInfo, actor: str) -> bool:
    """Remove a sheet's files (the ledger entries of its numbers stay, as every ledger
    entry does); False if another deletion got there first.

    The folder is first renamed out of sight (atomic: of two deletes at once, one finds
    nothing), then the deletion is audited, then the files go. A folder left renamed by a
    crash is removed, and audited, by the next deletion.
    """
    root = sheets_root(workspace)
    try:
        (root / sheet.id).rename(root / f"{DELETING}{sheet.id}")
    except FileNotFoundError:
        return False
    workspace.audit_log(
        actor,
        "factsheet.delete",
        record_id=sheet.id,
        details={"edition": sheet.edition, "ledger_ids": sheet.ledger_ids},
    )
    for left in root.glob(f"{DELETING}*"):
        if left.name != f"{DELETING}{sheet.id}":
            workspace.audit_log(
                "system",
                "factsheet.delete",
                record_id=left.name.removeprefix(DELETING),
                details={"finished_after_interruption": True},
            )
        shutil.rmtree(left, ignore_errors=True)
    return True


@dataclass(frozen=True)
class SavedRelease:
    """A release just made: its record (what `release.json` says), the files it wrote
    (in the folder the caller named, if it named one) and how many persons its
    person-level table holds and leaves out (None and 0 without one)."""

    info: dict[str, Any]
    files: list[Path]
    persons: int | None
    persons_withheld: int


def releases_root(workspace: Workspace) -> Path:
    return workspace.path / RELEASES


def make_release(
    workspace: Workspace,
    *,
    period_from: str | None,
    period_to: str | None,
    as_of: str | None,
    threshold: int = DEFAULT_THRESHOLD,
    formats: Sequence[str] = FORMATS,
    actor: str,
    persons: bool = False,
    k: int = DEFAULT_K,
    copy_to: Path | None = None,
) -> SavedRelease:
    """Write a public release into a new folder of the workspace, record it, audit it.

    A person-level table (`persons`) needs `copy_to`: it is written there only.
    """
    if persons and copy_to is None:
        raise InputError("a person-level table is written only to a folder you name (--out)")
    chosen = tuple(dict.fromkeys(formats))
    release_id, folder = saved.new_folder(releases_root(workspace))
    files = folder / "files"
    try:
        release = publish(
            workspace,
            files,
            period_from=period_from,
            period_to=period_to,
            as_of=as_of,
            threshold=threshold,
            formats=chosen,
            persons=persons,
            k=k,
            actor=actor,
        )
        written = release.files
        if copy_to is not None:
            written = [_copy(path, files, copy_to) for path in release.files]
        kept = []
        for path in release.files:
            if path.name in PERSON_FILES:
                path.unlink()
            else:
                kept.append(path.relative_to(files).as_posix())
        info: dict[str, Any] = {
            "id": release_id,
            "from": period_from or "",
            "to": period_to or "",
            "as_of": as_of,
            "threshold": threshold,
            "formats": list(chosen),
            "files": sorted(kept),
            "suppressed_cells": release.suppressed_cells,
            "ledger_ids": release.ledger_ids,
            "created_at": saved.now_text(),
            "actor": actor,
        }
        text = json.dumps(info, ensure_ascii=False)
        (folder / RELEASE_META).write_text(text, encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    details: dict[str, Any] = {
        "from": info["from"],
        "to": info["to"],
        "threshold": threshold,
        "suppressed_cells": release.suppressed_cells,
        "ledger_ids": release.ledger_ids,
    }
    if release.persons is not None:
        details["person_table_rows"] = release.persons
    workspace.audit_log(actor, "publish.release", record_id=release_id, details=details)
    return SavedRelease(info, written, release.persons, release.persons_withheld)


def _copy(path: Path, root: Path, target: Path) -> Path:
    destination = target / path.relative_to(root)
    destination.parent.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(path, destination))


def load_release(workspace: Workspace, release_id: str) -> dict[str, Any] | None:
    """The saved release with this id, or None (never made, or not an id)."""
    return saved.load_record(releases_root(workspace), release_id, RELEASE_META)


def recent_releases(workspace: Workspace) -> list[dict[str, Any]]:
    """The latest saved releases, newest first."""
    return saved.recent_records(releases_root(workspace), RELEASE_META)


def release_files(workspace: Workspace, release: dict[str, Any]) -> list[tuple[Path, str]]:
    """(path, name) of each file a saved release lists that is still inside its folder."""
    files = releases_root(workspace) / str(release["id"]) / "files"
    found = []
    for name in release["files"]:
        path = files / str(name)
        if path.is_file() and path.resolve().is_relative_to(files.resolve()):
            found.append((path, str(name)))
    return found
