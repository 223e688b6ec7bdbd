"""Request and response bodies of the person-edit API (a pinned status), for OpenAPI.

The reason is a protected value (it may name people): it is sealed at rest and comes
back only to roles that may see names; for everyone else it is null.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from refwatch.domain.enums import Status

MAX_VERSION = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL


class PinChange(BaseModel):
    """Pin the person's status (or remove the pin), if the person is still at `version`."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(
        ge=1, le=MAX_VERSION, description="The person's version as you read it (GET …/pin)"
    )
    status: Status | None = Field(description="The status to pin; null removes the pin")
    as_of: str | None = Field(
        default=None,
        max_length=64,
        description="EDTF date on which the pinned status held; required with a status",
    )
    reason: str = Field(
        min_length=1, max_length=1000, description="Why (sealed at rest; may name people)"
    )


class PinOut(BaseModel):
    version: int = Field(description="The person version this change produced")
    status: str | None = Field(description="The pinned status; null: the pin was removed")
    as_of: str | None = Field(description="EDTF date on which the pinned status held")
    as_of_earliest: date | None
    as_of_latest: date | None
    reason: str | None = Field(description="Only for roles that may see names")
    edited_by: str
    edited_at: datetime


class PersonPinOut(BaseModel):
    person_id: str
    version: int = Field(description="Send this back with a change (optimistic locking)")
    pin: PinOut | None = Field(description="The pin in force; null: the reports decide")
    history: list[PinOut] = Field(description="Every pin change, oldest first")


class PinResult(BaseModel):
    person_id: str
    version: int = Field(description="The person's new version")
    change: PinOut


class EditConflictOut(BaseModel):
    detail: str
    person_id: str
    your_version: int
    current_version: int = Field(description="Reload at this version and apply the change again")


class ErrorOut(BaseModel):
    detail: str
