"""Publications: fact sheets (HTML, PDF) and public data with disclosure control.

Every number published comes from the counting engine and is written to the number
ledger first; public outputs never carry names or person ids, and small cells are
suppressed so no person can be singled out.
"""

from refwatch.publish.disclosure import (
    DEFAULT_K,
    DEFAULT_THRESHOLD,
    DisclosureError,
    PublicCell,
    PublicTable,
    check_k_anonymity,
    suppress,
)
from refwatch.publish.factsheet import FactSheet, build_factsheet
from refwatch.publish.release import Release, publish

__all__ = [
    "DEFAULT_K",
    "DEFAULT_THRESHOLD",
    "DisclosureError",
    "FactSheet",
    "PublicCell",
    "PublicTable",
    "Release",
    "build_factsheet",
    "check_k_anonymity",
    "publish",
    "suppress",
]
