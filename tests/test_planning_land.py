"""The land raster of the planning plane against the GSHHG coastline (Tsushima)."""

from __future__ import annotations

import numpy as np

from sarex.geo import LocalProjection
from sarex.planning.land import PlaneLand
from sarex.planning.rectangle import Rectangle

NM = 1852.0


def test_tsushima_is_land_and_the_strait_is_sea():
    frame = LocalProjection(129.5, 34.6)
    land = PlaneLand.from_coastline(frame, (-40 * NM, -40 * NM, 40 * NM, 40 * NM), cell_m=500.0)
    # Tsushima (Izuhara hills), Busan-side open water, Korea Strait east channel.
    pts = {"tsushima": (129.27, 34.25), "strait": (129.60, 34.90), "east channel": (129.80, 34.20)}
    x, y = frame.forward(np.array([p[0] for p in pts.values()]), np.array([p[1] for p in pts.values()]))
    assert land.on_land(x, y).tolist() == [True, False, False]
    # A 5 nm square on Tsushima touches land; one in the open strait does not.
    assert land.touches_land(Rectangle(float(x[0]), float(y[0]), 0.3, 5 * NM, 5 * NM))
    assert not land.touches_land(Rectangle(float(x[1]), float(y[1]), 0.3, 5 * NM, 5 * NM))
    # Outside the raster counts as sea.
    assert not land.on_land(np.array([1e7]), np.array([0.0]))[0]
