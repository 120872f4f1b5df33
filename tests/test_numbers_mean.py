"""Issue 15 items 4–8 and 15: numbers that mean what they say, outputs that read back."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from planning_fixtures import NM, T0, UNITS_TOML, period_cloud_for, small_plan, static_normal_drift
from scipy.special import erf
from typer.testing import CliRunner

from sarex.cli import app
from sarex.io.driftfile import write_drift
from sarex.planning.exports import rtz_schema_path
from sarex.planning.message import sap_message
from sarex.planning.optimal import optimal_allocation_model
from sarex.report.planfiles import write_plan_folder
from sarex.times import iso

runner = CliRunner()


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plan")
    plan, cloud, cat = small_plan(tmp)
    out = tmp / "plan"
    write_plan_folder(out, plan, cloud, cat, {"object": "LIFE-RAFT-NB-2", "particles": 5000}, coast=False)
    return plan, cloud, cat, out


@pytest.fixture(scope="module")
def drifting_plan(tmp_path_factory):
    """Three units over a cloud drifting east at 0.5 m/s (particles cross several areas)."""
    from sarex.planning.planner import Planner
    from sarex.planning.sru import make_sru
    from sarex.planning.units import load_units

    tmp = tmp_path_factory.mktemp("drifting")
    p = tmp / "units.toml"
    p.write_text(UNITS_TOML)
    cat = load_units(p)
    ds = static_normal_drift(4 * NM, 4000, seed=5, hours=6, east_ms=0.5)
    cloud = period_cloud_for(ds)
    srus = [make_sru(u, cloud.frame, T0, u.sweep_width_nm) for u in cat.units]
    return Planner(cloud, "exponential", seed=0).plan(srus), cloud, cat, ds


# --- item 8: RTZ validates against the published schema ------------------------------------


def test_every_exported_rtz_validates_against_rtz_1_0_schema(planned):
    import xmlschema

    plan, _, cat, out = planned
    schema = xmlschema.XMLSchema(str(rtz_schema_path()))
    files = sorted((out / "routes").glob("*.rtz"))
    assert len(files) == sum(1 for u in cat.units if not u.is_aircraft) == 2
    for f in files:
        text = f.read_text()
        schema.validate(str(f))  # raises with the first violation
        assert 'version="1.0"' in text and "http://www.cirm.org/RTZ/1/0" in text and "RTZ 1.0" in text
        # The schema is strict: the spelling "scheduleElement" (RTZ 1.1+) is not RTZ 1.0.
        assert not schema.is_valid(text.replace("sheduleElement", "scheduleElement"))


def test_rtz_schema_names_match_the_published_1_0_text():
    text = rtz_schema_path().read_text()
    for name in ("sheduleElement", "routeInfo", "defaultWaypoint", "portsideXTD", "starboardXTD", "geometryType",
                 "validityPeriodStart", "waypointId", "absFuelSace", "legInfo"):
        assert f'name="{name}"' in text
    assert 'name="scheduleElement"' not in text
    assert 'targetNamespace="http://www.cirm.org/RTZ/1/0"' in text and 'fixed="1.0"' in text


# --- item 4: only search legs count -----------------------------------------------------------


def test_search_update_counts_only_the_search_legs_of_a_planned_route(tmp_path, planned):
    plan, cloud, cat, out = planned
    drift = tmp_path / "drift.nc"
    ds = static_normal_drift(4 * NM, 5000, seed=5, hours=10)
    # The same still cloud from 3 h before the period, so that the departure lies inside the drift's time span.
    write_drift(ds.assign_coords(time=ds["time"].values - np.timedelta64(3, "h")), drift)
    a = next(a for a in plan.assignments if a.unit_id == "KR-DDG")
    route = out / "routes" / "KR-DDG.gpx"
    args = ["search-update", str(drift), "--track", str(route), "--sweep-width-nm", "1.5", "--model", "random"]
    r = runner.invoke(app, args + ["--out", str(tmp_path / "pattern.nc")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r_all = runner.invoke(app, args + ["--all-legs", "--out", str(tmp_path / "all.nc")], catch_exceptions=False)
    assert r_all.exit_code == 0, r_all.output
    from sarex.io.driftfile import read_drift, searches_applied

    rec = searches_applied(read_drift(tmp_path / "pattern.nc"))[-1]
    rec_all = searches_applied(read_drift(tmp_path / "all.nc"))[-1]
    # The search is from the CSP (on task) to the last pattern waypoint (off task), not from departure to return.
    u = rec["units"][0]
    assert u["start"] == iso(round(a.arrive_s)) and u["end"] == iso(round(a.search_end_s))
    assert u["waypoints"] == a.pattern.x.size
    assert rec_all["units"][0]["waypoints"] == a.pattern.x.size + 2
    assert rec_all["units"][0]["start"] == iso(round(a.depart_s))
    # The transit from 16 NM out crosses the cloud: it adds probability that is not search effort.
    assert rec_all["pos"] > rec["pos"] > 0


def test_unmarked_gpx_tracks_still_count_whole(tmp_path):
    import gpxpy.gpx

    from sarex.io.gpx import read_gpx_tracks

    g = gpxpy.gpx.GPX()
    r = gpxpy.gpx.GPXRoute(name="other-tool")
    for i in range(3):
        pt = gpxpy.gpx.GPXRoutePoint(latitude=34.6 + 0.01 * i, longitude=129.5, time=None)
        from sarex.times import from_epoch_s

        pt.time = from_epoch_s(T0 + 600 * i)
        r.points.append(pt)
    g.routes.append(r)
    p = tmp_path / "r.gpx"
    p.write_text(g.to_xml())
    (tr,) = read_gpx_tracks(p, strict=True, routes=True)
    assert tr.lon.size == 3 and tr.start_s == T0 and tr.end_s == T0 + 1200


# --- item 7: sarex's routes read back as planned patterns -------------------------------------


def test_plan_routes_round_trip_into_exercise_evaluate_planned(planned):
    from sarex.exercise.planned import read_planned_dir

    plan, _, cat, out = planned
    pats = read_planned_dir(out / "routes")  # no scenario defaults: W and S must come from the routes
    assert set(pats) == {a.unit_id for a in plan.assignments}
    for a in plan.assignments:
        p = pats[a.unit_id]
        w_m = a.effort_m2 / a.track_m
        assert p.sweep_width_m == pytest.approx(w_m, rel=1e-5)
        assert p.track_spacing_m == pytest.approx(a.spacing_m, rel=1e-5)
        lon, lat = plan.frame.inverse(a.pattern.x, a.pattern.y)
        # The pattern only: CSP to the last waypoint, no departure or return point.
        assert p.lon.size == a.pattern.x.size
        np.testing.assert_allclose(p.lon, lon, atol=1e-6)
        np.testing.assert_allclose(p.lat, lat, atol=1e-6)


# --- item 6: one definition per POS number ------------------------------------------------------


def test_stone_optimum_for_each_detection_model():
    # Definite range, 4 unit cells, effort 1.5: cover the 0.4 cell, half the 0.3 cell.
    al = optimal_allocation_model(np.array([0.4, 0.3, 0.2, 0.1]), 1.0, 1.5, "definite")
    assert al.pos == pytest.approx(0.4 + 0.5 * 0.3, abs=1e-12)
    np.testing.assert_allclose(al.effort_m2, [1.0, 0.5, 0.0, 0.0])
    rng = np.random.default_rng(3)
    p = rng.random(40) ** 3
    p /= p.sum()
    a = rng.uniform(0.5, 2.0, 40)
    z = 6.0
    ic = optimal_allocation_model(p, a, z, "inverse-cube")
    ex = optimal_allocation_model(p, a, z, "exponential")
    assert ic.effort_m2.sum() == pytest.approx(z, rel=1e-9)
    c = ic.effort_m2 / a
    assert ic.pos == pytest.approx(float(np.sum(p * erf(math.sqrt(math.pi) / 2 * c))), rel=1e-12)
    # erf(√π c/2) ≥ 1 − e^{−c}: the inverse-cube optimum is the larger.
    assert ic.pos > ex.pos
    # Optimality: moving effort between any two cells does not raise the POS.
    def pos_of(zz):
        return float(np.sum(p * erf(math.sqrt(math.pi) / 2 * zz / a)))

    best = pos_of(ic.effort_m2)
    for i, j in [(0, 1), (5, 17), (int(np.argmax(c)), int(np.argmin(c)))]:
        for d in (1e-3, -1e-3):
            zz = ic.effort_m2.copy()
            dd = min(d, zz[j]) if d > 0 else max(d, -zz[i])
            zz[i] += dd
            zz[j] -= dd
            assert pos_of(zz) <= best + 1e-12


def test_static_cloud_inverse_cube_plan_stays_below_its_stone_optimum(tmp_path):
    from sarex.planning.planner import Planner
    from sarex.planning.sru import make_sru
    from sarex.planning.units import load_units

    p = tmp_path / "units.toml"
    p.write_text(UNITS_TOML)
    cat = load_units(p)
    cloud = period_cloud_for(static_normal_drift(4 * NM, 5000, seed=5, hours=6))
    srus = [make_sru(u, cloud.frame, T0, u.sweep_width_nm) for u in cat.units]
    plan = Planner(cloud, "inverse-cube", seed=0).plan(srus)
    # For a cloud that does not move the static optimum of the same detection model is a bound
    # (up to the grid's sampling noise); an exponential-detection "bound" was below this plan.
    assert plan.total_pos <= plan.bound_pos * 1.01


def test_unit_poc_and_pos_add_up(drifting_plan):
    plan, cloud, _, _ = drifting_plan
    assert len(plan.assignments) == 3
    pocs = [a.poc for a in plan.assignments]
    poss = [a.pos for a in plan.assignments]
    assert sum(pocs) <= 1.0 + 1e-12
    assert sum(poss) == pytest.approx(plan.total_pos, rel=1e-12)
    for a in plan.assignments:
        assert 0.0 <= a.pod <= 1.0 and a.pos <= a.poc + 1e-15


def test_plan_json_and_sap_name_and_define_the_numbers(planned):
    plan, _, cat, out = planned
    s = json.loads((out / "plan.json").read_text())
    assert s["pos_planner"] == pytest.approx(plan.total_pos) and s["stone_reference_pos"] == pytest.approx(plan.bound_pos)
    assert sum(u["poc"] for u in s["units"]) == pytest.approx(s["poc_any_area"]) and s["poc_any_area"] <= 1.0
    assert sum(u["pos"] for u in s["units"]) == pytest.approx(s["pos_planner"], rel=1e-9)
    assert {"pos_planner", "stone_reference_pos", "units"} <= set(s["definitions"])
    sap = (out / "sap_en.txt").read_text()
    assert "optimal allocation" not in sap and "Stone static optimum" in sap and "Definitions:" in sap
    # The POD the SAP puts next to a coverage is the detection model's at that coverage.
    for a in plan.assignments:
        pod_c = 100 * (1.0 - math.exp(-a.coverage))  # exponential detection
        assert f"coverage {a.coverage:.2f} (POD {pod_c:.0f} % for an object that stays in the area)" in sap


# --- item 15: the SAP reads at a glance -----------------------------------------------------------


def test_sap_object_description_leg_count_and_spacing(planned):
    plan, _, cat, out = planned
    sap = (out / "sap_en.txt").read_text()
    assert "Life-raft, no ballast system, no canopy, no drogue (Leeway class LIFE-RAFT-NB-2)" in sap
    assert not re.search(r"\b1 legs\b", sap)
    for a in plan.assignments:
        assert f"track spacing S {a.spacing_m / NM:.1f} NM, {a.n_legs} leg{'s' if a.n_legs != 1 else ''}," in sap
    assert not re.search(r"S \d+\.\d\d NM", sap)
    one = sap_message(plan, cat, "en", {"object": "NOT-A-CLASS"})
    assert "Search object: NOT-A-CLASS" in one


def test_sap_date_time_groups_are_accepted_as_inputs(planned):
    """Issue 15 item 15: every DTG the SAP writes reads back through sarex's time parser to the same minute."""
    from sarex.times import to_epoch_s

    plan, _, _, out = planned
    sap = (out / "sap_en.txt").read_text()
    dtgs = re.findall(r"\b\d{6}Z [A-Z]{3} \d{4}\b", sap)
    assert len(dtgs) >= 2 + 4 * len(plan.assignments)
    parsed = {to_epoch_s(d) for d in dtgs}
    a = plan.assignments[0]
    for t in (plan.start_s, plan.end_s, a.depart_s, a.arrive_s, a.search_end_s, a.return_s):
        assert (t // 60) * 60 in parsed
