"""``make demo``: the built-in Korea Strait case, end to end, into an output folder.

1. the synthetic environment and a Leeway drift from a reported position (drift.nc, drift.png);
2. the probability map 6 h later with containment areas and the IAMSAR datum (probability/);
3. a combined ROK–Japan search plan for the next 6 hours (plan/);
4. the built-in Korea–Japan SAREX scenario run as an exercise with replicates (exercise/).
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from rich.console import Console

from sarex.io.atomic import atomic_path

#: A life raft reported north-east of Tsushima on a winter morning.
DEMO_START = "2026-01-15T06:00:00Z"
DEMO_LKP = (129.60, 34.90)
DEMO_OBJECT = "LIFE-RAFT-NB-2"
DEMO_REPLICATES = 200


def run_demo(out: Path, console: Console, replicates: int = DEMO_REPLICATES) -> None:
    """Run every stage on built-in data and write the results into ``out``."""
    from sarex.drift import Release, simulate
    from sarex.drift.summary import summarize
    from sarex.environment.synthetic import korea_strait_dataset, korea_strait_environment
    from sarex.io.driftfile import write_drift
    from sarex.report.driftmap import plot_drift
    from sarex.times import iso, to_epoch_s

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t_all = time.perf_counter()

    # 1. drift
    ds_env = korea_strait_dataset(DEMO_START, days=3)
    with atomic_path(out / "env.nc") as tmp:
        ds_env.to_netcdf(tmp, engine="netcdf4")
    env = korea_strait_environment(DEMO_START, days=3)
    release = Release.point(DEMO_LKP[0], DEMO_LKP[1], DEMO_START, radius_m=1852.0)
    drift = simulate(env, DEMO_OBJECT, release, hours=24, particles=20000, seed_value=2026)
    write_drift(drift, out / "drift.nc")
    plot_drift(drift, out / "drift.png")
    s = summarize(drift)
    console.print(
        f"[bold]1 drift[/]: {DEMO_OBJECT} from {DEMO_LKP[0]:.2f}E {DEMO_LKP[1]:.2f}N, 24 h: centroid "
        f"{s['centroid_lon']:.3f}E {s['centroid_lat']:.3f}N, spread {s['spread_km']:.1f} km, "
        f"stranded {100 * s['stranded_fraction']:.1f} % → drift.nc, drift.png"
    )

    # 2. probability 6 h after the LKP
    from sarex.report.probmap import plot_probability
    from sarex.search.containment import containment_areas, containment_features, geojson_feature, write_geojson
    from sarex.search.datum import iamsar_datum
    from sarex.search.grid import ProbabilityGrid

    t_map = to_epoch_s(DEMO_START) + 6 * 3600.0
    grid = ProbabilityGrid.from_drift(drift, t_map, cell_nm=0.5)
    areas = containment_areas(grid)
    datum = iamsar_datum(drift, t_map)
    pdir = out / "probability"
    pdir.mkdir(exist_ok=True)
    with contextlib.ExitStack() as stack:
        grid.write_netcdf(stack.enter_context(atomic_path(pdir / "probability.nc")))
        feats = containment_features(areas) + [geojson_feature(datum.square, {"kind": "iamsar-square"})]
        write_geojson(stack.enter_context(atomic_path(pdir / "areas.geojson")), feats)
        plot_probability(grid, stack.enter_context(atomic_path(pdir / "probability.png")), areas, datum, DEMO_LKP)
    a90 = next(a for a in areas if abs(a.level - 0.9) < 1e-9)
    console.print(
        f"[bold]2 probability[/] at {iso(t_map)}: 90 % containment {a90.area_nm2:.0f} NM², "
        f"IAMSAR datum square {datum.area_nm2:.0f} NM² → probability/"
    )

    # 3. plan the next 6 h with the built-in ROK–Japan units
    from sarex.planning.cloud import period_cloud
    from sarex.planning.output import write_plan_folder
    from sarex.planning.planner import Planner
    from sarex.planning.sru import make_sru, unit_sweep_width_nm
    from sarex.planning.units import example_catalogue_path, load_units

    catalogue = load_units(example_catalogue_path())
    cloud = period_cloud(drift, t_map, t_map + 6 * 3600.0)
    srus = [make_sru(u, cloud.frame, t_map, unit_sweep_width_nm(u, DEMO_OBJECT)) for u in catalogue.units]
    plan = Planner(cloud, "exponential", 0).plan(srus)
    situation = {"object": DEMO_OBJECT, "particles": int(cloud.x.shape[0]), "searches": 0,
                 "lkp_lon": DEMO_LKP[0], "lkp_lat": DEMO_LKP[1], "lkp_time": DEMO_START}
    write_plan_folder(out / "plan", plan, cloud, catalogue, situation)
    console.print(
        f"[bold]3 plan[/]: {len(plan.assignments)} units, planner estimate POS {100 * plan.total_pos:.1f} % "
        f"(Stone static optimum {100 * plan.bound_pos:.1f} %) → plan/ (GPX, RTZ, KML, GeoJSON, SAP messages en/ko/ja)"
    )

    # 4. the Korea–Japan SAREX scenario as an exercise
    from sarex.exercise.engine import run_exercise, write_exercise
    from sarex.exercise.scenario import load_scenario

    sc = load_scenario("korea-japan")
    res = run_exercise(sc, seed=2026, particles=3000, replicates=replicates)
    write_exercise(res, out / "exercise")
    sco = res.scores()
    found = (
        f"detected in period {sco['detection']['period']} by {sco['detection']['unit']} "
        f"{sco['detection']['hours_since_alert']:.1f} h after the alert"
        if sco["detected"]
        else f"not detected in {res.executed} periods"
    )
    rep = sco.get("replicates", {})
    console.print(
        f"[bold]4 exercise[/] '{sc.name}': {found}; over {rep.get('n', 0)} replicates "
        f"{100 * rep.get('detected_fraction', 0):.0f} % detected → exercise/participants/, exercise/evaluation/report.html"
    )
    console.print(f"demo finished in {time.perf_counter() - t_all:.0f} s; outputs in {out}/")
