"""Edit a person through the API: pin their status, with optimistic locking.

`GET /api/v1/persons/{id}/pin` gives the person's `version`, the pin in force and its
history; `PATCH /api/v1/persons/{id}` sends that version back with the change. If someone
else changed the person in between, nothing is written and the answer is 409 with the
version now stored (see `refwatch.store.person_pins`). Reasons are sealed; they are shown,
and their reading audited, only for roles that may see names.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from refwatch.domain.errors import InputError
from refwatch.store import person_pins
from refwatch.store.crypto import FieldCipher
from refwatch.store.person_pins import PinEdit, UnknownPersonError, VersionConflictError
from refwatch.web.api_models import copied
from refwatch.web.deps import (
    API_ERRORS,
    audit_name_read,
    get_cipher,
    get_workspace,
    now,
)
from refwatch.web.person_edit_models import (
    EditConflictOut,
    ErrorOut,
    PersonPinOut,
    PinChange,
    PinOut,
    PinResult,
)
from refwatch.web.roles import EvidenceWrite, PersonsView

router = APIRouter(prefix="/api/v1", tags=["persons"], responses=API_ERRORS)

READ_ANSWERS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}}
EDIT_ANSWERS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The change cannot be used (date, reason)"},
    404: {"model": ErrorOut, "description": "No such person"},
    409: {"model": EditConflictOut, "description": "Someone else changed the person first"},
    503: {"model": ErrorOut, "description": "The server was started without the key"},
}


def _pin_out(edit: PinEdit, cipher: FieldCipher | None) -> PinOut:
    return copied(
        PinOut,
        edit,
        reason=None if cipher is None else edit.reason(cipher),
        edited_by=edit.actor.removeprefix("web:"),
    )


@router.get("/persons/{person_id}/pin", response_model=PersonPinOut, responses=READ_ANSWERS)
def get_pin(request: Request, person_id: str, user: PersonsView) -> PersonPinOut:
    """The person's version (send it back with a change), the pin in force and its history."""
    with get_workspace(request).read() as conn:
        state = person_pins.pin_state(conn, person_id)
    if state is None:
        raise HTTPException(404)
    version, edits = state
    cipher = get_cipher(request)
    history = [_pin_out(e, cipher) for e in edits]
    if cipher is not None and history:
        audit_name_read(request, "api person pin", len(history), person_id)
    latest = history[-1] if history else None
    return PersonPinOut(
        person_id=person_id,
        version=version,
        pin=latest if latest is not None and latest.status is not None else None,
        history=history,
    )


@router.patch("/persons/{person_id}", response_model=PinResult, responses=EDIT_ANSWERS)
def edit_person(
    request: Request, person_id: str, change: PinChange, user: EvidenceWrite
) -> PinResult | JSONResponse:
    """Pin the person's status (or remove the pin) if they are still at `version`.

    "The latest credible report wins unless a human pinned it": this is the human. The
    reports are not touched. A stale `version` changes nothing and answers 409.
    """
    cipher = get_cipher(request)
    if cipher is None:
        raise HTTPException(503, "the server was started without the key: reasons cannot be sealed")
    try:
        edit = person_pins.pin_status(
            get_workspace(request),
            cipher,
            person_id,
            expected_version=change.version,
            status=change.status,
            as_of=change.as_of,
            reason=change.reason,
            actor=user.actor,
            now=now(request),
        )
    except UnknownPersonError:
        raise HTTPException(404) from None
    except VersionConflictError as exc:
        body = EditConflictOut(
            detail=str(exc),
            person_id=person_id,
            your_version=exc.sent,
            current_version=exc.current,
        )
        return JSONResponse(body.model_dump(), status_code=409)
    except InputError as exc:
        raise HTTPException(400, str(exc)) from None
    return PinResult(person_id=person_id, version=edit.version, change=_pin_out(edit, cipher))
