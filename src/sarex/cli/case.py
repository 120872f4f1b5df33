"""``sarex case check`` and ``sarex case map`` (``sarex drift --case`` lives in :mod:`sarex.cli.drift`)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from typing import Optional

from sarex.app.objects import OBJECTS_HELP
from sarex.cli.console import FORCE_HELP, console, user_errors
from sarex.app import FileSetTarget

case_app = typer.Typer(no_args_is_help=True, help="Case files: weighted scenarios of what the rescue centre knows.")


def check(case: Path = typer.Argument(..., help="Case file (TOML, [[scenario]] tables)."),
          objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP)) -> None:
    """Validate a case file (fields, weights, geometry, fixes, voyages) and list its scenarios."""
    from sarex.app.case import check as run

    s = run(case, tuple(objects or ()))
    table = Table(title=f"{s.title or case.name}: {len(s.rows)} scenarios, drift from {s.start}")
    for col in ("scenario", "type", "weight", "objects", "states"):
        table.add_column(col, overflow="fold")
    for r in s.rows:
        table.add_row(r["name"], r["type"], f"{r['weight']:.3f}", r["objects"], r["states"])
    console().print(table)


def map_(
    case: Path = typer.Argument(..., help="Case file (TOML)."),
    out: Path = typer.Option(..., help="Output PNG."),
    particles: int = typer.Option(2000, help="Draws per scenario."),
    seed: int = typer.Option(0, help="Random seed."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP),
) -> None:
    """Map each scenario's start distribution (PNG)."""
    from sarex.app.case import case_map

    files = case_map(case, FileSetTarget({"case.png": out}, labels={"case.png": "--out"}, inputs=[case], force=force), particles, seed,
                     tuple(objects or ()))
    console().print(f"written {', '.join(files)}")


def scenario_rows(ds) -> Table:
    """Per-scenario prior, current probability and POS of a case drift file."""
    from sarex.drift.case import scenario_table

    table = Table(title="scenarios")
    for col in ("scenario", "prior", "now", "POS"):
        table.add_column(col)
    for r in scenario_table(ds):
        table.add_row(r["scenario"], f"{100 * r['prior']:.1f} %", f"{100 * r['posterior']:.1f} %", f"{100 * r['pos']:.1f} %")
    return table


def register(app: typer.Typer) -> None:
    case_app.command("check")(user_errors(check))
    case_app.command("map")(user_errors(map_))
    app.add_typer(case_app, name="case")
