"""Vega's CSP-safe expression interpreter, served as a browser module.

Why a route: the pages' Content-Security-Policy forbids `eval`, and Vega compiles its
expressions with `new Function` unless it is given the interpreter from the npm package
`vega-interpreter`. That package ships only as an ES module that imports the bare name
`vega-util`, which a browser cannot resolve without an inline import map (which the CSP
would also refuse). So this route serves the installed file with that one import pointed
at vega-util's own ES module under `/assets/npm/`. Nothing is copied into the repository
and nothing is built: the file is read from node_modules as npm installed it. (Served
under /static/, before the static mount, as the one public asset that is not a file.)
"""

from __future__ import annotations

import functools
import re

from fastapi import APIRouter
from fastapi.responses import Response

from refwatch.web.app import node_modules_dir

router = APIRouter(include_in_schema=False)
INTERPRETER = "vega-interpreter/build/vega-interpreter.js"
VEGA_UTIL = "/assets/npm/vega-util/build/index.js"
_BARE_IMPORT = re.compile(r"""from\s+(['"])vega-util\1""")


@functools.cache
def interpreter_module() -> str | None:
    path = node_modules_dir() / INTERPRETER
    if not path.is_file():
        return None
    source = path.read_text(encoding="utf-8")
    return _BARE_IMPORT.sub(f"from '{VEGA_UTIL}'", source)


@router.get("/static/vega-interpreter.js")
def vega_interpreter() -> Response:
    module = interpreter_module()
    if module is None:
        return Response(
            "// vega-interpreter is not installed (run npm ci)\n",
            status_code=404,
            media_type="text/javascript",
        )
    return Response(
        module,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=3600"},
    )
