"""The one error the estimation room raises on purpose.

Why a subclass of `RefWatchError`: the CLI and the web app already turn those into one
plain line for the user.  Messages here say what is wrong with the lists and what to do
(merge two lists, widen the period), never anything about a person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from refwatch.domain.errors import Message, RefWatchError


class EstimationError(RefWatchError):
    """The lists cannot support an estimate as asked (too few lists, no overlap, bad table).

    `reasons` (each a `Message` with its code) make a refusal of several reasons; its
    `reason` is then one `Message` that keeps them, so a stratum's refusal stored as text
    can still be worded in another language."""

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        params: Mapping[str, object] | None = None,
        reasons: Sequence[str] = (),
    ) -> None:
        if message is None and code is not None:
            message = Message(code, **(params or {}))
        if message is None and reasons:
            message = Message.joined(reasons)
        super().__init__(message, code=code, field=field, params=params)
