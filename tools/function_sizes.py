"""Functions longer than a limit of lines or wider than a limit of parameters (the style bars of issue 34).

    python tools/function_sizes.py [--lines 120] [--params 12] [--top 5] [paths ...]

Lines count from ``def`` to the function's last line (docstring included); parameters count every
named parameter (``self`` and ``cls`` excepted), ``*args``/``**kwargs`` included. Prints the
functions over either limit and the longest and widest ones; exits 1 when one is over a limit
that is not listed in ``EXCEPTIONS`` with its reason.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

#: Functions allowed over a limit, with the reason (typer commands: one parameter per CLI option).
EXCEPTIONS: dict[str, str] = {
    "sample_regular_kernel": "the general sampling kernel's 13 arrays: to take a GridWindow (phase 2, a new numba signature for every field)",
}


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    a = fn.args
    names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
    return len([n for n in names if n not in ("self", "cls")])


def _is_typer_command(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function decorated ``@app.command(...)`` or ``@app.callback(...)`` (a typer command)."""
    for d in fn.decorator_list:
        f = d.func if isinstance(d, ast.Call) else d
        if isinstance(f, ast.Attribute) and f.attr in ("command", "callback"):
            return True
    return False


def functions(paths: list[Path]):
    """``(qualified name, lines, parameters, typer command)`` of every function under ``paths``."""
    for root in paths:
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield f"{path}:{node.lineno}:{node.name}", node.end_lineno - node.lineno + 1, _params(node), _is_typer_command(node)


def main() -> int:
    """Print the functions over the limits and the longest and widest; 1 if one is over."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path, default=[Path("src/sarex")])
    ap.add_argument("--lines", type=int, default=120)
    ap.add_argument("--params", type=int, default=12)
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args()
    fns = list(functions(args.paths))
    over = [f for f in fns if (f[1] > args.lines or f[2] > args.params) and not f[3]]
    for name, n_lines, n_params, _ in over:
        print(f"over: {name} {n_lines} lines, {n_params} parameters" + (f" (excepted: {EXCEPTIONS[name.split(':')[-1]]})" if name.split(":")[-1] in EXCEPTIONS else ""))
    plain = [f for f in fns if not f[3]]
    print("longest:", ", ".join(f"{n} ({k} lines)" for n, k, _, _ in sorted(plain, key=lambda f: -f[1])[: args.top]))
    print("widest:", ", ".join(f"{n} ({k} parameters)" for n, _, k, _ in sorted(plain, key=lambda f: -f[2])[: args.top]))
    return 1 if any(f[0].split(":")[-1] not in EXCEPTIONS for f in over) else 0


if __name__ == "__main__":
    sys.exit(main())
