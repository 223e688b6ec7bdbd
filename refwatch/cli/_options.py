"""Options that commands of several areas take: declared once, with one help text."""

from __future__ import annotations

from typing import Annotated

import typer

_FROM = typer.Option("--from", help="Start of the period (EDTF: 2017-07, 2017-07-15).")
_TO = typer.Option("--to", help="End of the period (EDTF).")

FromOpt = Annotated[str | None, _FROM]
ToOpt = Annotated[str | None, _TO]
FromRequired = Annotated[str, _FROM]
ToRequired = Annotated[str, _TO]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Date the status refers to (default: today).")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Write over an existing file.")]
