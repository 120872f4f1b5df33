"""Self-contained HTML and PDF reports (sarex.report.html)."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest
from matplotlib.figure import Figure as MplFigure

from sarex.report.html import Figure, Paragraph, Report, Table, render_html, write_html, write_pdf


def _report(rows: int = 5) -> Report:
    rep = Report("Test <report> & co", "subtitle")
    s = rep.section("Numbers")
    s.blocks.append(Paragraph("A paragraph with <b>markup</b> that must be escaped. " * 5))
    s.blocks.append(Table(["unit", "value"], [[f"U{i}", f"{i * 1.5:.1f}"] for i in range(rows)], "A table"))
    fig = MplFigure(figsize=(4, 3))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(np.arange(10), np.arange(10) ** 2)
    s.blocks.append(Figure(fig, "A figure"))
    rep.section("Empty section")
    return rep


def test_html_is_self_contained_and_escaped(tmp_path):
    rep = _report()
    page = render_html(rep)
    assert "<b>markup</b>" not in page and "&lt;b&gt;markup&lt;/b&gt;" in page
    assert "Test &lt;report&gt; &amp; co" in page
    assert not re.search(r'(src|href)\s*=\s*"(https?:|//|file:)', page) and "<script" not in page and "<link" not in page
    imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(imgs) == 1
    png = base64.b64decode(imgs[0])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.count("<tr>") == 6  # header + 5 rows
    write_html(rep, tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text() == page


def test_pdf_pages_and_long_tables(tmp_path):
    short = write_pdf(_report(5), tmp_path / "short.pdf").read_bytes()
    long = write_pdf(_report(300), tmp_path / "long.pdf").read_bytes()
    npages = lambda b: len(re.findall(rb"/Type /Page[^s]", b))  # noqa: E731
    assert short.startswith(b"%PDF")
    assert npages(short) == 3  # text + table, the figure alone, then the second section
    # 300 rows need several pages of table
    assert npages(long) >= npages(short) + 3


def test_pdf_failure_leaves_no_file(tmp_path):
    rep = _report()
    rep.sections[0].blocks.append(Table(["a"], [["x", "too", "many"]], "broken"))
    with pytest.raises(Exception):  # noqa: B017 - whatever the PDF library raises, no file is left
        write_pdf(rep, tmp_path / "bad.pdf")
    assert list(tmp_path.iterdir()) == []
