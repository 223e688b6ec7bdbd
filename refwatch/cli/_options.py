"""What commands of several areas declare alike: options, with one help text each, and
command groups."""

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


def command_group(name: str, about: str, *, parent: typer.Typer) -> typer.Typer:
    """A group of commands, `refwatch … NAME SUBCOMMAND`, added to `parent`: called bare,
    it shows its help."""
    group = typer.Typer(help=about, no_args_is_help=True)
    parent.add_typer(group, name=name)
    return group
