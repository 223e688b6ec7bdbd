"""Statuses as the pages show them, and the rule that gives a person theirs.

The rule is the counting engine's (`refwatch.counting.status`), so the dashboard's "55
still held" is the number `refwatch count --status detained` and `/api/v1/counts` give:
the latest credible report wins, and a person whose reports contradict each other (a
return, and a later report of detention; two different outcomes; an exit before the
apprehension) is marked as a conflict. A person no report gives a status for is unknown.
"""

from __future__ import annotations

from refwatch.counting.status import RULE
from refwatch.domain.enums import Status

# The order the dashboard lists statuses in.
STATUS_ORDER: tuple[Status, ...] = (
    Status.DETAINED,
    Status.RETURNED,
    Status.RELEASED,
    Status.SAFE,
    Status.HELD_IN_DPRK,
    Status.DISAPPEARED,
    Status.DIED,
    Status.UNKNOWN,
)
STATUS_RULE = RULE
