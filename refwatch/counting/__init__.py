"""Counting: honest bounds on how many persons, status as of a date, trends, checks, ledger.

Every number is a pair: at least (persons who certainly match) and at most (persons who
possibly match), computed over persons — distinct person links of the current mentions —
from a fact table folded from the evidence. docs/counting.md explains the rules.
"""

from refwatch.counting.checks import CheckOutcome, run_checks, status_conflicts
from refwatch.counting.count import Cell, CountResult, count_persons, evaluate, run_query
from refwatch.counting.filters import CountFilter
from refwatch.counting.ledger import record_entry, record_result
from refwatch.counting.ledger_check import LedgerCheck, ledger_show
from refwatch.counting.query import AGE_BANDS, DIMENSIONS, EVENTS, CountQuery, make_query
from refwatch.counting.snapshot import Snapshot, load_snapshot
from refwatch.counting.trends import TrendResult, trend

__all__ = [
    "AGE_BANDS",
    "DIMENSIONS",
    "EVENTS",
    "Cell",
    "CheckOutcome",
    "CountFilter",
    "CountQuery",
    "CountResult",
    "LedgerCheck",
    "Snapshot",
    "TrendResult",
    "count_persons",
    "evaluate",
    "ledger_show",
    "load_snapshot",
    "make_query",
    "record_entry",
    "record_result",
    "run_checks",
    "run_query",
    "status_conflicts",
    "trend",
]
