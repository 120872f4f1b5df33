"""``sarex demo``."""

from __future__ import annotations

from pathlib import Path

import typer

from sarex.cli.console import FORCE_HELP, console, user_errors


def demo(
    out: Path = typer.Option(Path("out"), help="Output folder (new, empty, or an earlier demo's)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Run the built-in Korea Strait case end to end into OUT."""
    from sarex.app import FolderTarget
    from sarex.app.demo import demo as run

    c = console()
    res = run(FolderTarget(out, force=force), say=c.print)
    c.print(f"demo finished in {res.seconds:.0f} s; outputs in {out}/")


def register(app: typer.Typer) -> None:
    app.command("demo")(user_errors(demo))
