"""The `refwatch` command: one thin command per job over the library's functions.

Every command that answers takes `--json`. Errors RefWatch expects print one line to stderr
and exit with status 2; tracebacks never show local variables (they could hold names).
Each module of this package registers the commands of one area on the shared app.
"""

from refwatch.cli import (
    alerts,
    attachments,
    casefile,
    claims,
    counting,
    estimate,
    evidence,
    extract,
    forms,
    linkage,
    publishing,
    share,
    sources,
    users,
    world,
)
from refwatch.cli.app import app, main

__all__ = [
    "alerts",
    "app",
    "attachments",
    "casefile",
    "claims",
    "counting",
    "estimate",
    "evidence",
    "extract",
    "forms",
    "linkage",
    "main",
    "publishing",
    "share",
    "sources",
    "users",
    "world",
]
