"""``make demo``: the built-in Korea Strait case, end to end, through the same use cases as the CLI.

1. the synthetic environment (env.nc) and a Leeway drift from a reported position (drift.nc, drift.png);
2. the probability map 6 h later with containment areas and the IAMSAR datum (probability/);
3. a combined ROK–Japan search plan for the next 6 hours (plan/);
4. the built-in Korea–Japan SAREX scenario run as an exercise with replicates (exercise/).

Every stage writes into one :class:`~sarex.app.output.FolderTarget` (the demo's
folder, published whole at the end) through sub-targets of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from sarex.app.output import OutputTarget, run_into
from sarex.geo import NM_M
from sarex.app._validate import build
from sarex.times import iso, to_epoch_s

#: A life raft reported north-east of Tsushima on a winter morning.
DEMO_START = "2026-01-15T06:00:00Z"
DEMO_LKP = (129.60, 34.90)
DEMO_OBJECT = "LIFE-RAFT-NB-2"
DEMO_REPLICATES = 200


class _Sub:
    """A view of a folder target under a prefix (``plan/``), so each stage's use case writes its own part."""

    def __init__(self, parent: OutputTarget, prefix: str, names: Optional[dict[str, str]] = None) -> None:
        self.parent, self.prefix, self.names = parent, prefix, names or {}

    def _n(self, name: str) -> str:
        name = self.names.get(name, name)
        return f"{self.prefix}/{name}".strip("/") if self.prefix else name

    def wants(self, name: str) -> bool:
        return True

    def location(self, name: str) -> str:
        return self.parent.location(self._n(name))

    def write_text(self, name: str, text: str) -> None:
        self.parent.write_text(self._n(name), text)

    def write_bytes(self, name: str, data: bytes) -> None:
        self.parent.write_bytes(self._n(name), data)

    def write_file(self, name: str, writer: Any) -> None:
        self.parent.write_file(self._n(name), writer)

    def write_folder(self, name: str, writer: Any) -> None:
        self.parent.write_folder(self._n(name), writer)

    def commit(self) -> list[str]:
        return []  # the demo's folder is published once, at the end

    def abort(self) -> None:
        pass


@dataclass
class DemoResult:
    lines: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0


def demo(target: OutputTarget, say: Callable[[str], None] = lambda s: None, replicates: int = DEMO_REPLICATES) -> DemoResult:
    """Run every stage on built-in data into ``target`` (a folder target)."""
    from sarex.app import drift as drift_uc
    from sarex.app import env as env_uc
    from sarex.app import exercise as ex_uc
    from sarex.app import plan as plan_uc
    from sarex.app import search as search_uc
    from sarex.drift.summary import summarize

    out = DemoResult()
    t_all = time.perf_counter()

    def note(line: str) -> None:
        out.lines.append(line)
        say(line)

    def body() -> None:
        # 1. drift
        env_uc.env_synth(build(env_uc.EnvSynthRequest, start=DEMO_START, days=3.0), _Sub(target, ""))
        req = build(drift_uc.DriftRequest, lon=DEMO_LKP[0], lat=DEMO_LKP[1], start=DEMO_START, hours=24.0, object_class=DEMO_OBJECT,
                    environment=drift_uc.EnvironmentChoice(synthetic=True), radius_m=NM_M, particles=20000, seed=2026, plot=True)
        dr = drift_uc.drift(req, _Sub(target, ""))
        s = summarize(dr.dataset)
        note(f"[bold]1 drift[/]: {DEMO_OBJECT} from {DEMO_LKP[0]:.2f}E {DEMO_LKP[1]:.2f}N, 24 h: centroid "
             f"{s['centroid_lon']:.3f}E {s['centroid_lat']:.3f}N, spread {s['spread_km']:.1f} km, "
             f"stranded {100 * s['stranded_fraction']:.1f} % → drift.nc, drift.png")

        # 2. probability 6 h after the LKP, from the drift just written
        t_map = to_epoch_s(DEMO_START) + 6 * 3600.0
        drift_path = Path("drift.nc")  # named so in the outputs' attributes; the dataset is passed in memory
        preq = build(search_uc.ProbabilityRequest, drift_file=drift_path, time=iso(t_map), cell_nm=0.5, geojson=True, plot=True)
        pr = search_uc.probability(preq, _Sub(target, "probability"), ds=dr.dataset)
        a90 = next(a for a in pr.areas if abs(a.level - 0.9) < 1e-9)
        note(f"[bold]2 probability[/] at {iso(t_map)}: 90 % containment {a90.area_nm2:.0f} NM², "
             f"IAMSAR datum square {pr.datum.area_nm2:.0f} NM² → probability/")

        # 3. plan the next 6 h with the built-in ROK–Japan units (land kept off, as `sarex plan`)
        qreq = build(plan_uc.PlanRequest, drift_file=drift_path, start=iso(t_map), hours=6.0, seed=0, detection="exponential")
        pl = plan_uc.plan(qreq, _Sub(target, "plan"), ds=dr.dataset)
        n_tasked, n_reserve = len(pl.plan.assignments), len(pl.plan.reserve)
        note(f"[bold]3 plan[/]: {n_tasked} unit{'s' if n_tasked != 1 else ''} tasked, {n_reserve} in reserve, planner estimate POS {100 * pl.plan.total_pos:.1f} % "
             f"(Stone static optimum {100 * pl.plan.bound_pos:.1f} %) → plan/ (GPX, RTZ, KML, GeoJSON, SAP messages en/ko/ja)")

        # 4. the Korea–Japan SAREX scenario as an exercise
        rreq = build(ex_uc.RunRequest, scenario="korea-japan", seed=2026, particles=3000, replicates=replicates)
        res = ex_uc.exercise_run(rreq, _Sub(target, "exercise"))
        sco = res.scores()
        found = (f"detected in period {sco['detection']['period']} by {sco['detection']['unit']} "
                 f"{sco['detection']['hours_since_alert']:.1f} h after the alert" if sco["detected"] else f"not detected in {res.executed} periods")
        rep = sco.get("replicates", {})
        note(f"[bold]4 exercise[/] '{res.scenario.name}': {found}; over {rep.get('n', 0)} replicates "
             f"{100 * rep.get('detected_fraction', 0):.0f} % detected → exercise/participants/, exercise/evaluation/report.html")

    out.files = run_into(target, body)
    out.seconds = time.perf_counter() - t_all
    return out
