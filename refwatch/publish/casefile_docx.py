"""A case file as a Word document (python-docx), for organisations that edit it before
they submit it (the "to be completed" parts are theirs to fill in).

Why a module of its own: the PDF renderer lays out HTML; this one builds the same
sections as headings and two-column tables, with the footnote numbers in brackets and
the sources listed at the end (python-docx has no footnote API). Written to bytes in
memory, never to a temporary file: the document names the person.
"""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt

from refwatch.publish.casefile_content import CaseFile


def render_docx(casefile: CaseFile) -> bytes:
    document = Document()
    styles = document.styles
    styles["Normal"].font.size = Pt(10)
    properties = document.core_properties
    # The document's own metadata names no one: the title is the kind of submission.
    properties.title = casefile.title
    properties.author = "RefWatch"
    properties.comments = ""
    document.add_heading(casefile.title, level=0)
    document.add_paragraph(
        f"{casefile.subject} · facts as of {casefile.as_of.isoformat()} · prepared "
        f"{casefile.generated} with RefWatch"
    )
    document.add_paragraph(
        "Confidential: this case file names the person(s) concerned, with their consent or "
        "under a documented exception. Do not publish it."
    )
    if casefile.synthetic:
        document.add_paragraph(
            "SYNTHETIC DATA. Every person in this case file is invented (the RefWatch demo "
            "scenario)."
        )
    for number, dossier in enumerate(casefile.dossiers):
        if number:
            document.add_page_break()  # type: ignore[no-untyped-call]
        document.add_heading(dossier.heading, level=1)
        for index, section in enumerate(dossier.sections, start=1):
            document.add_heading(f"{index}. {section.title}", level=2)
            if section.text:
                document.add_paragraph(section.text)
            if section.facts:
                table = document.add_table(rows=0, cols=2)
                table.style = "Table Grid"
                for fact in section.facts:
                    cells = table.add_row().cells
                    cells[0].text = fact.label
                    marks = "".join(f"[{n}]" for n in fact.notes)
                    cells[1].text = f"{fact.value} {marks}".rstrip()
    document.add_heading("Sources", level=1)
    for index, note in enumerate(casefile.footnotes, start=1):
        document.add_paragraph(f"[{index}] {note.text()}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
