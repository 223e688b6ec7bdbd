"""A case file as HTML and PDF, through the fact sheets' pipeline (Jinja2, WeasyPrint).

Why in memory: a case file names the person, so it is rendered to bytes and handed to
the caller (the CLI writes it where it was told; the web sends it as a download), never
to a temporary file. WeasyPrint's own log messages are held back to errors while it
renders: a warning about the document may quote a piece of it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from jinja2 import Environment, PackageLoader, select_autoescape

from refwatch.publish.casefile_content import CaseFile

_ENVIRONMENT = Environment(
    loader=PackageLoader("refwatch.publish", "templates"),
    autoescape=select_autoescape(["html"]),
)
_QUIET = ("weasyprint", "fontTools")


def render_html(casefile: CaseFile) -> str:
    return _ENVIRONMENT.get_template("casefile.html").render(casefile=casefile)


@contextmanager
def _quiet_logs() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in _QUIET]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def render_pdf(casefile: CaseFile) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # loading it costs ~0.5 s

    with _quiet_logs():
        data = HTML(string=render_html(casefile)).write_pdf()
    assert isinstance(data, bytes)
    return data
