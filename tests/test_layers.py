"""Layering (issue 10, defect 7): no import cycle, no upward import, function-level imports included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("grimp")
pytest.importorskip("importlinter")


def test_no_import_cycle():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from import_cycles import cycles
    finally:
        sys.path.pop(0)
    assert cycles() == []


def test_no_upward_import():
    exe = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "1 kept, 0 broken" in r.stdout


def test_one_definition_of_each_domain_constant_and_class():
    """Defect 6: the nautical mile once (sarex.geo), one Track class, one local projection class."""
    import re

    src = ROOT / "src" / "sarex"
    texts = {p.relative_to(src).as_posix(): p.read_text(encoding="utf-8") for p in src.rglob("*.py")}
    nm = [f for f, t in texts.items() if re.search(r"(?<![\w.])1852(\.0*)?(?![\w.])", t)]
    assert nm == ["geo.py"], nm
    assert [f for f, t in texts.items() if re.search(r"^class Track\b", t, re.M)] == ["io/track.py"]
    assert [f for f, t in texts.items() if re.search(r"proj=laea", t)] == ["geo.py"]
