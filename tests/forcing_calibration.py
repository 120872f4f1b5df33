"""Calibration harness of the forcing error: the synthetic Korea Strait field as forecast,
variants of it as the real ocean (issue 16 item 6).

A forecast cloud is drifted in the reference field (gridded, as a product would be); truths
are PIW-1 particles from the same LKP drifted in a variant ocean, either all in one variant
(``per_variant``: one draw of the forecast's error) or each in its own variant (``pooled``:
the truths sample the whole distribution of forecast errors, so coverage estimates the
calibration itself). Coverage = fraction of truths inside the forecast's q-containment area
(kernel density, :func:`sarex.search.skill.kde_grid` with the containment bandwidth).
Used by ``tests/test_forcing_error.py`` (small N) and ``benchmarks/forcing_error_calibration.py``.
"""

from __future__ import annotations

import numpy as np

from sarex.drift.simulate import simulate
from sarex.environment import Environment
from sarex.environment.base import FLAG_OK
from sarex.environment.synthetic import korea_strait_environment, korea_strait_fields, variant_perturbations
from sarex.search.containment import cumulative_containment
from sarex.search.skill import CONTAINMENT_BANDWIDTH_SCALE, kde_grid
from sarex.times import to_epoch_s

LKP = (129.9, 34.0)
START = "2026-01-15T00:00Z"
LEADS_H = (6, 12, 24)
LEVELS = (0.5, 0.9)


class _PerParticleVariant:
    """Wind or current of the analytic field where particle k lives in its own variant ocean."""

    def __init__(self, perturbation: dict, which: str) -> None:
        self.p, self.which, self.name = perturbation, which, f"{which} (one variant per particle)"

    def time_range(self):
        return -np.inf, np.inf

    def domain_description(self) -> str:
        return self.name

    def sample(self, lon, lat, time_s, active, out_u, out_v, out_flag) -> None:
        p = self.p if lon.size == self.p["cur"].size else {k: v[:1] for k, v in self.p.items()}  # the LKP check: one point
        wu, wv, cu, cv = korea_strait_fields(lon, lat, np.float64(time_s), perturbation=p)
        u, v = (wu, wv) if self.which == "wind" else (cu, cv)
        out_u[active] = u[active]
        out_v[active] = v[active]
        out_flag[active] = FLAG_OK


def per_particle_environment(variants) -> Environment:
    """An environment in which trajectory k drifts in variant ``variants[k]`` (analytic, not gridded)."""
    p = variant_perturbations(variants)
    return Environment(_PerParticleVariant(p, "wind"), _PerParticleVariant(p, "current"))


def forecast_cloud(forcing_error, particles: int = 20000, seed: int = 1, hours: float = 24.0, obj: str = "PIW-1"):
    env = korea_strait_environment(START, days=2)
    return simulate(env, obj, lon=LKP[0], lat=LKP[1], start=START, hours=hours, particles=particles,
                    seed_value=seed, forcing_error=forcing_error)


def truths(variant, particles: int = 1000, seed: int = 7, hours: float = 24.0, obj: str = "PIW-1"):
    """Truth trajectories: ``variant`` None (perfect model), an int (one variant ocean) or a
    sequence of ints (one per truth, analytic field)."""
    if variant is None or isinstance(variant, (int, np.integer)):
        env = korea_strait_environment(START, days=2, variant=None if variant is None else int(variant))
    else:
        env = per_particle_environment(variant)
        particles = len(variant)
    return simulate(env, obj, lon=LKP[0], lat=LKP[1], start=START, hours=hours, particles=particles,
                    seed_value=seed, forcing_error=None)


def levels(forecast, truth, lead_h: float) -> np.ndarray:
    """Each truth's smallest containment level of the forecast at ``lead_h`` (1 outside every cell)."""
    j = int(round(lead_h * 3600.0 / float(forecast.attrs["output_step_s"])))
    lon, lat = forecast["lon"].values[:, j], forecast["lat"].values[:, j]
    w = np.where(np.isfinite(lon), forecast["weight"].values, 0.0)
    t = to_epoch_s(START, "start") + lead_h * 3600.0
    grid = kde_grid(lon, lat, w, t, bandwidth_scale=CONTAINMENT_BANDWIDTH_SCALE)
    cum = cumulative_containment(grid.probability)
    x, y = grid.projection.forward(truth["lon"].values[:, j], truth["lat"].values[:, j])
    i = np.floor((x - grid.x0_m) / grid.cell_m).astype(np.int64)
    k = np.floor((y - grid.y0_m) / grid.cell_m).astype(np.int64)
    inside = (i >= 0) & (i < grid.shape[1]) & (k >= 0) & (k < grid.shape[0])
    out = np.ones(len(x))
    out[inside] = cum[k[inside], i[inside]]
    return np.where(np.isfinite(out), out, 1.0)


def coverage(forecast, truth, leads=LEADS_H, qs=LEVELS) -> dict[float, tuple[float, ...]]:
    """Per lead time (h): the fraction of truths inside each q-area, in percent."""
    res = {}
    for h in leads:
        lv = levels(forecast, truth, h)
        res[h] = tuple(100.0 * float(np.mean(lv <= q)) for q in qs)
    return res
