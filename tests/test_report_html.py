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
    assert npages(short) == 1  # text, a 5-row table, a 4×3 in figure (~5 in tall at the text width) and a heading fit on one A4 page
    # 300 rows need several pages of table
    assert npages(long) >= npages(short) + 3


def test_pdf_failure_leaves_no_file(tmp_path):
    rep = _report()
    rep.sections[0].blocks.append(Table(["a"], [["x", "too", "many"]], "broken"))
    with pytest.raises(Exception):  # noqa: B017 - whatever the PDF library raises, no file is left
        write_pdf(rep, tmp_path / "bad.pdf")
    assert list(tmp_path.iterdir()) == []


def _page_texts(path) -> list[str]:
    """The text drawn on each page of an uncompressed matplotlib PDF, in page order (TJ strings joined)."""
    raw = path.read_bytes()
    pages = []
    for body in re.findall(rb"stream\r?\n(.*?)endstream", raw, re.S):
        runs = re.findall(rb"\[(.*?)\]\s*TJ", body, re.S)
        if runs:
            pages.append(" ".join(b"".join(re.findall(rb"\((.*?)\)", r)).decode("latin-1") for r in runs))
    return pages


def test_pdf_keeps_a_heading_with_its_figure_and_wraps_headers(tmp_path):
    import matplotlib

    rep = Report("Layout")
    s = rep.section("Periods")
    # 9 columns at 6 pt: a header longer than its column wraps instead of being clipped
    s.blocks.append(Table(["period", "window", "units", "planner estimate", "planned-tracks POS", "sailed-tracks POS",
                           "Stone static optimum", "cumulative POS", "searched"], [["1", "11/0000-0600Z", "5"] + ["40.0 %"] * 5 + ["yes"]] * 45))
    fig = MplFigure(figsize=(6, 6))
    fig.add_subplot(1, 1, 1).plot([0, 1], [0, 1])
    rep.section("Maps").blocks.append(Figure(fig, "a tall map"))
    with matplotlib.rc_context({"pdf.compression": 0}):
        write_pdf(rep, tmp_path / "l.pdf")
    pages = _page_texts(tmp_path / "l.pdf")
    # 45 rows of ~0.017 page each fill most of page 1; the 6 in square figure (~0.6 page) cannot follow there, so
    # its heading goes over with it to page 2 instead of standing alone at the foot of page 1
    assert len(pages) == 2
    assert "Maps" not in pages[0] and "Maps" in pages[1] and "a tall map" in pages[1]
    assert "Stone" in pages[0] and "optimum" in pages[0]
    from sarex.report.html import _column_chars

    t = rep.sections[0].blocks[0]
    chars, total = _column_chars(t, 6.0)
    assert sum(chars) <= total
    # every header word fits its column (with a character of margin each side): "Stone static optimum" wraps, never clips
    assert all(len(w) + 2 <= c for h, c in zip(t.columns, chars) for w in h.split())
