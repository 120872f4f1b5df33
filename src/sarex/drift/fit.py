"""Drift coefficients of an object estimated from its observed track and the forcing.

Least squares of the observed velocity relative to the current against the wind
(REFERENCES §11; as OpenDrift's wind-drift-factor example and the Leeway field method,
Breivik et al. 2011): between consecutive fixes the velocity is the displacement over
the interval, the forcing is sampled at the interval's mid-point (position and time),
and the leeway is ``r = v_obs − current``.

* ``windage``: ``r = α·W`` (vector wind, both components stacked, no intercept):
  ``α̂ = Σ r·W / Σ |W|²``, ``SE(α̂) = σ̂ / sqrt(Σ |W|²)``, ``σ̂² = Σ |r − α̂W|² / (2N − 1)``.
* ``leeway``: downwind ``r·d = a_dw·U + b_dw`` and crosswind ``r·c = a_cw·U + b_cw``
  (``d`` the downwind unit vector, ``c = (d_n, −d_e)`` right of downwind, U the wind
  speed), two ordinary regressions with the usual standard errors; their residual
  standard deviations are the classes' ``S_yx``. A single object drifts on one side: the
  other side is its mirror image (``a_cwl = −a_cwr``, ``b_cwl = −b_cwr``).

The standard errors assume independent errors between intervals: true for an object's
own unresolved motion; for pure GPS position noise, consecutive differences are
negatively correlated and the errors quoted are conservative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sarex.environment.base import Environment
from sarex.errors import SarexInputError
from sarex.geo import metres_per_radian
from sarex.io.track import Track



@dataclass(frozen=True)
class Segments:
    """Observed velocity and forcing per interval between fixes (SI)."""

    ve: np.ndarray
    vn: np.ndarray
    wu: np.ndarray
    wv: np.ndarray
    cu: np.ndarray
    cv: np.ndarray


def track_segments(tracks: list[Track], env: Environment, min_interval_s: float = 60.0) -> Segments:
    """Velocities between consecutive fixes of every track and the forcing at their mid-points."""
    cols = [[] for _ in range(6)]
    for tr in tracks:
        dt = np.diff(tr.time_s)
        if np.any(dt < min_interval_s):
            i = int(np.flatnonzero(dt < min_interval_s)[0])
            raise SarexInputError(f"track {tr.name!r}: fixes {i + 1} and {i + 2} are {dt[i]:g} s apart (at least {min_interval_s:g} s for a velocity)")
        lat_m = 0.5 * (tr.lat[1:] + tr.lat[:-1])
        dlon = ((np.diff(tr.lon) + 180.0) % 360.0) - 180.0
        lon_m = tr.lon[:-1] + 0.5 * dlon
        rx, ry = metres_per_radian(lat_m)
        ve = rx * np.radians(dlon) / dt
        vn = ry * np.radians(np.diff(tr.lat)) / dt
        t_m = 0.5 * (tr.time_s[1:] + tr.time_s[:-1])
        for k in range(dt.size):
            wu, wv, cu, cv, _ = env.sample(lon_m[k : k + 1], lat_m[k : k + 1], float(t_m[k]))
            for c, v in zip(cols, (ve[k], vn[k], wu[0], wv[0], cu[0], cv[0])):
                c.append(float(v))
    return Segments(*(np.array(c) for c in cols))


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float, float]:
    """Slope, intercept, their standard errors and the residual standard deviation of y = a·x + b."""
    n = x.size
    xm = x.mean()
    sxx = float(np.sum((x - xm) ** 2))
    if n < 3 or sxx <= 0:
        raise SarexInputError(f"fit: {n} interval(s) with {'no' if sxx <= 0 else 'too little'} variation of the wind speed; a slope and an offset need more")
    a = float(np.sum((x - xm) * (y - y.mean())) / sxx)
    b = float(y.mean() - a * xm)
    s = math.sqrt(float(np.sum((y - a * x - b) ** 2)) / (n - 2))
    return a, b, s / math.sqrt(sxx), s * math.sqrt(1.0 / n + xm * xm / sxx), s


@dataclass(frozen=True)
class ObjectFit:
    """Fitted coefficients (``*_pct`` in % of U10, ``*_cm_s`` in cm/s) with standard errors."""

    kind: str
    coefficients: dict[str, float]
    standard_errors: dict[str, float]
    intervals: int

    def toml(self, key: str, description: str = "") -> str:
        """The fit as an ``[[object]]`` table for an object file (standard errors → the spread)."""
        c = self.coefficients
        lines = ["[[object]]", f'key = "{key}"', f'kind = "{self.kind}"', f'description = "{description or "fitted by sarex fit-object"}"']
        if self.kind == "windage":
            lines += [f"windage_pct = {c['windage_pct']:.6g}", f"windage_std_pct = {self.standard_errors['windage_pct']:.6g}"]
        else:
            for k in ("dw_slope_pct", "dw_offset_cm_s", "dw_std_cm_s", "cwr_slope_pct", "cwr_offset_cm_s", "cwr_std_cm_s", "cwl_slope_pct", "cwl_offset_cm_s", "cwl_std_cm_s"):
                lines.append(f"{k} = {c[k]:.6g}")
        return "\n".join(lines) + "\n"


def fit_object(tracks: list[Track], env: Environment, kind: str = "windage") -> ObjectFit:
    """Least-squares drift coefficients of one object class from its observed tracks (pooled).

    Parameters
    ----------
    tracks
        Observed tracks of objects of the class (each ≥ 2 fixes, times increasing).
    env
        Wind (10 m) and current covering the tracks.
    kind
        ``"windage"`` (α only) or ``"leeway"`` (downwind and crosswind slope and offset).
    """
    seg = track_segments(tracks, env)
    ru, rv = seg.ve - seg.cu, seg.vn - seg.cv
    n = ru.size
    if kind == "windage":
        ww = float(np.sum(seg.wu**2 + seg.wv**2))
        if n < 1 or ww <= 0:
            raise SarexInputError("fit: no wind along the track; the windage cannot be estimated")
        alpha = float(np.sum(ru * seg.wu + rv * seg.wv)) / ww
        res = np.concatenate([ru - alpha * seg.wu, rv - alpha * seg.wv])
        dof = 2 * n - 1
        if dof < 1:
            raise SarexInputError("fit: one interval cannot give a windage and its uncertainty; the track needs at least 2 intervals")
        se = math.sqrt(float(np.sum(res**2)) / dof / ww)
        return ObjectFit("windage", {"windage_pct": 100.0 * alpha}, {"windage_pct": 100.0 * se}, n)
    if kind != "leeway":
        raise SarexInputError(f"--kind: {kind!r} must be 'windage' or 'leeway'")
    u = np.hypot(seg.wu, seg.wv)
    ok = u > 0
    de, dn = seg.wu[ok] / u[ok], seg.wv[ok] / u[ok]
    l_dw = ru[ok] * de + rv[ok] * dn
    l_cw = ru[ok] * dn - rv[ok] * de
    a, b, sa, sb, s = _ols(u[ok], l_dw)
    ac, bc, sac, sbc, sc = _ols(u[ok], l_cw)
    coef = {
        "dw_slope_pct": 100 * a, "dw_offset_cm_s": 100 * b, "dw_std_cm_s": 100 * s,
        "cwr_slope_pct": 100 * ac, "cwr_offset_cm_s": 100 * bc, "cwr_std_cm_s": 100 * sc,
        "cwl_slope_pct": -100 * ac, "cwl_offset_cm_s": -100 * bc, "cwl_std_cm_s": 100 * sc,
    }
    se = {"dw_slope_pct": 100 * sa, "dw_offset_cm_s": 100 * sb, "cwr_slope_pct": 100 * sac, "cwr_offset_cm_s": 100 * sbc}
    return ObjectFit("leeway", coef, se, int(ok.sum()))
