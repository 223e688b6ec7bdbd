"""The one error the estimation room raises on purpose.

Why a subclass of `RefWatchError`: the CLI and the web app already turn those into one
plain line for the user.  Messages here say what is wrong with the lists and what to do
(merge two lists, widen the period), never anything about a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from refwatch.domain.errors import ErrorDetails, Message, RefWatchError


class EstimationError(RefWatchError):
    """The lists cannot support an estimate as asked (too few lists, no overlap, bad table).

    `reasons` (each a `Message` with its code) make a refusal of several reasons; its
    `reason` is then one `Message` that keeps them, so a stratum's refusal stored as text
    can still be worded in another language."""

    def __init__(
        self,
        message: str | None = None,
        *,
        reasons: Sequence[str] = (),
        **details: Unpack[ErrorDetails],
    ) -> None:
        code = details.get("code")
        if message is None and code is not None:
            message = Message(code, **(details.get("params") or {}))
        if message is None and reasons:
            message = Message.joined(reasons)
        super().__init__(message, **details)
