"""Self-contained reports: one HTML file (inline CSS, PNG figures as base64) and the same content as PDF.

A :class:`Report` is a title and a list of :class:`Section` s holding
:class:`Paragraph`, :class:`Table` and :class:`Figure` blocks. :func:`write_html`
renders it to a single file that opens anywhere without network access (no
scripts, no external links); :func:`write_pdf` lays the same blocks out on A4
pages with matplotlib's PdfPages (text and tables drawn, figures as vector
graphics). Both write atomically.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure as MplFigure

from sarex import __version__
from sarex.io.atomic import atomic_path, write_text_atomic

A4_IN = (8.27, 11.69)


@dataclass
class Paragraph:
    """A paragraph of plain text."""

    text: str


@dataclass
class Table:
    """A table of strings; ``caption`` above it."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Figure:
    """A matplotlib figure (:class:`matplotlib.figure.Figure`, no pyplot needed) and its caption."""

    figure: MplFigure
    caption: str = ""

    def png(self, dpi: int = 110) -> bytes:
        """The figure as PNG bytes."""
        FigureCanvasAgg(self.figure)
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue()


@dataclass
class Section:
    """A titled section of blocks."""

    title: str
    blocks: list[Paragraph | Table | Figure] = field(default_factory=list)


@dataclass
class Report:
    """A report: title, subtitle and sections."""

    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)
    generated: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def section(self, title: str) -> Section:
        """Append and return a new section."""
        s = Section(title)
        self.sections.append(s)
        return s


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:70em;color:#1b1b1b;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.1em}h2{font-size:1.3em;border-bottom:2px solid #2b5d8a;padding-bottom:.2em;margin-top:1.8em}
.sub{color:#555;margin-top:0}table{border-collapse:collapse;margin:.6em 0 1.2em 0;font-size:.92em}
th,td{border:1px solid #c8c8c8;padding:.25em .6em;text-align:right}th{background:#e8eef4}
td:first-child,th:first-child{text-align:left}caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{color:#444;font-size:.92em}
footer{margin-top:3em;color:#777;font-size:.85em}
"""


def render_html(report: Report) -> str:
    """The report as one self-contained HTML document."""
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(report.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
    ]
    if report.subtitle:
        out.append(f'<p class="sub">{e(report.subtitle)}</p>')
    for k, sec in enumerate(report.sections, start=1):
        out.append(f'<section id="s{k}"><h2>{k}. {e(sec.title)}</h2>')
        for b in sec.blocks:
            if isinstance(b, Paragraph):
                out.append(f"<p>{e(b.text)}</p>")
            elif isinstance(b, Table):
                out.append("<table>")
                if b.caption:
                    out.append(f"<caption>{e(b.caption)}</caption>")
                out.append("<tr>" + "".join(f"<th>{e(c)}</th>" for c in b.columns) + "</tr>")
                for r in b.rows:
                    out.append("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>")
                out.append("</table>")
            elif isinstance(b, Figure):
                data = base64.b64encode(b.png()).decode("ascii")
                out.append(f'<figure><img alt="{e(b.caption)}" src="data:image/png;base64,{data}">')
                if b.caption:
                    out.append(f"<figcaption>{e(b.caption)}</figcaption>")
                out.append("</figure>")
        out.append("</section>")
    out.append(f"<footer>sarex {e(__version__)} · generated {e(report.generated)}</footer></body></html>")
    return "\n".join(out)


def write_html(report: Report, path: str | Path) -> Path:
    """Write the report as one self-contained HTML file (atomically)."""
    return write_text_atomic(path, render_html(report))


class _Page:
    """Flowing layout of text and tables on A4 pages (coordinates in figure fractions)."""

    def __init__(self, pdf: PdfPages, header: str) -> None:
        self.pdf = pdf
        self.header = header
        self.fig: MplFigure | None = None
        self.y = 0.0
        self.pages = 0

    def new(self) -> None:
        self.flush()
        self.fig = MplFigure(figsize=A4_IN)
        self.fig.text(0.07, 0.97, self.header, fontsize=7, color="#777")
        self.y = 0.93

    def flush(self) -> None:
        if self.fig is not None:
            self.pages += 1
            self.fig.text(0.93, 0.025, str(self.pages), fontsize=7, color="#777", ha="right")
            self.pdf.savefig(self.fig)
            self.fig = None

    def need(self, h: float) -> None:
        if self.fig is None or self.y - h < 0.05:
            self.new()

    def text(self, s: str, size: float = 9.5, weight: str = "normal", width: int = 100, gap: float = 0.008) -> None:
        lines = textwrap.wrap(s, width=width) or [""]
        lh = size * 1.45 / 72.0 / A4_IN[1]
        for ln in lines:
            self.need(lh)
            self.fig.text(0.07, self.y, ln, fontsize=size, weight=weight, va="top")
            self.y -= lh
        self.y -= gap

    def table(self, t: Table) -> None:
        size = 7.5 if len(t.columns) <= 8 else 6.0
        row_h = size * 2.1 / 72.0 / A4_IN[1]
        rows = list(t.rows)
        first = True
        while first or rows:
            avail = max(int((self.y - 0.06) / row_h) - 2, 0) if self.fig is not None else 0
            if avail < 3:
                self.new()
                avail = int((self.y - 0.06) / row_h) - 2
            chunk, rows = rows[:avail], rows[avail:]
            if t.caption:
                self.text(t.caption + ("" if first else " (continued)"), size=8.5, weight="bold", gap=0.002)
            h = row_h * (len(chunk) + 1)
            ax = self.fig.add_axes([0.07, self.y - h, 0.86, h])
            ax.axis("off")
            tab = ax.table(cellText=chunk or [[""] * len(t.columns)], colLabels=t.columns, loc="upper left", cellLoc="right")
            tab.auto_set_font_size(False)
            tab.set_fontsize(size)
            for (r, _c), cell in tab.get_celld().items():
                cell.set_height(1.0 / (len(chunk) + 1))
                if r == 0:
                    cell.set_facecolor("#e8eef4")
            self.y -= h + 0.02
            first = False


def write_pdf(report: Report, path: str | Path) -> Path:
    """Write the report as PDF (A4; text and tables flowed, each figure on its own page), atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with PdfPages(tmp, metadata={"Title": report.title, "Creator": f"sarex {__version__}"}) as pdf:
            page = _Page(pdf, report.title)
            page.new()
            page.text(report.title, size=16, weight="bold", width=60)
            if report.subtitle:
                page.text(report.subtitle, size=10, width=90)
            page.text(f"generated {report.generated}", size=8)
            for k, sec in enumerate(report.sections, start=1):
                page.need(0.08)
                page.y -= 0.01
                page.text(f"{k}. {sec.title}", size=12.5, weight="bold")
                for b in sec.blocks:
                    if isinstance(b, Paragraph):
                        page.text(b.text)
                    elif isinstance(b, Table):
                        page.table(b)
                    elif isinstance(b, Figure):
                        page.flush()
                        fig = b.figure
                        # the caption goes on the PDF page only; the figure is left as it was
                        cap = fig.text(0.5, -0.02, textwrap.fill(b.caption, 110), ha="center", va="top", fontsize=8) if b.caption else None
                        pdf.savefig(fig, bbox_inches="tight")
                        if cap is not None:
                            cap.remove()
                        page.pages += 1
            page.flush()
    return path
