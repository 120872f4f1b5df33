"""Detection models: lateral range curves, POD from coverage, POD along timed tracks.

Sources: Koopman (1946/1980) *Search and Screening*; Washburn, *Search and
Detection*; IAMSAR Manual Vol. II ch. 4 (REFERENCES §3). Every model is
parametrised by the sweep width W, the area swept per unit track length: the
integral of the lateral range curve (definite range, inverse cube) or of the
effort density (exponential).

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
    1 − e^{−C} to within 0.3 %. A single pass detects less than it sweeps (its
    lateral range curve integrates to 0.87 W), as random search does.

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

from sarex.drift.case.classes import particle_classes
from sarex.errors import SarexInputError
from sarex.search.grid import centroid_kernel
from sarex.search.podmodel import DEFAULT_MODEL, DetectionModel
from sarex.search.positions import output_times_s
from sarex.geo import NM_M, LocalProjection, laea_constants_fast, laea_point, laea_point_fast
from sarex.io.track import Track
from sarex.times import iso

EXPONENTIAL_SPREAD = 1.0  # lateral standard deviation of effort, in sweep widths


def lateral_range_pod(x_m, sweep_width_m: float, model: "str | DetectionModel"):
    """Lateral range curve: POD of an infinite straight pass at lateral range ``x_m`` (m).

    The integral over x of each curve equals ``sweep_width_m``.
    """
    m = DetectionModel.parse(model)
    w = float(sweep_width_m)
    if not (w > 0.0):
        raise SarexInputError(f"sweep width: {sweep_width_m} m must be > 0")
    x = np.abs(np.asarray(x_m, dtype=np.float64))
    if m is DetectionModel.DEFINITE:
        out = (x <= 0.5 * w).astype(np.float64)
    elif m is DetectionModel.INVERSE_CUBE:
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
    model: DetectionModel = DEFAULT_MODEL
    name: str = ""
    #: (Leeway class key, W in m) pairs: the sweep width for particles of that class (others: sweep_width_m)
    class_widths_m: tuple[tuple[str, float], ...] = ()

    def for_class(self, key: str) -> "SearchUnit":
        """The unit with the sweep width for object class ``key``."""
        w = dict(self.class_widths_m).get(key, self.sweep_width_m)
        return SearchUnit(self.track, w, self.model, self.name)

    def __post_init__(self) -> None:
        if not (self.sweep_width_m > 0.0) or not math.isfinite(self.sweep_width_m):
            raise SarexInputError(f"sweep width: {self.sweep_width_m / NM_M:g} nm must be > 0")
        self.track.require_search()
        object.__setattr__(self, "model", DetectionModel.parse(self.model))
        if not self.name:
            object.__setattr__(self, "name", self.track.name)


@numba.njit(cache=True, inline="always")
def _exp_neg(z: float) -> float:
    """exp(−z) for 0 ≤ z ≤ 50 without a libm call (so loops vectorise): (Taylor of exp(−z/64))^64.

    The series to degree 17 on [0, 0.79] is exact to 1e-18; six squarings keep the
    relative error below 1e-14.
    """
    t = -z * (1.0 / 64.0)
    p = 1.0 + t * (1.0 + t * (1.0 / 2.0 + t * (1.0 / 6.0 + t * (1.0 / 24.0 + t * (1.0 / 120.0 + t * (1.0 / 720.0 + t * (1.0 / 5040.0 + t * (1.0 / 40320.0 + t * (1.0 / 362880.0 + t * (1.0 / 3628800.0 + t * (1.0 / 39916800.0 + t * (1.0 / 479001600.0 + t * (1.0 / 6227020800.0 + t * (1.0 / 87178291200.0 + t * (1.0 / 1307674368000.0 + t * (1.0 / 20922789888000.0 + t / 355687428096000.0))))))))))))))))
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    return p * p


@numba.njit(cache=True, inline="always")
def _phi_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


_BLOCK = 256
_FAR_M = 1.0e12  # where undetectable particles are put so that every lane stays finite


@numba.njit(cache=True)
def _project_rows(lon, lat, status, i0, i1, c, px, py, ok):
    """Project all output columns of particles i0..i1 into ``px``, ``py`` (outputs, block).

    Rows are read in memory order into the output arrays, then projected in one flat,
    branch-free loop (polynomial LAEA, which vectorises); points more than 20° from the
    centre are redone with the libm projection; undetectable points (not released, left
    the domain, NaN) get ok = 0 and a position far away so every lane stays finite.
    """
    m = lon.shape[1]
    nb = i1 - i0
    lon0 = c[0] * 57.29577951308232
    lat0 = c[8] * 57.29577951308232
    for b in range(nb):
        i = i0 + b
        for j in range(m):
            lo = lon[i, j]
            la = lat[i, j]
            st = status[i, j]
            good = (st == 0 or st == 1) and math.isfinite(lo) and math.isfinite(la)
            ok[j, b] = 1.0 if good else 0.0
            px[j, b] = lo if good else lon0
            py[j, b] = la if good else lat0
    fx = px.ravel()
    fy = py.ravel()
    fo = ok.ravel()
    far = 0
    for k in range(fx.size):
        x, y, near = laea_point_fast(fx[k], fy[k], c)
        far += 0 if near else 1
        fx[k] = x
        fy[k] = y
    if far > 0:
        for b in range(nb):
            for j in range(m):
                if ok[j, b] > 0.0:
                    x, y, near = laea_point_fast(lon[i0 + b, j], lat[i0 + b, j], c)
                    if not near:
                        px[j, b], py[j, b] = laea_point(lon[i0 + b, j], lat[i0 + b, j], c)
    for k in range(fx.size):
        if fo[k] == 0.0:
            fx[k] = _FAR_M
            fy[k] = _FAR_M


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
        m = lon.shape[1]
        px = np.empty((m, nb))
        py = np.empty((m, nb))
        okm = np.empty((m, nb))
        okb = np.empty(nb)
        ddx = np.empty(nb)
        ddy = np.empty(nb)
        expo = np.zeros(nb)
        hit = np.zeros(nb)
        near = np.empty(nb)
        _project_rows(lon, lat, status, i0, i1, c, px, py, okm)
        for j in range(n_int):
            k0 = seg_start[j]
            k1 = seg_start[j + 1]
            if k1 <= k0:
                continue
            x0 = px[j]
            y0 = py[j]
            x1 = px[j + 1]
            y1 = py[j + 1]
            ok0 = okm[j]
            ok1 = okm[j + 1]
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
                if model == 1:  # DetectionModel.INVERSE_CUBE
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
                elif model == 0:  # DetectionModel.DEFINITE
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
                    sig = EXPONENTIAL_SPREAD * w
                    inv2s2 = 0.5 / (sig * sig)
                    amp = w / (sig * math.sqrt(2.0 * math.pi))
                    # pass 1, branch-free (vectorises): the normal effort of the whole line,
                    # exp by polynomial; pieces whose ends lie within 8.3 σ of the CPA are flagged
                    n_end = 0
                    for b in range(nb):
                        ax = sxa - x0[b] - fa * ddx[b]
                        ay = sya - y0[b] - fa * ddy[b]
                        bx = sxb - x0[b] - fb * ddx[b]
                        by = syb - y0[b] - fb * ddy[b]
                        dx = bx - ax
                        dy = by - ay
                        l2 = dx * dx + dy * dy
                        cr = ax * dy - ay * dx
                        ad = ax * dx + ay * dy
                        bd = bx * dx + by * dy
                        ok_l = okb[b] > 0.0 and l2 > 1e-18
                        l2s = l2 if ok_l else 1.0
                        z = cr * cr / l2s * inv2s2
                        lim = 8.3 * sig
                        # Φ(s/σ) is 0 or 1 to 1e-16 beyond 8.3 σ: with both ends beyond, the piece is a whole line
                        lim2 = lim * lim * l2s
                        end1 = ad > -lim * math.sqrt(l2s) if ad < 0.0 else True
                        end2 = bd < lim * math.sqrt(l2s) if bd > 0.0 else True
                        whole = ok_l and z < 50.0 and not end1 and not end2
                        flag = ok_l and z < 50.0 and (end1 or end2) and not (ad * ad > lim2 and ad > 0.0) and not (bd * bd > lim2 and bd < 0.0)
                        expo[b] += amp * _exp_neg(min(z, 50.0)) if whole else 0.0
                        near[b] = 1.0 if flag else 0.0
                        n_end += 1 if flag else 0
                    if n_end == 0:
                        continue
                    # pass 2, only pieces that end near a particle's CPA: erfc at the ends
                    for b in range(nb):
                        if near[b] == 0.0:
                            continue
                        ax = sxa - x0[b] - fa * ddx[b]
                        ay = sya - y0[b] - fa * ddy[b]
                        bx = sxb - x0[b] - fb * ddx[b]
                        by = syb - y0[b] - fb * ddy[b]
                        dx = bx - ax
                        dy = by - ay
                        l2 = dx * dx + dy * dy
                        cr = ax * dy - ay * dx
                        x2 = cr * cr / l2
                        inv_l = 1.0 / math.sqrt(l2)
                        s1 = (ax * dx + ay * dy) * inv_l / sig
                        s2 = (bx * dx + by * dy) * inv_l / sig
                        p2 = 1.0 if s2 > 8.3 else _phi_cdf(s2)
                        p1 = 0.0 if s1 < -8.3 else _phi_cdf(s1)
                        expo[b] += amp * math.exp(-x2 * inv2s2) * (p2 - p1)
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
        # points sharing a time stamp (GPX has 1 s resolution): keep the first
        first = np.concatenate([[True], np.diff(tr.time_s) > 0])
        tw = tr.time_s[first]
        x, y = projection.forward(tr.lon[first], tr.lat[first])
        inner = tout[(tout > tr.start_s) & (tout < tr.end_s)]
        ts = np.unique(np.concatenate([tw, inner]))
        xs = np.interp(ts, tw, x)
        ys = np.interp(ts, tw, y)
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
        cols["model"].append(np.full(int(keep.sum()), int(u.model), dtype=np.int64))
    arr = {k: np.concatenate(v) for k, v in cols.items()}
    order = np.argsort(arr["j"], kind="stable")
    arr = {k: np.ascontiguousarray(v[order]) for k, v in arr.items()}
    j_first = int(arr["j"].min())
    j_last = int(arr["j"].max()) + 1
    jj = arr.pop("j") - j_first
    start = np.searchsorted(jj, np.arange(j_last - j_first + 1), side="left").astype(np.int64)
    return TrackPieces(projection, j_first, j_last, start, **arr)


def search_projection(units: list[SearchUnit]) -> LocalProjection:
    """Local equal-area projection of a search: centred on the mean of all waypoints.

    Detection geometry matters near the tracks, so the projection is centred there; it
    does not depend on the particle weights, so a repeated track gives identical PODs.
    """
    lon = np.concatenate([u.track.lon for u in units])
    lat = np.concatenate([u.track.lat for u in units])
    c = centroid_kernel(lon, lat, np.ones(lon.size), np.ones(lon.size, dtype=np.bool_))
    return LocalProjection(float(c[0]), float(c[1]))


def pod_along_tracks(ds: xr.Dataset, units: list[SearchUnit], source: str = "drift file") -> np.ndarray:
    """POD of every particle of a drift dataset from the search units' tracks.

    Particles move linearly between outputs during the search; particles not
    released, or that left the model domain, are not detectable (POD 0) in
    that interval. Returns an array (trajectory,) of POD in [0, 1].
    """
    tout = output_times_s(ds)
    if tout.size < 2:
        raise SarexInputError(f"{source}: a search update needs at least two output times")
    if not units:
        raise SarexInputError("search: no search unit track given")
    proj = search_projection(units)
    if any(u.class_widths_m for u in units):
        # each particle is searched for with its own class's sweep width (its class at mid-search)
        mid = 0.5 * (min(u.track.start_s for u in units) + max(u.track.end_s for u in units))
        keys, cls = particle_classes(ds, mid)
        pod = np.zeros(ds.sizes["trajectory"])
        for c in np.unique(cls):
            rows = np.flatnonzero(cls == c)
            pod[rows] = _pod_rows(ds, [u.for_class(keys[c]) for u in units], tout, proj, source, rows)
        return pod
    return _pod_rows(ds, units, tout, proj, source, None)


def _pod_rows(ds: xr.Dataset, units: list[SearchUnit], tout: np.ndarray, proj: LocalProjection, source: str, rows) -> np.ndarray:
    """POD of the particles ``rows`` (all when None) from the units' tracks."""
    pieces = track_pieces(units, tout, proj, source)
    sl = slice(pieces.j_first, pieces.j_last + 1)
    pick = (slice(None) if rows is None else rows, sl)
    # C-contiguous arrays (a copy only when the search spans part of the output): numba's
    # kernels for non-contiguous views are about three times slower
    lon = np.ascontiguousarray(ds["lon"].values[pick], dtype=np.float64)
    lat = np.ascontiguousarray(ds["lat"].values[pick], dtype=np.float64)
    st = np.ascontiguousarray(ds["status"].values[pick], dtype=np.int8)
    pod = np.empty(lon.shape[0])
    track_pod_kernel(
        lon, lat, st, laea_constants_fast(proj.lon0, proj.lat0),
        pieces.start, pieces.fa, pieces.fb, pieces.xa, pieces.ya, pieces.xb, pieces.yb, pieces.w, pieces.model, pod,
    )
    return pod
