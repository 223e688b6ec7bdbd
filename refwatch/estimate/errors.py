"""The one error the estimation room raises on purpose.

Why a subclass of `RefWatchError`: the CLI and the web app already turn those into one
plain line for the user.  Messages here say what is wrong with the lists and what to do
(merge two lists, widen the period), never anything about a person.
"""

from __future__ import annotations

from refwatch.domain.errors import RefWatchError


class EstimationError(RefWatchError):
    """The lists cannot support an estimate as asked (too few lists, no overlap, bad table)."""
