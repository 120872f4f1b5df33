"""Self-contained reports: one HTML file (inline CSS, PNG figures as base64) and the same content as PDF.

A :class:`Report` is a title and a list of :class:`Section` s holding
:class:`Paragraph`, :class:`Table` and :class:`Figure` blocks. :func:`write_html`
renders it to a single file that opens anywhere without network access (no
scripts, no external links); :func:`write_pdf` lays the same blocks out on A4
pages with matplotlib's PdfPages: text and tables drawn (a table's columns as wide as their
content, headers wrapped, never clipped), figures flowed with the text at the text width as
images of FIG_DPI dots per inch, so no page holds a heading alone. Both write atomically.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import matplotlib.image as mpimg
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Rectangle

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


#: resolution of the figures laid out on the PDF pages (dots per inch of the printed size)
FIG_DPI = 200
_LEFT, _WIDTH = 0.07, 0.86  # text column, figure fractions of the A4 page
_BOTTOM = 0.05


def _line_h(size: float) -> float:
    """Height of one text line of ``size`` points, as a fraction of the A4 page height."""
    return size * 1.45 / 72.0 / A4_IN[1]


def _column_chars(t: Table, size: float) -> tuple[list[int], int]:
    """Each column's width in characters, and the characters the text column holds at ``size`` points.

    A column is as wide as its longest cell (at most a third of the page, longer cells wrap), never
    narrower than the longest word of its header, so a header wraps onto more lines instead of being
    clipped; a header gets its whole width where the page has room; a table too wide for the page is
    narrowed, and its long cells wrap."""
    total = int(_WIDTH * A4_IN[0] * 72.0 / (0.6 * size))  # mean glyph width of DejaVu Sans, ~0.6 em with capitals and digits
    words = [max((len(w) for w in str(h).split()), default=1) + 2 for h in t.columns]
    cells = [min(max([len(str(r[c])) for r in t.rows if c < len(r)] + [1]) + 2, total // 3) for c in range(len(t.columns))]
    need = [max(a, b) for a, b in zip(cells, words)]
    if sum(need) <= total:
        grow = [max(0, len(str(h)) + 2 - n) for h, n in zip(t.columns, need)]
        if sum(grow) <= total - sum(need):
            need = [n + g for n, g in zip(need, grow)]
        least = int(0.55 * total)  # a narrow table is widened a little, not to the whole page
        if sum(need) < least:
            need = [n * least // sum(need) for n in need]
    else:
        floor = [min(n, max(w, 6)) for n, w in zip(need, words)]
        room = total - sum(floor)
        more = [n - f for n, f in zip(need, floor)]
        need = [f + (room * m // max(1, sum(more)) if room > 0 else 0) for f, m in zip(floor, more)]
    return need, total


class _Page:
    """Flowing layout of text, tables and figures on A4 pages (coordinates in figure fractions)."""

    def __init__(self, pdf: PdfPages, header: str) -> None:
        self.pdf = pdf
        self.header = header
        self.fig: MplFigure | None = None
        self.y = 0.0
        self.pages = 0

    def new(self) -> None:
        self.flush()
        self.fig = MplFigure(figsize=A4_IN)
        self.fig.text(_LEFT, 0.97, self.header, fontsize=7, color="#777")
        self.y = 0.93

    def flush(self) -> None:
        if self.fig is not None:
            self.pages += 1
            self.fig.text(0.93, 0.025, str(self.pages), fontsize=7, color="#777", ha="right")
            self.pdf.savefig(self.fig)
            self.fig = None

    def need(self, h: float) -> None:
        if self.fig is None or self.y - h < _BOTTOM:
            self.new()

    def text(self, s: str, size: float = 9.5, weight: str = "normal", width: int = 100, gap: float = 0.008, color: str = "#1b1b1b") -> None:
        lines = textwrap.wrap(s, width=width) or [""]
        lh = _line_h(size)
        for ln in lines:
            self.need(lh)
            self.fig.text(_LEFT, self.y, ln, fontsize=size, weight=weight, va="top", color=color)
            self.y -= lh
        self.y -= gap

    def table(self, t: Table) -> None:
        size = 7.5 if len(t.columns) <= 8 else 6.0
        chars, total = _column_chars(t, size)
        wrap = lambda s, c: textwrap.wrap(str(s), max(4, c - 2), break_on_hyphens=False) or [""]  # noqa: E731
        head = [wrap(h, c) for h, c in zip(t.columns, chars)]
        n_head = max(len(h) for h in head)
        body = [[wrap(v, c) for v, c in zip(r, chars)] for r in t.rows]
        if any(len(r) != len(t.columns) for r in t.rows):
            raise ValueError(f"table {t.caption!r}: a row has not {len(t.columns)} cells")
        lh = size * 1.25 / 72.0 / A4_IN[1]  # one line inside a cell
        pad = size * 0.8 / 72.0 / A4_IN[1]
        heights = [max(len(c) for c in r) * lh + pad for r in body] or [lh + pad]
        head_h = n_head * lh + pad
        rows = list(range(len(body)))
        first = True
        while first or rows:
            cap_h = _line_h(8.5) + 0.002 if t.caption else 0.0
            room = (self.y - _BOTTOM - cap_h - head_h) if self.fig is not None else 0.0
            fit = _fits(heights, rows, room)
            if fit < min(3, len(rows)) or (not rows and room < heights[0]):
                self.new()
                fit = _fits(heights, rows, self.y - _BOTTOM - cap_h - head_h)
            chunk, rows = rows[: max(fit, 1)] if rows else [], rows[max(fit, 1):]
            if t.caption:
                self.text(t.caption + ("" if first else " (continued)"), size=8.5, weight="bold", gap=0.002)
            self._draw_table(head, [body[k] for k in chunk], [heights[k] for k in chunk] or [lh + pad], head_h, chars, total, size)
            first = False

    def _draw_table(self, head, body, heights, head_h, chars, total, size) -> None:
        """One chunk of a table: header (wrapped, shaded) and rows, at the current position."""
        h = head_h + sum(heights)
        widths = [_WIDTH * c / max(total, sum(chars)) for c in chars]
        x0, y = _LEFT, self.y
        rows = [(head, head_h, True)] + [(r, rh, False) for r, rh in zip(body or [[[""]] * len(chars)], heights)]
        for cells, rh, is_head in rows:
            x = x0
            for k, (lines, w) in enumerate(zip(cells, widths)):
                self.fig.patches.append(Rectangle((x, y - rh), w, rh, transform=self.fig.transFigure, fc="#e8eef4" if is_head else "white",
                                                  ec="#c8c8c8", lw=0.5, figure=self.fig))
                left = k == 0
                self.fig.text(x + (0.004 if left else w - 0.004), y - rh / 2, "\n".join(lines), fontsize=size, va="center",
                              ha="left" if left else "right", linespacing=1.1, weight="bold" if is_head else "normal")
                x += w
            y -= rh
        self.y -= h + 0.02

    def figure(self, f: Figure) -> None:
        """The figure at the page's text width (smaller if it is too tall), its caption below it."""
        png = f.png(dpi=FIG_DPI)
        img = mpimg.imread(io.BytesIO(png), format="png")
        w = _WIDTH
        w_in = img.shape[1] / FIG_DPI
        if w_in < _WIDTH * A4_IN[0]:  # a small figure is not blown up past its own size
            w = w_in / A4_IN[0]
        h = w * A4_IN[0] / A4_IN[1] * img.shape[0] / img.shape[1]
        cap = textwrap.wrap(f.caption, 125) if f.caption else []
        cap_h = len(cap) * _line_h(8) + 0.01
        most = 0.93 - _BOTTOM - cap_h
        if h > most:
            w, h = w * most / h, most
        self.need(h + cap_h)
        ax = self.fig.add_axes((_LEFT + 0.5 * (_WIDTH - w), self.y - h, w, h))
        ax.imshow(img, interpolation="none")  # embedded at FIG_DPI, not resampled
        ax.axis("off")
        self.y -= h + 0.006
        for ln in cap:
            self.fig.text(0.5, self.y, ln, fontsize=8, va="top", ha="center", color="#444")
            self.y -= _line_h(8)
        self.y -= 0.012

    def height_of(self, b: "Paragraph | Table | Figure") -> float:
        """Height the first piece of a block needs (to keep a section heading with what follows it)."""
        if isinstance(b, Figure):
            w, h = b.figure.get_size_inches()
            hh = min(_WIDTH * A4_IN[0], w) * h / w / A4_IN[1]
            return min(hh, 0.8) + 0.03
        if isinstance(b, Table):
            return 0.08
        return 3 * _line_h(9.5)


def _fits(heights: list[float], rows: list[int], room: float) -> int:
    """How many of ``rows`` (in order) fit in ``room``."""
    used, n = 0.0, 0
    for k in rows:
        used += heights[k]
        if used > room:
            break
        n += 1
    return n


def write_pdf(report: Report, path: str | Path) -> Path:
    """Write the report as PDF (A4; text, tables and figures flowed), atomically."""
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
                # the heading stays with the start of what follows it (no heading alone at a page's foot)
                page.need(0.05 + (page.height_of(sec.blocks[0]) if sec.blocks else 0.0))
                page.y -= 0.01
                page.text(f"{k}. {sec.title}", size=12.5, weight="bold")
                for b in sec.blocks:
                    if isinstance(b, Paragraph):
                        page.text(b.text)
                    elif isinstance(b, Table):
                        page.table(b)
                    elif isinstance(b, Figure):
                        page.figure(b)
            page.flush()
    return path
