"""report --pdf: the report page printed by Chromium, charts included, with the
period and time zone in the header and the generation time in the footer."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from mailreport.cli import app

pytestmark = pytest.mark.browser


def test_the_mailing_report_prints_to_a_pdf_with_its_sections(demo_db, tmp_path):
    out = tmp_path / "m08.pdf"
    result = CliRunner().invoke(app, ["--lang", "en", "report", "M08", "--db", str(demo_db),
                                      "--pdf", str(out),
                                      "--from", "2026-07-01", "--to", "2026-07-10"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    pdf = PdfReader(out)
    # the text as printed (the PDF's fonts join "ffi" into one glyph)
    pages = [p.extract_text().replace("\ufb03", "ffi").replace("\ufb01", "fi")
             for p in pdf.pages]
    assert pdf.pages[0].mediabox.width == pytest.approx(595, abs=1)  # A4, in points
    text = "\n".join(pages)
    assert "Mailing report: July deals · 01/07/2026 to 10/07/2026 · times in UTC" in pages[0]
    # each section starts a page of its own, in the page's order
    firsts = [p.splitlines()[0] for p in pages]
    sections = ["Mailing volume", "Orders placed", "Groups report", "Email open rate",
                "Mailing efficiency", "Product sales", "Click heatmap"]
    assert [f for f in firsts if f in sections] == sections
    assert "page 1 of" in pages[0] and "generated" in pages[0]
    # the controls are not printed
    assert "Download CSV" not in text and "Apply" not in text
    # the charts are drawn into the PDF as images
    assert sum(len(p.images) for p in pdf.pages) >= 3


def test_an_unknown_mailing_prints_nothing_and_says_why(demo_db, tmp_path):
    out = tmp_path / "x.pdf"
    result = CliRunner().invoke(app, ["report", "NOPE", "--db", str(demo_db), "--pdf", str(out)])
    assert result.exit_code != 0 and not out.exists()
    assert "NOPE" in result.output

