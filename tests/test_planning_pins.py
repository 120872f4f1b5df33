"""An area set by hand on the map (issue 29): centre, leg bearing and sides in degrees and NM become the
planner's rectangle and back, checked against pyproj's geodesic (an independent reference); a pinned unit
is planned in that area, with the POS of the probability inside it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod

from planning_fixtures import CENTRE, NM, T0, ring_sru, static_normal_drift
from sarex.geo import LocalProjection
from sarex.planning.cloud import period_cloud
from sarex.planning.planner import Planner
from sarex.planning.rectangle import AreaPin, pin_rectangle, rectangle_pin

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize("legs_deg", [0.0, 30.0, 90.0, 147.5])
def test_pin_rectangle_sides_and_bearing_on_the_ellipsoid(legs_deg):
    frame = LocalProjection(*CENTRE)
    pin = AreaPin(CENTRE[0] + 0.12, CENTRE[1] - 0.07, legs_deg, 6.0 * NM, 2.5 * NM)
    r = pin_rectangle(frame, pin)
    lon, lat = frame.inverse(r.corners()[:, 0], r.corners()[:, 1])
    # the sides measured on the ellipsoid: corners 0-1 run along the legs, 1-2 across them
    az01, _, along = GEOD.inv(lon[0], lat[0], lon[1], lat[1])
    _, _, across = GEOD.inv(lon[1], lat[1], lon[2], lat[2])
    assert along == pytest.approx(6.0 * NM, rel=2e-3) and across == pytest.approx(2.5 * NM, rel=2e-3)
    # the legs' true bearing, within 0.3° (grid north of a projection centred 8 NM away)
    diff = (az01 - legs_deg + 90.0) % 180.0 - 90.0
    assert abs(diff) < 0.3, (az01, legs_deg)
    # the centre: the mean of the corners, within 10 m of the pin
    _, _, off = GEOD.inv(pin.centre_lon, pin.centre_lat, float(np.mean(lon)), float(np.mean(lat)))
    assert off < 10.0
    back = rectangle_pin(frame, r)
    assert back.centre_lon == pytest.approx(pin.centre_lon, abs=1e-6) and back.centre_lat == pytest.approx(pin.centre_lat, abs=1e-6)  # 0.1 m
    assert back.legs_deg == pytest.approx(legs_deg % 180.0, abs=1e-9) and (back.leg_m, back.creep_m) == (pin.leg_m, pin.creep_m)


def test_a_pinned_unit_searches_its_area_and_its_pos_follows_the_probability_there():
    """A unit pinned on the datum of a still normal cloud (σ = 3 NM) finds more than the same unit pinned
    3σ away; both search inside the areas set, and POS = POC × POD with POC the particles' share inside
    the area, counted here independently of the planner."""
    ds = static_normal_drift(3.0 * NM, 4000, seed=3)
    cloud = period_cloud(ds, T0 + 3600.0, T0 + 5 * 3600.0, 1800.0)
    sru = ring_sru(0, 1, sweep_width_m=0.8 * NM, speed_ms=8.0)
    lon0, lat0 = cloud.frame.inverse(np.array([0.0]), np.array([0.0]))
    got = {}
    for name, dx_nm in (("datum", 0.0), ("far", 9.0)):
        lon, lat = cloud.frame.inverse(np.array([dx_nm * NM]), np.array([0.0]))
        pin = AreaPin(float(lon[0]), float(lat[0]), 0.0, 6.0 * NM, 6.0 * NM)
        plan = Planner(cloud, "exponential", seed=0).plan([sru], pins={sru.id: pin_rectangle(cloud.frame, pin)})
        (a,) = plan.assignments
        # the area searched is the one set, its legs trimmed at most 10 % to whole turns of the pattern
        r = pin_rectangle(cloud.frame, pin)
        cx, cy = a.rect.corners()[:, 0], a.rect.corners()[:, 1]
        assert r.contains(cx, cy, margin_m=1.0).all() and a.rect.area_m2 >= 0.9 * r.area_m2
        assert math.hypot(r.cx - dx_nm * NM, r.cy) < 1.0
        inside = a.rect.contains(cloud.x, cloud.y)
        poc = float(np.sum(cloud.weight[:, None] * inside) / np.sum(cloud.weight[:, None] * np.ones_like(inside)))
        assert a.poc == pytest.approx(poc, abs=0.02)
        assert a.pos == pytest.approx(a.poc * a.pod, rel=0.05)
        got[name] = a.pos
    assert got["datum"] > 0.2 and got["far"] < 0.1 * got["datum"], got
    assert (float(lon0[0]), float(lat0[0])) == pytest.approx(CENTRE, abs=0.05)
