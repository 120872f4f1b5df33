"""Imports inside functions in ``src/sarex``, each allowed only where listed with its measured reason.

    python tools/local_imports.py            # exits 1 on an import inside a function not listed
    python tools/local_imports.py --list     # every import inside a function, module by module

An import belongs at the top of its module, where it shows the module's dependencies. It stays
inside a function only where loading it at import time would cost start-up that the function's
callers do not all need: a command module of the CLI is imported for one command alone
(``sarex drift`` must start in under 1.5 s, ``sarex --help`` imports no command), and heavy or
optional third-party packages (matplotlib, SQLAlchemy, dask's distributed, netCDF4, cfgrib, ...)
load only on the path that uses them. :data:`ALLOWED` lists, per module, what it may import inside
functions, with the import time (ms) that moving all of them to the top would add to importing
the module alone, as measured on 2026-12-08 (``--measure``; a fresh interpreter per module).
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from pathlib import Path

from local_imports_allowed import ALLOWED

SRC = Path(__file__).resolve().parent.parent / "src"


def _module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _target(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        pkg = module.split(".") if is_package else module.split(".")[:-1]
        pkg = pkg[: len(pkg) - (node.level - 1)]
        base = ".".join([*pkg, *([base] if base else [])])
    return [base]


def local_imports(src: Path = SRC) -> list[tuple[str, str, str, int]]:
    """``(module, function, imported module, line)`` of every import inside a function under ``src/sarex``."""
    out = []
    for path in sorted((src / "sarex").rglob("*.py")):
        module = _module_name(path, src)
        tree = ast.parse(path.read_text(), str(path))

        def visit(node: ast.AST, fn: str | None, module: str = module, path: Path = path) -> None:
            for ch in ast.iter_child_nodes(node):
                if isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    visit(ch, ch.name)
                    continue
                if fn and isinstance(ch, (ast.Import, ast.ImportFrom)):
                    for t in _target(ch, module, path.name == "__init__.py"):
                        out.append((module, fn, t, ch.lineno))
                visit(ch, fn)

        visit(tree, None)
    return out


def unlisted(src: Path = SRC) -> tuple[list[str], list[str]]:
    """Imports inside functions not in :data:`ALLOWED`, and :data:`ALLOWED` entries no import uses."""
    found = local_imports(src)
    bad = [f"{m}:{line} {fn}() imports {t}" for m, fn, t, line in found if t not in ALLOWED.get(m, ("", 0, ()))[2]]
    used = {(m, t) for m, _, t, _ in found}
    stale = [f"{m}: {t}" for m, (_, _, targets) in ALLOWED.items() for t in targets if (m, t) not in used]
    return bad, stale


def measure(module: str, targets: list[str]) -> float:
    """Milliseconds that importing ``targets`` adds after ``module`` is imported (a fresh interpreter)."""
    code = (f"import time, importlib; importlib.import_module({module!r}); t = time.perf_counter()\n"
            f"for m in {targets!r}:\n    importlib.import_module(m)\nprint((time.perf_counter() - t) * 1e3)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(r.stdout.strip().splitlines()[-1])


def main() -> int:
    """Check (default), list or measure the imports inside functions."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--measure", action="store_true", help="print each module's extra import ms, as JSON")
    args = ap.parse_args()
    if args.list or args.measure:
        per: dict[str, list[str]] = {}
        for m, _, t, _ in local_imports():
            per.setdefault(m, [])
            if t not in per[m]:
                per[m].append(t)
        if args.measure:
            print(json.dumps({m: round(measure(m, ts), 1) for m, ts in per.items()}, indent=1))
        else:
            for m, ts in per.items():
                print(m, sorted(ts))
        return 0
    bad, stale = unlisted()
    for line in bad:
        print("not listed:", line)
    for line in stale:
        print("listed but no longer imported inside a function:", line)
    return 1 if bad or stale else 0


if __name__ == "__main__":
    sys.exit(main())
