"""Lambert conformal conic forward projection as a compiled kernel (WGS84 lon/lat → grid x/y).

Atmospheric models (WRF, HARMONIE, the KMA and JMA regional models) put their wind on
Lambert conformal grids; every RK2 step samples the wind twice, so the projection of the
particles to grid coordinates runs twice a step. PROJ through pyproj does it in one thread
at about 140 ns a point; this kernel, whose loop vectorises, in 22 ns on one core (Snyder 1987, *Map Projections:
A Working Manual*, USGS PP 1395, eqs. 15-1 to 15-11: the ellipsoidal cone; 14-15 with
``e = 0`` for a sphere). :func:`lcc_constants` reads the projection from the CRS and
checks the kernel against PROJ on points over the grid: where they differ by more than
1 µm (a datum shift PROJ applies between WGS84 and the grid's datum, or parameters this
module does not read) it returns ``None`` and the caller keeps PROJ.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import pyproj

from sarex.vecmath import exp_reduced, log_positive, sincos_half_pi, sincos_quarter

#: Largest difference from PROJ (m) for the kernel to be used.
AGREEMENT_M = 1e-6


@nb.njit(cache=True, inline="always")
def _t(phi, e):  # pragma: no cover - numba
    """Snyder's t(φ), eq. 15-9."""
    es = e * math.sin(phi)
    return math.tan(0.25 * math.pi - 0.5 * phi) / ((1.0 - es) / (1.0 + es)) ** (0.5 * e)


@nb.njit(cache=True, inline="always")
def _m(phi, e):  # pragma: no cover - numba
    """Snyder's m(φ), eq. 14-15."""
    s = math.sin(phi)
    return math.cos(phi) / math.sqrt(1.0 - e * e * s * s)


@nb.njit(cache=True)
def _constants(a, e, lat1, lat2, lat0, lon0, k0, x0, y0):  # pragma: no cover - numba
    """[λ0, n, a·F·k0, ρ0, x0, y0, e] of the cone (angles in degrees in, radians out)."""
    p1, p2, p0 = math.radians(lat1), math.radians(lat2), math.radians(lat0)
    if abs(p1 - p2) < 1e-12:
        n = math.sin(p1)
    else:
        n = (math.log(_m(p1, e)) - math.log(_m(p2, e))) / (math.log(_t(p1, e)) - math.log(_t(p2, e)))
    aff = a * k0 * _m(p1, e) / (n * _t(p1, e) ** n)
    return np.array([math.radians(lon0), n, aff, aff * _t(p0, e) ** n, x0, y0, e])


@nb.njit(cache=True, inline="always")
def _log_t(phi, e):  # pragma: no cover - numba
    """ln t(φ) of Snyder's eq. 15-9 (φ in radians), as ``e·atanh(e sin φ) − ln tan(π/4 + φ/2)``.

    ``ln((1 − e s)/(1 + e s)) = −2 atanh(e s)`` and ``tan(π/4 − φ/2) = 1/tan(π/4 + φ/2)``:
    one logarithm instead of a tangent and two powers. ``atanh(e s)`` by its series
    ``Σ x^(2k+1)/(2k+1)``: with ``x ≤ e ≈ 0.082`` the terms after ``x^17`` are below 1e-20.
    ``tan(π/4 + φ/2) = (cos φ/2 + sin φ/2)/(cos φ/2 − sin φ/2)``, without the cancellation
    of ``1 − sin φ`` near the pole; kept within [1e-300, 1e300], so the far pole gives a
    finite ``ln t`` (and a huge ``ρ``).
    """
    s, c = sincos_quarter(0.5 * phi)
    x = e * (2.0 * s * c)
    x2 = x * x
    series = 1.0 + x2 * (1.0 / 3.0 + x2 * (1.0 / 5.0 + x2 * (1.0 / 7.0 + x2 * (1.0 / 9.0 + x2 * (
        1.0 / 11.0 + x2 * (1.0 / 13.0 + x2 * (1.0 / 15.0 + x2 * (1.0 / 17.0))))))))
    q = (c + s) / (c - s)
    q = 1e300 if q > 1e300 else q
    q = 1e-300 if q < 1e-300 else q
    # + 0·φ: a NaN latitude stays NaN on a sphere (e = 0) too
    return e * x * series - log_positive(q) + 0.0 * phi


@nb.njit(cache=True, inline="always")
def lcc_point(lon, lat, lam0, n, aff, rho0, x0, y0, e):  # pragma: no cover - numba
    """Grid (x, y) (m) of one point (degrees): ``ρ = a F k0 t^n``, ``θ = n (λ − λ0)`` (eqs. 15-1 to 15-3).

    Sine, cosine, logarithm and exponential are the branch-free ones of
    :mod:`sarex.vecmath`, so a loop over points vectorises; ``θ``'s sine and cosine are
    those of ``θ/2`` doubled (``|θ| ≤ π``).
    """
    dl = math.radians(lon) - lam0
    dl = dl - 2.0 * math.pi if dl > math.pi else dl
    dl = dl + 2.0 * math.pi if dl < -math.pi else dl
    phi = math.radians(lat)
    rho = aff * exp_reduced(n * _log_t(phi, e))
    # the cone's apex, as PROJ has it: within 1e-10 rad of the pole the float φ is no closer
    rho = 0.0 if (abs(abs(phi) - 0.5 * math.pi) < 1e-10 and phi * n > 0.0) else rho
    s, c = sincos_half_pi(0.5 * n * dl)
    return x0 + rho * (2.0 * s * c), y0 + rho0 - rho * ((c - s) * (c + s))


@nb.njit(cache=True, parallel=True)
def lcc_forward_kernel(lon, lat, c, out_x, out_y):  # pragma: no cover - numba
    """Grid x/y (m) of points (degrees) with constants ``c`` from :func:`lcc_constants`."""
    lam0, n, aff, rho0, x0, y0, e = c[0], c[1], c[2], c[3], c[4], c[5], c[6]
    for k in nb.prange(lon.size):
        out_x[k], out_y[k] = lcc_point(lon[k], lat[k], lam0, n, aff, rho0, x0, y0, e)


def lcc_constants(crs: pyproj.CRS, xs: np.ndarray, ys: np.ndarray, to_grid: pyproj.Transformer | None = None) -> np.ndarray | None:
    """The kernel's constants for ``crs``, or ``None`` unless it agrees with PROJ over the grid.

    ``xs``, ``ys``: the grid's axes (m), over which the agreement is checked; ``to_grid``:
    the caller's WGS84 → ``crs`` transformer (``always_xy``), made here if not given.
    """
    cf = crs.to_cf()
    if cf.get("grid_mapping_name") != "lambert_conformal_conic" or not crs.is_projected:
        return None
    if any(ax.unit_name not in ("metre", "meter") for ax in crs.axis_info):
        return None
    parallels = cf.get("standard_parallel", cf.get("latitude_of_projection_origin"))
    ell = crs.ellipsoid
    if parallels is None or ell is None:
        return None
    sp = np.atleast_1d(parallels).astype(float)
    a, b = float(ell.semi_major_metre), float(ell.semi_minor_metre)
    e = math.sqrt(max(0.0, 1.0 - (b * b) / (a * a)))
    c = _constants(a, e, float(sp[0]), float(sp[-1]), float(cf.get("latitude_of_projection_origin", sp[0])),
                   float(cf.get("longitude_of_central_meridian", 0.0)), float(cf.get("scale_factor_at_projection_origin", 1.0)),
                   float(cf.get("false_easting", 0.0)), float(cf.get("false_northing", 0.0)))
    # check points: a 9 x 9 lattice over the grid, in lon/lat as PROJ gives them back
    gx, gy = np.meshgrid(np.linspace(xs[0], xs[-1], 9), np.linspace(ys[0], ys[-1], 9))
    if to_grid is None:
        to_grid = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lon, lat = (np.ascontiguousarray(v, dtype=np.float64).ravel() for v in to_grid.transform(gx, gy, direction="INVERSE"))
    rx, ry = (np.asarray(v, dtype=np.float64) for v in to_grid.transform(lon, lat))
    x, y = np.empty(lon.size), np.empty(lon.size)
    lcc_forward_kernel(lon, lat, c, x, y)
    if not (np.all(np.isfinite(x)) and np.max(np.hypot(x - rx, y - ry)) <= AGREEMENT_M):
        return None
    return c
