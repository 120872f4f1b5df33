"""Data files shipped with sarex (object classes, sweep widths, scenarios, schemas): read with :mod:`importlib.resources`."""

__all__: list[str] = []
