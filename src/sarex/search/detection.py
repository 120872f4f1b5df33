"""Detection models: lateral range curves, POD from coverage, POD along timed tracks.

Sources: Koopman (1946/1980) *Search and Screening*; Washburn, *Search and
Detection*; IAMSAR Manual Vol. II ch. 4 (REFERENCES §3). Every model is
parametrised by the sweep width W, the integral of its lateral range curve
(area swept per unit track length).

Models
------
``definite`` (definite range, "cookie cutter")
    Detection certain within W/2 of the searcher, impossible beyond.
    Parallel sweeps: ``POD = min(1, C)``.
``inverse-cube`` (Koopman's inverse cube law)
    Instantaneous detection rate ∝ 1/r³ (r ≫ altitude). An infinite straight
    track at lateral range x gives ``p(x) = 1 − exp(−W²/(4π x²))``, whose integral
    over x is exactly W. Parallel sweeps: ``POD = erf(√π·C/2)``.
``exponential`` (random search, alias ``random``)
    Koopman's random search: ``POD = 1 − exp(−C)``. Along a track it is Stone's
    exponential detection function applied to the local effort density: each leg's
    effort (W per unit length) is spread laterally by a normal distribution of
    standard deviation W (track-keeping and detection randomness), so
    ``POD = 1 − exp(−Σ W·φ_W(x))``; parallel sweeps with C ≥ 0.5 then give
    1 − e^{−C} to within 0.3 %.

POD along a track (particles keep drifting, REFERENCES §4)
    Waypoints are joined by straight legs (in a local equal-area projection); legs
    are cut at the drift file's output times, between which every particle moves
    linearly, so within each piece the searcher's track relative to a particle is
    a straight segment. Per piece the kernel evaluates the model exactly for that
    finite relative segment: for the inverse cube law the exposure
    ``W²/(8π) ∫ ds/(x²+s²)^{3/2}`` (closed form; an infinite leg gives the lateral
    range curve above), for the exponential model the normal effort integrated
    along the segment, for definite range the closest approach ≤ W/2. Pieces and
    legs combine as independent looks, ``POD = 1 − Π(1 − p_leg)`` (exposures add).
    W is taken per unit length of relative track.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import xarray as xr
from scipy.special import erf

from sarex.errors import SarexInputError
from sarex.io.driftfile import STATUS_ACTIVE
from sarex.search.grid import centroid_kernel
from sarex.search.positions import output_times_s
from sarex.search.projection import LocalProjection, laea_constants, laea_point
from sarex.search.track import Track
from sarex.times import iso

MODELS = ("definite", "inverse-cube", "exponential")
MODEL_ALIASES = {
    "definite": "definite",
    "definite-range": "definite",
    "cookie-cutter": "definite",
    "inverse-cube": "inverse-cube",
    "inverse_cube": "inverse-cube",
    "exponential": "exponential",
    "random": "exponential",
}
_MODEL_CODE = {"definite": 0, "inverse-cube": 1, "exponential": 2}
EXPONENTIAL_SPREAD = 1.0  # lateral standard deviation of effort, in sweep widths


def model_name(model: str) -> str:
    """Canonical model name (``definite``, ``inverse-cube``, ``exponential``); ``random`` is ``exponential``."""
    key = str(model).strip().lower()
    if key not in MODEL_ALIASES:
        raise SarexInputError(f"detection model: {model!r} must be one of definite, inverse-cube, exponential (or random)")
    return MODEL_ALIASES[key]


def pod_from_coverage(coverage, model: str):
    """Probability of detection from coverage C = W/S (or effort / area), by model.

    ``definite``: min(1, C); ``inverse-cube``: erf(√π·C/2); ``exponential`` / ``random``: 1 − exp(−C).
    Accepts scalars or arrays; C must be ≥ 0.
    """
    m = model_name(model)
    c = np.asarray(coverage, dtype=np.float64)
    if np.any(c < 0) or np.any(np.isnan(c)):
        raise SarexInputError(f"coverage: {coverage!r} must be >= 0")
    if m == "definite":
        out = np.minimum(1.0, c)
    elif m == "inverse-cube":
        out = erf(math.sqrt(math.pi) * c / 2.0)
    else:
        out = -np.expm1(-c)
    return float(out) if np.ndim(out) == 0 else out


def lateral_range_pod(x_m, sweep_width_m: float, model: str):
    """Lateral range curve: POD of an infinite straight pass at lateral range ``x_m`` (m).

    The integral over x of each curve equals ``sweep_width_m``.
    """
    m = model_name(model)
    w = float(sweep_width_m)
    if not (w > 0.0):
        raise SarexInputError(f"sweep width: {sweep_width_m} m must be > 0")
    x = np.abs(np.asarray(x_m, dtype=np.float64))
    if m == "definite":
        out = (x <= 0.5 * w).astype(np.float64)
    elif m == "inverse-cube":
        with np.errstate(divide="ignore"):
            out = -np.expm1(-(w * w) / (4.0 * math.pi * x * x))
    else:
        sig = EXPONENTIAL_SPREAD * w
        out = -np.expm1(-w * np.exp(-0.5 * (x / sig) ** 2) / (sig * math.sqrt(2.0 * math.pi)))
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class SearchUnit:
    """One search unit's effort: its timed track, sweep width (m) and detection model."""

    track: Track
    sweep_width_m: float
    model: str = "inverse-cube"
    name: str = ""

    def __post_init__(self) -> None:
        if not (self.sweep_width_m > 0.0) or not math.isfinite(self.sweep_width_m):
            raise SarexInputError(f"sweep width: {self.sweep_width_m / 1852.0:g} nm must be > 0")
        object.__setattr__(self, "model", model_name(self.model))
        if not self.name:
            object.__setattr__(self, "name", self.track.name)


@numba.njit(cache=True, inline="always")
def _phi_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


@numba.njit(cache=True, inline="always", error_model="numpy")
def _segment_look(ax, ay, bx, by, w, model, sig):
    """Exposure (or definite-range hit) of a particle at the origin from a relative segment A→B.

    Returns (exposure, hit) with hit 1 for a definite-range detection.
    """
    dx = bx - ax
    dy = by - ay
    l2 = dx * dx + dy * dy
    if l2 <= 1e-18:
        if model == 0 and ax * ax + ay * ay <= 0.25 * w * w:
            return 0.0, 1
        return 0.0, 0
    inv_l = 1.0 / math.sqrt(l2)
    s1 = (ax * dx + ay * dy) * inv_l
    s2 = (bx * dx + by * dy) * inv_l
    xl = (ax * dy - ay * dx) * inv_l
    x2 = xl * xl
    if model == 0:
        if s1 <= 0.0 <= s2:
            d2 = x2
        else:
            d2 = x2 + min(s1 * s1, s2 * s2)
        return 0.0, 1 if d2 <= 0.25 * w * w else 0
    if model == 1:
        k = w * w / (8.0 * math.pi)
        r1 = math.sqrt(ax * ax + ay * ay)
        r2 = math.sqrt(bx * bx + by * by)
        if s1 >= 0.0:
            # cancellation-free form of (s2/r2 - s1/r1)/x² for a segment on one side of the CPA
            return k * (s2 * s2 - s1 * s1) / ((s2 * r1 + s1 * r2) * r1 * r2), 0
        if s2 <= 0.0:
            return k * (s1 * s1 - s2 * s2) / ((-s1 * r2 - s2 * r1) * r1 * r2), 0
        return k * (s2 / r2 - s1 / r1) / x2, 0
    if x2 > 100.0 * sig * sig:
        # effort density below exp(-50) of its peak: nothing to add
        return 0.0, 0
    if (s1 > 10.0 * sig) or (s2 < -10.0 * sig):
        return 0.0, 0
    dens = w * math.exp(-0.5 * x2 / (sig * sig)) / (sig * math.sqrt(2.0 * math.pi))
    return dens * (_phi_cdf(s2 / sig) - _phi_cdf(s1 / sig)), 0


_BLOCK = 256
_FAR_M = 1.0e12  # where undetectable particles are put so that every lane stays finite


@numba.njit(cache=True, inline="always")
def _project_block(lon, lat, status, i0, i1, j, c, ox, oy, ok):
    for b in range(i1 - i0):
        i = i0 + b
        st = status[i, j]
        if (st == 0 or st == 1) and math.isfinite(lon[i, j]) and math.isfinite(lat[i, j]):
            ox[b], oy[b] = laea_point(lon[i, j], lat[i, j], c)
            ok[b] = 1.0
        else:
            ox[b] = _FAR_M
            oy[b] = _FAR_M
            ok[b] = 0.0


@numba.njit(cache=True, parallel=True, error_model="numpy")
def track_pod_kernel(lon, lat, status, c, seg_start, seg_fa, seg_fb, seg_xa, seg_ya, seg_xb, seg_yb, seg_w, seg_model, out_pod):
    """POD of each particle from track pieces, particles moving linearly between outputs.

    ``lon``, ``lat``, ``status``: (particles, outputs); the pieces of output interval j are
    ``seg_start[j]:seg_start[j+1]``; piece k runs from (seg_xa, seg_ya) to (seg_xb, seg_yb),
    projected metres, at fractions seg_fa, seg_fb of its interval. Particles are processed in
    blocks with the piece loop outside, so the inner loops over particles vectorise.
    """
    n = lon.shape[0]
    n_int = seg_start.size - 1
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for blk in numba.prange(n_blocks):
        i0 = blk * _BLOCK
        i1 = min(n, i0 + _BLOCK)
        nb = i1 - i0
        x0 = np.empty(nb)
        y0 = np.empty(nb)
        x1 = np.empty(nb)
        y1 = np.empty(nb)
        ok0 = np.empty(nb)
        ok1 = np.empty(nb)
        okb = np.empty(nb)
        ddx = np.empty(nb)
        ddy = np.empty(nb)
        expo = np.zeros(nb)
        hit = np.zeros(nb)
        last = -2
        for j in range(n_int):
            k0 = seg_start[j]
            k1 = seg_start[j + 1]
            if k1 <= k0:
                continue
            if last == j - 1:
                x0[:] = x1
                y0[:] = y1
                ok0[:] = ok1
            else:
                _project_block(lon, lat, status, i0, i1, j, c, x0, y0, ok0)
            _project_block(lon, lat, status, i0, i1, j + 1, c, x1, y1, ok1)
            last = j
            for b in range(nb):
                okb[b] = ok0[b] * ok1[b]
                ddx[b] = x1[b] - x0[b]
                ddy[b] = y1[b] - y0[b]
            for k in range(k0, k1):
                fa = seg_fa[k]
                fb = seg_fb[k]
                sxa = seg_xa[k]
                sya = seg_ya[k]
                sxb = seg_xb[k]
                syb = seg_yb[k]
                w = seg_w[k]
                model = seg_model[k]
                if model == 1:
                    kk = w * w / (8.0 * math.pi)
                    for b in range(nb):
                        ax = sxa - x0[b] - fa * ddx[b]
                        ay = sya - y0[b] - fa * ddy[b]
                        bx = sxb - x0[b] - fb * ddx[b]
                        by = syb - y0[b] - fb * ddy[b]
                        dx = bx - ax
                        dy = by - ay
                        l2 = dx * dx + dy * dy
                        length = math.sqrt(l2)
                        ad = ax * dx + ay * dy  # s1·L
                        bd = bx * dx + by * dy  # s2·L
                        cr = ax * dy - ay * dx  # x·L
                        r1 = math.sqrt(ax * ax + ay * ay)
                        r2 = math.sqrt(bx * bx + by * by)
                        # (s2/r2 - s1/r1)/x², with s = ad/L, bd/L and x = cr/L; on one side of the
                        # CPA it is rewritten free of cancellation; one division per pair
                        same = ad >= 0.0 or bd <= 0.0
                        num = length * (ad + bd) if same else length * (bd * r1 - ad * r2)
                        den = bd * r1 + ad * r2 if same else cr * cr
                        e = num / (den * r1 * r2)
                        e = e if l2 > 1e-12 else 0.0
                        expo[b] += e * kk if okb[b] > 0.0 else 0.0
                elif model == 0:
                    r2lim = 0.25 * w * w
                    for b in range(nb):
                        ax = sxa - x0[b] - fa * ddx[b]
                        ay = sya - y0[b] - fa * ddy[b]
                        bx = sxb - x0[b] - fb * ddx[b]
                        by = syb - y0[b] - fb * ddy[b]
                        dx = bx - ax
                        dy = by - ay
                        l2 = dx * dx + dy * dy
                        ad = ax * dx + ay * dy
                        bd = bx * dx + by * dy
                        cr = ax * dy - ay * dx
                        # closest approach: an end point, or the foot of the perpendicular (no division)
                        inside = ad < 0.0 and bd > 0.0
                        d_end = min(ax * ax + ay * ay, bx * bx + by * by)
                        close = cr * cr <= r2lim * l2 if inside else d_end <= r2lim
                        h = okb[b] if close else 0.0
                        hit[b] = max(hit[b], h)
                else:
                    for b in range(nb):
                        if okb[b] == 0.0:
                            continue
                        ax = sxa - x0[b] - fa * ddx[b]
                        ay = sya - y0[b] - fa * ddy[b]
                        bx = sxb - x0[b] - fb * ddx[b]
                        by = syb - y0[b] - fb * ddy[b]
                        e, h = _segment_look(ax, ay, bx, by, w, model, EXPONENTIAL_SPREAD * w)
                        expo[b] += e
        for b in range(nb):
            out_pod[i0 + b] = 1.0 if hit[b] > 0.0 else -math.expm1(-expo[b])


@dataclass(frozen=True)
class TrackPieces:
    """Search tracks cut at output times, projected: the kernel's input."""

    projection: LocalProjection
    j_first: int
    j_last: int
    start: np.ndarray
    fa: np.ndarray
    fb: np.ndarray
    xa: np.ndarray
    ya: np.ndarray
    xb: np.ndarray
    yb: np.ndarray
    w: np.ndarray
    model: np.ndarray


def track_pieces(units: list[SearchUnit], tout: np.ndarray, projection: LocalProjection, source: str = "drift file") -> TrackPieces:
    """Cut every unit's legs at the output times and project them."""
    if not units:
        raise SarexInputError("search: no search unit track given")
    cols: dict[str, list] = {k: [] for k in ("j", "fa", "fb", "xa", "ya", "xb", "yb", "w", "model")}
    for u in units:
        tr = u.track
        if tr.start_s < tout[0] - 1e-6 or tr.end_s > tout[-1] + 1e-6:
            raise SarexInputError(
                f"{tr.name}: track time {iso(tr.start_s)} to {iso(tr.end_s)} is outside the {source} time span ({iso(tout[0])} to {iso(tout[-1])})"
            )
        x, y = projection.forward(tr.lon, tr.lat)
        inner = tout[(tout > tr.start_s) & (tout < tr.end_s)]
        ts = np.unique(np.concatenate([tr.time_s, inner]))
        xs = np.interp(ts, tr.time_s, x)
        ys = np.interp(ts, tr.time_s, y)
        # waypoints at one time (a jump) would make interp pick one; keep the track's own points order there
        ta, tb = ts[:-1], ts[1:]
        keep = tb > ta
        mid = 0.5 * (ta + tb)
        j = np.clip(np.searchsorted(tout, mid, side="right") - 1, 0, tout.size - 2)
        cols["j"].append(j[keep])
        dt = tout[j + 1] - tout[j]
        cols["fa"].append(((ta - tout[j]) / dt)[keep])
        cols["fb"].append(((tb - tout[j]) / dt)[keep])
        cols["xa"].append(xs[:-1][keep])
        cols["ya"].append(ys[:-1][keep])
        cols["xb"].append(xs[1:][keep])
        cols["yb"].append(ys[1:][keep])
        cols["w"].append(np.full(int(keep.sum()), float(u.sweep_width_m)))
        cols["model"].append(np.full(int(keep.sum()), _MODEL_CODE[u.model], dtype=np.int64))
    arr = {k: np.concatenate(v) for k, v in cols.items()}
    order = np.argsort(arr["j"], kind="stable")
    arr = {k: np.ascontiguousarray(v[order]) for k, v in arr.items()}
    j_first = int(arr["j"].min())
    j_last = int(arr["j"].max()) + 1
    jj = arr.pop("j") - j_first
    start = np.searchsorted(jj, np.arange(j_last - j_first + 1), side="left").astype(np.int64)
    return TrackPieces(projection, j_first, j_last, start, **arr)


def pod_along_tracks(ds: xr.Dataset, units: list[SearchUnit], source: str = "drift file") -> np.ndarray:
    """POD of every particle of a drift dataset from the search units' tracks.

    Particles move linearly between outputs during the search; particles not
    released, or that left the model domain, are not detectable (POD 0) in
    that interval. Returns an array (trajectory,) of POD in [0, 1].
    """
    tout = output_times_s(ds)
    if tout.size < 2:
        raise SarexInputError(f"{source}: a search update needs at least two output times")
    # projection centred on the afloat cloud at the first searched output
    first = min(u.track.start_s for u in units) if units else tout[0]
    j_c = int(np.clip(np.searchsorted(tout, first, side="right") - 1, 0, tout.size - 1))
    lon_c = np.ascontiguousarray(ds["lon"].values[:, j_c], dtype=np.float64)
    lat_c = np.ascontiguousarray(ds["lat"].values[:, j_c], dtype=np.float64)
    use = (ds["status"].values[:, j_c] == STATUS_ACTIVE) & np.isfinite(lon_c)
    w = np.asarray(ds["weight"].values, dtype=np.float64)
    if use.any():
        centre = centroid_kernel(lon_c, lat_c, w, use)
    else:
        centre = (float(units[0].track.lon[0]), float(units[0].track.lat[0]))
    proj = LocalProjection(float(centre[0]), float(centre[1]))
    pieces = track_pieces(units, tout, proj, source)
    sl = slice(pieces.j_first, pieces.j_last + 1)
    lon = ds["lon"].values[:, sl]
    lat = ds["lat"].values[:, sl]
    st = ds["status"].values[:, sl]
    if lon.dtype != np.float64:
        lon = lon.astype(np.float64)
        lat = lat.astype(np.float64)
    pod = np.empty(lon.shape[0])
    track_pod_kernel(
        lon, lat, st.astype(np.int8, copy=False), laea_constants(proj.lon0, proj.lat0),
        pieces.start, pieces.fa, pieces.fb, pieces.xa, pieces.ya, pieces.xb, pieces.yb, pieces.w, pieces.model, pod,
    )
    return pod
