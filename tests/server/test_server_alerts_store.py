"""Separation alerts through the reports' write path (issue 30), on a store without a server: the reports
are written as the group commit writes them, the alerts stored and audited in the same transaction, and each
reader sees those the rules give them. Positions are placed with pyproj's geodesic, independent of the kernel."""

from __future__ import annotations

import time

import pyproj
import pytest
from sqlalchemy import func, select

from sarex.server import alerts, audit
from sarex.server.db import Store
from sarex.server.models import AuditEntry, User
from sarex.server.batchwrite import PositionBatch, write_positions
from sarex.times import to_epoch_s
from server_harness import demo_store, principal_of

G = pyproj.Geod(ellps="WGS84")
FT = 0.3048
T = 1770771600.0  # 2026-02-11T01:00Z, in the demo's first period
LON0, LAT0 = 129.6, 34.8


@pytest.fixture(autouse=True)
def _own_key_location(monkeypatch):
    monkeypatch.delenv("SAREX_AUDIT_KEY_FILE", raising=False)


@pytest.fixture()
def store(tmp_path):
    with demo_store(tmp_path) as st:
        yield st


principal = principal_of


def post(store: Store, name: str, rid: str, t: float, az: float, dist_nm: float, alt_ft: float | None):
    p = principal(store, name)
    lon, lat, _ = G.fwd(LON0, LAT0, az, dist_nm * 1852.0)
    row = (p.unit_of(1), rid, t, lon, lat, None if alt_ft is None else alt_ft * FT)
    with store.tx() as s:
        res = write_positions(s, [PositionBatch(p, 1, [row])])[0]
    assert not isinstance(res, Exception), res


def read(store: Store, name: str) -> list[dict]:
    with store.read() as s:
        return alerts.visible(s, principal(store, name), 1)


def test_aircraft_half_a_mile_apart_same_altitude_alert_both_and_control(store):
    post(store, "rok-helo-1", "a1", T, 0, 0.0, 500)
    post(store, "jpn-helo-1", "b1", T + 5, 90, 0.5, 500)
    want = [("aircraft_separation", ["JPN-HELO-1", "ROK-HELO-1"], 0.5, 0.0)]
    for reader in ("rok-helo-1", "jpn-helo-1", "director", "coordinator"):
        got = read(store, reader)
        assert [(a["kind"], a["units"], round(a["distance_nm"], 2), a["vertical_ft"]) for a in got] == want, reader
    a = read(store, "rok-helo-1")[0]
    assert a["time"] == "2026-02-11T01:00:05Z"
    seen = {x["unit"]: x for x in a["seen"]}  # the KOR helicopter sees the JPN one's position and altitude
    assert seen["JPN-HELO-1"]["alt_m"] == pytest.approx(500 * FT) and seen["JPN-HELO-1"]["lon"] > LON0
    assert read(store, "rok-pkg-1") == [] and read(store, "jpn-p1-1") == []  # not concerned, not OSC or ACO
    assert [x["unit"] for x in read(store, "rok-ddh-1")[0]["seen"]] == ["JPN-HELO-1", "ROK-HELO-1"]  # the OSC reads all
    # repeated reports do not repeat the alert within a minute; after it, they do
    post(store, "jpn-helo-1", "b2", T + 30, 90, 0.5, 500)
    assert len(read(store, "director")) == 1
    post(store, "jpn-helo-1", "b3", T + 70, 90, 0.5, 500)
    post(store, "rok-helo-1", "a2", T + 70, 0, 0.0, 500)
    assert len(read(store, "director")) == 2
    with store.read() as s:
        assert audit.verify(s).ok
        assert s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "alert")).scalar() == 2


def test_a_thousand_feet_apart_no_alert(store):
    post(store, "rok-helo-1", "a1", T, 0, 0.0, 500)
    post(store, "jpn-helo-1", "b1", T + 5, 90, 0.5, 1500)
    assert read(store, "director") == []


def test_aircraft_300_ft_above_another_nations_ship_is_a_low_pass(store):
    post(store, "rok-ddh-1", "d1", T, 0, 0.0, None)
    post(store, "jpn-p1-1", "p1", T + 10, 45, 0.8, 300)
    got = read(store, "rok-ddh-1")
    assert [(a["kind"], a["units"], round(a["distance_nm"], 2), a["vertical_ft"]) for a in got] == [("low_pass", ["JPN-P1-1", "ROK-DDH-1"], 0.8, 300.0)]
    assert read(store, "jpn-p1-1") == got
    # an aircraft that reports no altitude is not judged
    post(store, "jpn-helo-1", "h1", T + 12, 45, 0.5, None)
    assert len(read(store, "director")) == 1


def test_breach_table_for_the_after_action_report(store):
    post(store, "rok-ddh-1", "d1", T, 0, 0.0, None)
    post(store, "jpn-p1-1", "p1", T + 10, 45, 0.8, 300)
    with store.read() as s:
        got = alerts.breaches(s, 1)
    wall = got[0].pop("created_wall")  # the wall time it was raised: now, not the exercise time
    assert got == [{"time": "2026-02-11T01:00:10Z", "kind": "low_pass", "units": ["JPN-P1-1", "ROK-DDH-1"],
                    "distance_nm": pytest.approx(0.8, abs=1e-3), "vertical_ft": 300.0, "acks": []}]
    assert abs(to_epoch_s(wall) - time.time()) < 120
    # the played export carries the same table to `sarex exercise evaluate-played` and the server's evaluate job
    from sarex.server.models import Exercise
    from sarex.server.played_export import build

    with store.read() as s:
        exported = build(s, s.get(Exercise, 1))
    assert [(b["kind"], b["time"], b["units"], b["created_wall"]) for b in exported["breaches"]] == [
        ("low_pass", "2026-02-11T01:00:10Z", ["JPN-P1-1", "ROK-DDH-1"], wall)]
    assert exported["messages"] == []


def _plan_row(s, nation: str, unit: str, ring, block, user_id: int):
    import json as _json

    from sarex.server.models import Plan

    a = {"unit": unit, "nation": nation, "area_ring": ring, "altitude_block_ft": block, "on_task": "2026-02-11T01:00:00Z",
         "off_task": "2026-02-11T04:00:00Z", "messages": {}}
    pl = Plan(exercise_id=1, period=1, nation=nation, status="draft", created_s=0.0, drafted_by=user_id,
              data_json=_json.dumps({"start": "2026-02-11T00:00:00Z", "end": "2026-02-11T06:00:00Z", "assignments": [a], "unassigned": {}, "messages": {}}))
    s.add(pl)
    s.flush()
    return pl.id


def test_two_nations_plans_in_conflict_shown_before_and_at_approval(store):
    from sarex.server import plans

    # two 6' × 6' boxes side by side, 0.01° of longitude apart (0.49 NM at 34.8° N): both helicopters at 200–700 ft
    west = [[129.5, 34.8], [129.6, 34.8], [129.6, 34.9], [129.5, 34.9], [129.5, 34.8]]
    east = [[129.61, 34.8], [129.71, 34.8], [129.71, 34.9], [129.61, 34.9], [129.61, 34.8]]
    high = [[129.61, 34.8], [129.71, 34.8], [129.71, 34.9], [129.61, 34.9], [129.61, 34.8]]
    with store.tx() as s:
        uid = s.execute(select(User.id).where(User.name == "coordinator")).scalar_one()
        kor = _plan_row(s, "KOR", "ROK-HELO-1", west, [200, 700], uid)
        jpn = _plan_row(s, "JPN", "JPN-HELO-1", east, [200, 700], uid)
    with store.read() as s:
        shown = {v["nation"]: v["airspace_conflicts"] for v in plans.list_plans(s, principal(store, "coordinator"), 1)}
    assert [(c["units"], c["nations"], round(c["gap_nm"], 2), c["vertical_ft"]) for c in shown["KOR"]] == \
        [(["ROK-HELO-1", "JPN-HELO-1"], ["KOR", "JPN"], pytest.approx(0.49, abs=0.01), -500.0)]
    assert sorted(shown["JPN"][0]["units"]) == ["JPN-HELO-1", "ROK-HELO-1"]  # each plan lists its own aircraft first
    with store.tx() as s:
        v = plans.plan_view(plans.approve_plan(s, principal(store, "coordinator"), 1, kor), full=False)
    assert v["status"] == "approved" and len(v["airspace_conflicts"]) == 1
    with store.read() as s:
        last = s.execute(select(AuditEntry).where(AuditEntry.action == "plan.approve")).scalars().all()[-1]
        assert "JPN-HELO-1" in last.detail
    # a JPN block 500 ft above the KOR one clears it
    with store.tx() as s:
        from sarex.server.models import Plan

        row = s.get(Plan, jpn)
        import json as _json

        d = _json.loads(row.data_json)
        d["assignments"][0]["altitude_block_ft"], d["assignments"][0]["area_ring"] = [1200, 1700], high
        row.data_json = _json.dumps(d)
    with store.read() as s:
        assert all(v["airspace_conflicts"] == [] for v in plans.list_plans(s, principal(store, "coordinator"), 1))
