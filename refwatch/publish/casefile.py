"""Make a case file: check the ids and the consent, audit, gather the facts, render.

Why one function: the CLI (`refwatch casefile`) and the person page's button must refuse
the same persons, audit the same way and produce the same document. The order matters:

1. ids are checked against the pseudonymous id pattern (they end up in a file name);
2. every person must exist, and every person's consent must allow a case file (named
   advocacy, or a documented exception; `refwatch.domain.consent`), else the whole case
   file is refused, nothing is rendered, and the refusal is audited;
3. the making is audited (who, which kind and format, which person ids, which of them
   under an exception) before any name is decrypted, so a failure later still leaves
   its trace; the audit carries ids only, never a name;
4. the document is rendered in memory; `write_casefile` alone touches the disk.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from refwatch.domain.consent import Decision, EffectiveConsent, Use, decide
from refwatch.domain.errors import InputError, RefWatchError
from refwatch.publish.casefile_content import (
    AFTER_RETURN,
    KIND_TITLES,
    KINDS,
    CaseFile,
    PersonDetail,
    Statuses,
    dossier,
    new_notes,
    read_names,
)
from refwatch.publish.casefile_docx import render_docx
from refwatch.publish.casefile_pdf import render_pdf
from refwatch.store.consents import effective_consents
from refwatch.store.crypto import FieldCipher
from refwatch.store.stats import is_synthetic
from refwatch.store.workspace import Workspace

PERSON_ID = re.compile(r"^P-\d{6,9}$")
FORMATS = ("pdf", "docx")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAX_PERSONS = 50
REASONS = {
    "not_recorded": "no consent is recorded",
    "below": "the consent recorded does not allow naming the person",
}


class UnknownPersonsError(RefWatchError):
    """Some ids name no person with current evidence (the web answers 404)."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(f"no such person: {', '.join(missing)}")


class ConsentRefusedError(RefWatchError):
    """The consent of some persons does not allow a case file; nothing was made."""

    def __init__(self, refused: Mapping[str, str]) -> None:
        self.refused = dict(refused)
        listed = "; ".join(f"{p}: {REASONS.get(r, r)}" for p, r in sorted(self.refused.items()))
        super().__init__(
            "refused: a case file names the person, which needs their consent to named "
            f"advocacy or a documented exception ({listed}); record it with "
            "`refwatch consent set`"
        )


@dataclass(frozen=True)
class CaseFileOutput:
    """A rendered case file: bytes, and a file name made of ids only (never a name)."""

    file_name: str
    data: bytes
    media_type: str
    kind: str
    fmt: str
    person_ids: list[str]
    by_exception: list[str]


def checked_ids(person_ids: Iterable[str]) -> list[str]:
    """The ids, upper-cased and without repeats; InputError for anything that is not a
    pseudonymous person id (a path, a name, a NUL), so no input reaches a file name."""
    found: list[str] = []
    for raw in person_ids:
        text = raw.strip().upper()
        if not PERSON_ID.match(text):
            shown = raw if len(raw) <= 40 and raw.isprintable() else None
            raise InputError("not a person id (e.g. P-000123)", column="person", value=shown)
        if text not in found:
            found.append(text)
    if not found:
        raise InputError("name at least one person id")
    if len(found) > MAX_PERSONS:
        raise InputError(f"at most {MAX_PERSONS} persons in one case file")
    return found


def suggested_kind(statuses: Iterable[str | None]) -> str:
    """The form that fits when none is asked for: an urgent appeal while someone is held in
    China, the WGEID's when someone disappeared after return, else the WGAD's."""
    seen = set(statuses)
    if "detained" in seen:
        return "urgent-appeal"
    if "disappeared" in seen:
        return "wgeid"
    return "wgad"


def file_name(kind: str, fmt: str, person_ids: list[str]) -> str:
    more = f"-and-{len(person_ids) - 1}-more" if len(person_ids) > 1 else ""
    name = f"casefile-{kind}-{person_ids[0]}{more}.{fmt}"
    assert name == Path(name).name and PERSON_ID.match(person_ids[0])
    return name


Loader = Callable[[Connection, str], PersonDetail | None]


def _check_choices(fmt: str, kind: str | None) -> None:
    if fmt not in FORMATS:
        raise InputError(f"the format is one of {', '.join(FORMATS)}", value=fmt[:20])
    if kind is not None and kind not in KINDS:
        raise InputError(f"the kind is one of {', '.join(KINDS)}", value=kind[:20])


def _decisions(
    workspace: Workspace,
    ids: list[str],
    consents: dict[str, EffectiveConsent],
    actor: str,
    kind: str | None,
    fmt: str,
) -> dict[str, Decision]:
    """What consent allows for each person's case file; ConsentRefusedError (audited) as
    soon as one person's consent refuses it."""
    decisions = {pid: decide(consents[pid], Use.CASE_FILE) for pid in ids}
    refused = {pid: d.reason for pid, d in decisions.items() if not d.allowed}
    if refused:
        details = {"persons": ids, "refused": sorted(refused), "kind": kind, "format": fmt}
        _audited(workspace, actor, "casefile.refused", ids, details)
        raise ConsentRefusedError(refused)
    return decisions


def _audited(
    workspace: Workspace, actor: str, action: str, ids: list[str], details: dict[str, Any]
) -> None:
    """A case file made or refused, in the audit trail: the person's id when there is one,
    every id in `details`."""
    workspace.audit_log(
        actor,
        action,
        table_name="persons",
        record_id=ids[0] if len(ids) == 1 else None,
        details=details,
    )


def make_casefile(
    workspace: Workspace,
    cipher: FieldCipher,
    person_ids: Iterable[str],
    *,
    load_person: Loader,
    statuses: Callable[[], Statuses],
    actor: str,
    kind: str | None = None,
    fmt: str = "pdf",
    as_of: date | None = None,
) -> CaseFileOutput:
    """The case file for one person or a group (see the module doc for the order of checks).

    `load_person` is `refwatch.persons.timeline.load_person` and `statuses` gives the
    `refwatch.persons.listing` snapshot as of the date (built only once consent allows):
    the persons room is a sibling of this one, so the CLI and the web pass them in.
    Raises InputError (ids, kind, format), UnknownPersonsError or ConsentRefusedError.
    """
    ids = checked_ids(person_ids)
    _check_choices(fmt, kind)
    day = as_of or date.today()
    with workspace.read() as conn:
        loaded = {pid: load_person(conn, pid) for pid in ids}
        missing = [pid for pid, detail in loaded.items() if detail is None]
        if missing:
            raise UnknownPersonsError(missing)
        consents = effective_consents(conn, ids)
    details: dict[str, PersonDetail] = {p: d for p, d in loaded.items() if d is not None}
    decisions = _decisions(workspace, ids, consents, actor, kind, fmt)
    snap = statuses()
    summaries = {pid: snap.get(pid) for pid in ids}
    chosen = kind or suggested_kind(s.status.value if s else None for s in summaries.values())
    members = {m for d in details.values() for g in d.groups for m in g.members}
    member_statuses = {m: s.status.value for m in members if (s := snap.get(m)) is not None}
    by_exception = [pid for pid, d in decisions.items() if d.by_exception]
    returned = sum(1 for s in member_statuses.values() if s in AFTER_RETURN)
    made: dict[str, Any] = {"persons": ids, "kind": chosen, "format": fmt}
    made |= {"by_exception": by_exception, "returned_in_groups": returned}
    _audited(workspace, actor, "casefile.make", ids, made)
    notes = new_notes()
    with workspace.read() as conn:
        dossiers = [
            dossier(
                chosen,
                details[pid],
                read_names(conn, cipher, [m.id for m in details[pid].mentions]),
                summaries[pid],
                member_statuses,
                consents[pid],
                decisions[pid],
                day,
                notes,
            )
            for pid in ids
        ]
    casefile = CaseFile(
        kind=chosen,
        title=KIND_TITLES[chosen],
        as_of=day,
        person_ids=ids,
        dossiers=dossiers,
        footnotes=notes.items,
        synthetic=is_synthetic(workspace),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    data = render_pdf(casefile) if fmt == "pdf" else render_docx(casefile)
    return CaseFileOutput(
        file_name(chosen, fmt, ids), data, MEDIA_TYPES[fmt], chosen, fmt, ids, by_exception
    )


def write_casefile(out_dir: Path, output: CaseFileOutput) -> Path:
    """Write the case file into `out_dir` (made owner-only if it is new), under its own
    name: created exclusively (an existing file, or a symbolic link planted under that
    name, is refused, never followed or overwritten), readable by its owner only."""
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = out_dir / output.file_name
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(path, flags, 0o600)
    except FileExistsError:
        raise InputError(
            f"{path} already exists; delete it or choose another --out folder"
        ) from None
    with os.fdopen(handle, "wb") as stream:
        stream.write(output.data)
    return path
