"""The `refwatch form` commands: the case-list form for field teams' phones.

`refwatch form xlsform OUT.xlsx` writes the XLSForm (refwatch/intake/xlsform.py) that
KoBoToolbox and ODK Central take; their submission exports come back through
`refwatch import`. No workspace is opened: the form holds no evidence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from refwatch.cli._options import ForceOpt, command_group
from refwatch.cli.app import JsonOpt, app, emit, guarded

form_app = command_group("form", "Field forms (KoBoToolbox, ODK) for the case list.", parent=app)


@form_app.command("xlsform")
@guarded
def xlsform_command(
    out: Annotated[Path, typer.Argument(help="The .xlsx file to write.")],
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the case-list form as an XLSForm (English and Korean labels)."""
    from refwatch.intake.xlsform import FORM_ID, FORM_VERSION, write_form

    counts = write_form(out, force=force)
    data = {"file": str(out), "form_id": FORM_ID, "version": FORM_VERSION, **counts}
    human = (
        f"Wrote {out}: form {FORM_ID} version {FORM_VERSION}, {counts['questions']} questions, "
        f"{counts['choices']} choices in {counts['choice_lists']} lists."
    )
    emit(data, as_json, escape(human))
