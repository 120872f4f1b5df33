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

#: Functions allowed over a limit (key: path under ``src/sarex`` and function name), with the
#: reason. Typer commands (one parameter per CLI option) are excepted without a listing.
EXCEPTIONS: dict[str, str] = {
    "server/migrations/versions/0001_initial_schema.py:upgrade": "a migration: the whole initial schema as one frozen revision, never edited",
    "cli/server.py:register": "not yet split: the server sub-commands' registration (typer closures), to become one function per command",
    "app/observations.py:backtrack_find": "not yet split: the backtrack use case's options, to become a request named tuple like DriftRequest",
    "exercise/run.py:plan_period": "not yet split: to take a period's configuration as one named tuple",
    "exercise/replay.py:evaluate_replay": "not yet split: replay scoring in one pass (132 lines)",
    "planning/message.py:sap_message": "not yet split: the SAP message's sections (140 lines), one template per section",
    "planning/coverage.py:_alive_fraction": "numba kernel not yet on named tuples of arrays (13 parameters)",
    "planning/coverage.py:rect_gain": "numba kernel not yet on named tuples of arrays (17 parameters)",
    "planning/coverage.py:rect_pod": "numba kernel not yet on named tuples of arrays (16 parameters)",
    "planning/coverage.py:plan_score": "numba kernel not yet on named tuples of arrays (13 parameters)",
    "search/detection.py:track_pod_kernel": "numba kernel not yet on named tuples of arrays (14 parameters, 147 lines)",
}


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    a = fn.args
    names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
    return len([n for n in names if n not in ("self", "cls")])


def _is_typer_command(fn: ast.FunctionDef | ast.AsyncFunctionDef, registered: set[str]) -> bool:
    """A typer command: decorated ``@app.command(...)``/``@app.callback(...)``, or a function of a
    ``cli`` module registered as ``app.command("name")(fn)`` or ``app.command("name")(user_errors(fn))``."""
    for d in fn.decorator_list:
        f = d.func if isinstance(d, ast.Call) else d
        if isinstance(f, ast.Attribute) and f.attr in ("command", "callback"):
            return True
    return fn.name in registered


def _registered_commands(tree: ast.AST) -> set[str]:
    """Names passed to ``X.command(...)(name)`` or ``X.command(...)(wrapper(name))`` in ``tree``."""
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Call)):
            continue
        f = node.func.func
        if not (isinstance(f, ast.Attribute) and f.attr in ("command", "callback")):
            continue
        for a in node.args:
            while isinstance(a, ast.Call) and a.args:
                a = a.args[0]
            if isinstance(a, ast.Name):
                names.add(a.id)
    return names


def key(path: Path, name: str) -> str:
    """The :data:`EXCEPTIONS` key of function ``name`` in ``path``: its path under ``sarex/`` and name."""
    parts = path.resolve().parts
    rel = "/".join(parts[len(parts) - parts[::-1].index("sarex"):]) if "sarex" in parts else path.as_posix()
    return f"{rel}:{name}"


def functions(paths: list[Path]):
    """``(qualified name, lines, parameters, typer command, exception key)`` of every function under ``paths``."""
    for root in paths:
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            tree = ast.parse(path.read_text(), str(path))
            registered = _registered_commands(tree)
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield (f"{path}:{node.lineno}:{node.name}", node.end_lineno - node.lineno + 1, _params(node),
                           _is_typer_command(node, registered), key(path, node.name))


def over_limits(paths: list[Path], lines: int = 120, params: int = 12) -> tuple[list[str], list[str]]:
    """Functions over a limit: ``(not excepted, excepted)``, each ``"name N lines, M parameters"``."""
    bad, excepted = [], []
    for name, n_lines, n_params, typer_command, k in functions(paths):
        if typer_command or (n_lines <= lines and n_params <= params):
            continue
        (excepted if k in EXCEPTIONS else bad).append(f"{name} {n_lines} lines, {n_params} parameters")
    return bad, excepted


def main() -> int:
    """Print the functions over the limits and the longest and widest; 1 if one is over."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path, default=[Path("src/sarex")])
    ap.add_argument("--lines", type=int, default=120)
    ap.add_argument("--params", type=int, default=12)
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args()
    fns = list(functions(args.paths))
    bad, excepted = over_limits(args.paths, args.lines, args.params)
    for line in bad:
        print("over:", line)
    for line in excepted:
        print("over (excepted, see EXCEPTIONS):", line)
    plain = [f for f in fns if not f[3]]
    print("longest:", ", ".join(f"{f[0]} ({f[1]} lines)" for f in sorted(plain, key=lambda f: -f[1])[: args.top]))
    print("widest:", ", ".join(f"{f[0]} ({f[2]} parameters)" for f in sorted(plain, key=lambda f: -f[2])[: args.top]))
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main())
