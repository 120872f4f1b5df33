"""Fail if any two sarex modules import each other, directly or through others.

import-linter's layers contract forbids upward imports between packages; this
check forbids cycles inside a package too (e.g. io.tracks <-> io.gpx). grimp
reads every import statement, function-level imports included.
"""

from __future__ import annotations

import sys

import grimp


def cycles(package: str = "sarex") -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    g = grimp.build_graph(package)
    mods = sorted(g.modules)
    edges = {m: sorted(g.find_modules_directly_imported_by(m)) for m in mods}
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for m in mods:
        if m not in index:
            visit(m)
    return out


if __name__ == "__main__":
    found = cycles()
    for c in found:
        print("import cycle: " + " <-> ".join(c))
    print(f"{len(found)} import cycle(s)")
    sys.exit(1 if found else 0)
