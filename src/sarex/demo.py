"""``make demo``: the built-in Korea Strait case, end to end, into an output folder."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from sarex.io.atomic import atomic_path

#: A life raft reported north-east of Tsushima on a winter morning.
DEMO_START = "2026-01-15T06:00:00Z"
DEMO_LKP = (129.60, 34.90)
DEMO_OBJECT = "LIFE-RAFT-NB-2"


def run_demo(out: Path, console: Console) -> None:
    """Synthetic environment → drift (coast on) → drift.nc and drift.png in ``out``."""
    from sarex.drift import Release, simulate
    from sarex.drift.summary import summarize
    from sarex.environment.synthetic import korea_strait_dataset, korea_strait_environment
    from sarex.io.driftfile import write_drift
    from sarex.report.driftmap import plot_drift

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
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
        f"drift: {DEMO_OBJECT} from {DEMO_LKP[0]:.2f}E {DEMO_LKP[1]:.2f}N, 24 h: centroid "
        f"{s['centroid_lon']:.3f}E {s['centroid_lat']:.3f}N, spread {s['spread_km']:.1f} km, "
        f"stranded {100 * s['stranded_fraction']:.1f} %"
    )
    console.print(f"wrote {out / 'env.nc'}, {out / 'drift.nc'}, {out / 'drift.png'}")
