"""Reports as PDF (fpdf2 and its core fonts, like the statement of account): a title and
sections of rows, which is all the daily report and the dashboard print."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fpdf import FPDF

from recoup.ledger.paper import ENCODING, printable

__all__ = ["Section", "simple_pdf"]


@dataclass(frozen=True)
class Section:
    heading: str
    rows: list[list[str]]
    columns: list[str] | None = None


def simple_pdf(title: str, sections: list[Section], *, dated: dt.date) -> bytes:
    """A4, one table per section; dated by ``dated`` (never "now": same figures, same file)."""
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_creation_date(dt.datetime.combine(dated, dt.time(12, 0), tzinfo=dt.UTC))
    pdf.set_creator("recoup")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, printable(title), new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(0, 6, printable(section.heading), new_x="LMARGIN", new_y="NEXT")
        rows = ([section.columns] if section.columns else []) + section.rows
        if not rows:
            continue
        pdf.set_font("Helvetica", "", 9)
        with pdf.table(first_row_as_headings=bool(section.columns), line_height=5) as table:
            for row in rows:
                cells = table.row()
                for value in row:
                    cells.cell(printable(value))
    return bytes(pdf.output())
