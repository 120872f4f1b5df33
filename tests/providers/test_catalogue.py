"""The forcing catalogue: which source, in which order, and why; a failing source falls back to the next (issue 33)."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from sarex.cli import app
from sarex.environment.providers import Area, FetchRequest, area_around
from sarex.environment.providers.catalogue import fetch_with_fallback, load_catalogue, plan
from sarex.environment.providers.fetch import fetch
from sarex.times import to_epoch_s

from tests.providers.gribsamples import RUN, gfs_tree
from tests.providers.servers import RangeServer

NOW = to_epoch_s("2026-05-01T12:00Z")


def _by(choices, kind):
    return [(c.source.source, c.usable) for c in choices if c.kind == kind]


def test_korea_strait_plan_for_a_fresh_case():
    ch = plan(129.5, 34.5, to_epoch_s("2026-05-01T12:00Z"), 48, now_s=NOW)
    assert {c.region for c in ch} == {"korea-strait"}
    assert _by(ch, "wind") == [("ecmwf", True), ("gfs", True)]
    assert _by(ch, "current") == [("cmems", True), ("hycom", True)]


def test_old_case_skips_sources_whose_archive_is_shorter():
    start = NOW - 6 * 86400.0  # ECMWF open data keeps 4 days, GFS on NOMADS 10
    ch = plan(129.5, 34.5, start, 24, now_s=NOW)
    assert _by(ch, "wind") == [("ecmwf", False), ("gfs", True)]
    why = next(c.why for c in ch if c.source.source == "ecmwf")
    assert "keeps only 4 days" in why


def test_beyond_the_horizon():
    # GFS runs every 6 h published ~5 h later: at 12Z the 06Z run is out at 11Z, the 00Z... -> reaches 06Z + 120 h
    ch = plan(129.5, 34.5, NOW, 125, now_s=NOW)
    gfs = next(c for c in ch if c.source.source == "gfs")
    assert not gfs.usable and "reaches +114 h from now" in gfs.why  # 06Z + 120 h = 12Z + 114 h


def test_outside_every_region_but_global():
    ch = plan(-30.0, 45.0, NOW, 24, now_s=NOW)
    assert {c.region for c in ch} == {"global"} and _by(ch, "wind")[0] == ("gfs", True)


def test_plan_cli_says_which_and_why():
    r = CliRunner().invoke(app, ["env", "plan", "--lon", "129.5", "--lat", "34.5", "--start", "2020-01-01T00:00Z", "--hours", "24"])
    assert r.exit_code == 0, r.output
    assert "keeps only 4 days" in r.output and "korea-strait" in r.output


def test_failing_source_falls_back_to_the_next_with_a_warning(tmp_path):
    pytest.importorskip("cfgrib")
    root = tmp_path / "srv"
    gfs_tree(root, RUN, [0, 1, 2, 3])
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()
    req = FetchRequest(Area(127, 32, 131, 36), to_epoch_s("2026-05-01T00:00Z"), 3, "wind")
    warnings = []
    with RangeServer(root) as srv:
        urls = {"ecmwf": dead, "gfs": srv.url}
        res = fetch_with_fallback("wind", plan(129, 34, req.start_s, 3, now_s=NOW), lambda c: fetch(c.source, req, tmp_path / "cache", urls[c.source]), warnings.append)
    assert res.source == "gfs"
    assert len(warnings) == 1 and warnings[0].startswith("wind: ecmwf IFS open data 0.25 deg oper: ") and "unreachable" in warnings[0]
    assert "falling back" in warnings[0]


def test_area_around_an_lkp_reaches_3_kn_for_the_span():
    a = area_around(129.5, 34.5, 24)  # 3 kn x 24 h = 72 nmi = 1.2 deg of latitude, + 0.5 margin
    assert (a.lat0, a.lat1) == (pytest.approx(34.5 - 1.7), pytest.approx(34.5 + 1.7))
    assert a.lon1 - 129.5 == pytest.approx(1.2 / 0.8241261886 + 0.5, abs=2e-3)  # cos 34.5°


def test_shipped_catalogue_parses():
    regions = load_catalogue()
    assert [r.name for r in regions] == ["korea-strait", "global"]
