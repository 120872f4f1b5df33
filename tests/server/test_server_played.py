"""The exercise as played (issue 28) over HTTP on the real server: the exercise clock, scripted
injects delivered when the clock passes their exercise time (and held while it is paused), the
MSEL actions, observations, the order of actions, and the played evaluation (bar: the same
seed played twice, once with a unit passing over the truth, once with every unit at its start)."""

from __future__ import annotations

import time

import httpx
import numpy as np
import pytest

from sarex.server.services import builtin_scenario_text
from sarex.times import iso, to_epoch_s
from server_harness import wait_job, grant_everyone

ALERT = to_epoch_s("2026-02-10T21:30:00Z")
T_INJECT = "2026-02-10T22:30:00Z"  # the scripted inject: one hour after the alert
T2_INJECT = "2026-02-10T22:36:00Z"

MSEL = f"""
[[objective]]
id = "on-scene"
text = "first SRU on scene within 90 min of the alert"
measure = "on_scene_within"
minutes = 90

[[objective]]
id = "plans-p1"
text = "both nations' plans approved before period 1 starts"
measure = "plans_before_period"
period = 1

[[inject]]
id = "msel-1"
time = "{T_INJECT}"
kind = "message"
text = "MRCC Busan: F/V Haenam-ho skipper now says the man may have had a lifejacket"
to = ["unit", "coordinator"]
units = ["ROK-PKG-1"]
expected_action = "coordinator re-plans with a PIW in a lifejacket"
objective = "plans-p1"

[[inject]]
id = "msel-2"
time = "{T2_INJECT}"
kind = "message"
text = "RCC Moji: a second vessel joins the search"
to = ["unit"]
"""


def _scenario(extra: str = MSEL) -> bytes:
    return (builtin_scenario_text("korea-japan") + extra).encode()


def _new_exercise(world, seed: int, extra: str = MSEL) -> int:
    u, h = world.url, world.h
    r = httpx.post(f"{u}/api/exercises", headers=h["director"], files={"scenario": ("played.toml", _scenario(extra), "application/toml")},
                   data={"seed": str(seed)}, timeout=60)
    assert r.status_code == 201, r.text
    ex = r.json()["id"]
    grant_everyone(world.store_url, ex)
    return ex


def _clock(world, ex, **body):
    r = httpx.post(f"{world.url}/api/exercises/{ex}/clock", headers=world.h["director"], json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _seen(world, ex, user, ref_text) -> bool:
    r = httpx.get(f"{world.url}/api/exercises/{ex}/injects", headers=world.h[user], timeout=30)
    assert r.status_code == 200, r.text
    return any(ref_text in i["text"] for i in r.json())


def test_scripted_inject_is_delivered_when_the_clock_passes_it_at_60x_and_held_while_paused(world):
    if world.backend != "sqlite":
        pytest.skip("timing bar: run once, on the SQLite server")
    u, h = world.url, world.h
    ex = _new_exercise(world, 1)
    c = httpx.get(f"{u}/api/exercises/{ex}/clock", headers=h["rok-pkg-1"], timeout=30).json()
    assert c["state"] == "stopped" and c["exercise_time"] == "2026-02-10T21:30:00Z" and c["kst"] == "2026-02-11T06:30:00+09:00"
    # the MSEL is exercise control's: a participant sees neither it nor the scheduled inject
    assert httpx.get(f"{u}/api/exercises/{ex}/msel", headers=h["coordinator"], timeout=30).status_code == 403
    assert not _seen(world, ex, "rok-pkg-1", "lifejacket")
    # STARTEX 5 min of exercise time (5 s of wall at 60x) before the inject
    t = to_epoch_s(T_INJECT)
    c = _clock(world, ex, action="start", rate=60, exercise_time=iso(t - 300))
    due_wall = c["anchor_wall_s"] + 300 / 60.0  # the clock's closed form
    polled_before = False
    while True:
        p0 = time.time()
        seen = _seen(world, ex, "rok-pkg-1", "lifejacket")
        p1 = time.time()
        assert p0 <= due_wall + 2.0, "not delivered within 2 s of wall after the clock passed its time"
        if seen:
            assert p1 >= due_wall, "delivered before the clock passed its time"
            break
        polled_before |= p1 < due_wall
        time.sleep(0.05)
    assert polled_before
    # only the unit addressed (ROK-PKG-1), and the coordinator; not another unit
    assert _seen(world, ex, "coordinator", "lifejacket") and not _seen(world, ex, "jpn-dd-1", "lifejacket")
    # pause: msel-2 (6 min = 6 s of wall later) is held while the clock is paused
    p = _clock(world, ex, action="pause")
    assert p["state"] == "paused"
    held_until = time.time() + 8.0
    while time.time() < held_until:
        assert not _seen(world, ex, "jpn-dd-1", "second vessel")
        time.sleep(0.5)
    r = _clock(world, ex, action="resume")
    left = (to_epoch_s(T2_INJECT) - to_epoch_s(r["exercise_time"])) / 60.0
    assert 0 < left < 6.0
    t0 = time.time()
    while not _seen(world, ex, "jpn-dd-1", "second vessel"):
        assert time.time() - t0 < left + 3.0
        time.sleep(0.1)
    # the timeline shows both delivered in exercise time, wall time beside; every delivery audited
    tl = {i["ref"]: i for i in httpx.get(f"{u}/api/exercises/{ex}/msel", headers=h["evaluator"], timeout=30).json()}
    assert tl["msel-1"]["at"] == T_INJECT and tl["msel-1"]["expected_action"].startswith("coordinator re-plans")
    # each delivery is audited as the clock reaches it (sarex.server.deliveries), not at the next clock or MSEL change:
    # the audit log (which records nothing by being read) holds both deliveries with no clock change since the resume
    t0 = time.time()
    while True:
        log = httpx.get(f"{u}/api/exercises/{ex}/audit", headers=h["director"], timeout=30).json()
        deliveries = {e["detail"]["id"]: e["detail"] for e in log if e["action"] == "inject.deliver"}
        if len(deliveries) >= 2:
            break
        assert time.time() - t0 < 2.0, f"deliveries not audited within 2 s: {deliveries}"
        time.sleep(0.1)
    assert deliveries[tl["msel-2"]["id"]]["at"] == T2_INJECT
    c = _clock(world, ex, action="rate", rate=1)
    log = httpx.get(f"{u}/api/exercises/{ex}/audit", headers=h["director"], timeout=30).json()
    assert deliveries[tl["msel-1"]["id"]]["at"] == T_INJECT
    assert abs(to_epoch_s(deliveries[tl["msel-1"]["id"]]["at_wall"]) - due_wall) <= 1.0  # iso() keeps whole seconds
    assert {e["action"] for e in log} >= {"clock.start", "clock.pause", "clock.resume", "clock.rate"}


def test_msel_actions_and_observations(world):
    u, h = world.url, world.h
    ex = _new_exercise(world, 2)
    tl = {i["ref"]: i for i in httpx.get(f"{u}/api/exercises/{ex}/msel", headers=h["director"], timeout=30).json()}
    assert set(tl) == {"msel-1", "msel-2"} and all(i["status"] == "scheduled" for i in tl.values())
    act = lambda iid, **b: httpx.post(f"{u}/api/exercises/{ex}/msel/{iid}", headers=h["director"], json=b, timeout=30)  # noqa: E731
    # hold, then release early: delivered at once, at the exercise time shown (the clock stands at the alert)
    assert act(tl["msel-2"]["id"], action="hold").json()["status"] == "held"
    r = act(tl["msel-2"]["id"], action="release").json()
    assert r["status"] == "delivered" and r["delivered_at"] == "2026-02-10T21:30:00Z" and r["delivered_wall"]
    assert _seen(world, ex, "jpn-dd-1", "second vessel")
    r = act(tl["msel-2"]["id"], action="cancel")
    assert r.status_code == 409 and r.json()["field"] == "inject_id"
    # edit (time, text), cancel; a coordinator may not
    r = act(tl["msel-1"]["id"], action="edit", at="2026-02-11T01:00:00Z", text="MRCC Busan: revised report")
    assert r.status_code == 200 and r.json()["at"] == "2026-02-11T01:00:00Z"
    assert httpx.post(f"{u}/api/exercises/{ex}/msel/{tl['msel-1']['id']}", headers=h["coordinator"], json={"action": "cancel"}, timeout=30).status_code == 403
    assert act(tl["msel-1"]["id"], action="cancel").json()["status"] == "cancelled"
    # add: in exercise time, with the expected action; a bad time is one line naming the field
    r = httpx.post(f"{u}/api/exercises/{ex}/msel", headers=h["director"], timeout=30,
                   json={"kind": "message", "text": "weather worsens", "to": ["unit"], "at": "2026-02-11T04:00:00Z", "expected_action": "reduce speed"})
    assert r.status_code == 201 and r.json()["at"] == "2026-02-11T04:00:00Z" and not r.json()["delivered"]
    r = httpx.post(f"{u}/api/exercises/{ex}/msel", headers=h["director"], timeout=30, json={"kind": "message", "to": ["unit"], "at": "tomorrow"})
    assert r.status_code == 400 and r.json()["field"] == "at" and "\n" not in r.json()["error"]
    # clock refusals: 409 for the state, 400 for the rate
    r = httpx.post(f"{u}/api/exercises/{ex}/clock", headers=h["director"], json={"action": "pause"}, timeout=30)
    assert r.status_code == 409 and "only a running clock pauses" in r.json()["error"]
    r = httpx.post(f"{u}/api/exercises/{ex}/clock", headers=h["director"], json={"action": "start", "rate": 0}, timeout=30)
    assert r.status_code == 400 and r.json()["field"] == "rate"
    assert httpx.post(f"{u}/api/exercises/{ex}/clock", headers=h["planner-rok"], json={"action": "start"}, timeout=30).status_code == 403
    # observations: evaluator, on an objective; exercise time defaults to the clock's
    r = httpx.post(f"{u}/api/exercises/{ex}/observations", headers=h["evaluator"], timeout=30,
                   json={"objective": "plans-p1", "rating": "partly", "text": "JPN plan approved 20 min late",
                         "finding": "no liaison officer at MRCC Busan", "owner": "JMSDF liaison", "due": "2026-04-01"})
    assert r.status_code == 201, r.text
    assert r.json()["time"] == "2026-02-10T21:30:00Z" and r.json()["by"] == "evaluator"
    r = httpx.post(f"{u}/api/exercises/{ex}/observations", headers=h["evaluator"], timeout=30,
                   json={"objective": "nonesuch", "rating": "met", "text": "x"})
    assert r.status_code == 400 and r.json()["field"] == "objective"
    assert httpx.post(f"{u}/api/exercises/{ex}/observations", headers=h["planner-jpn"], timeout=30,
                      json={"objective": "plans-p1", "rating": "met", "text": "x"}).status_code == 403
    objs = {o["id"]: o for o in httpx.get(f"{u}/api/exercises/{ex}/objectives", headers=h["director"], timeout=30).json()}
    assert objs["plans-p1"]["observations"][0]["owner"] == "JMSDF liaison" and objs["on-scene"]["minutes"] == 90
    # GPS time (a GPX log's wall-time fixes) is mapped through the running clock into exercise time
    c = _clock(world, ex, action="start", rate=1, exercise_time="2026-02-11T01:00:00Z")
    w = float(int(time.time()))
    pts = "".join(f'<trkpt lat="{34.95 + k / 100}" lon="{129.05 + k / 100}"><time>{iso(w - 60 + 60 * k)}</time></trkpt>' for k in range(2))
    gpx = f'<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{pts}</trkseg></trk></gpx>'
    r = httpx.post(f"{u}/api/exercises/{ex}/positions/upload", headers=h["rok-pkg-1"], files={"file": ("log.gpx", gpx.encode(), "application/gpx+xml")}, timeout=30)
    assert r.status_code == 201, r.text
    got = sorted(to_epoch_s(q["time"]) for q in httpx.get(f"{u}/api/exercises/{ex}/positions", headers=h["director"], timeout=30).json()
                 if q["unit"] == "ROK-PKG-1" and q["source"] == "gpx")
    want = [c["anchor_exercise_s"] + (w - 60 + 60 * k - c["anchor_wall_s"]) for k in range(2)]
    assert np.allclose(got, want, atol=1.0), (got, want)


def _truth_path(seed: int):
    from sarex.exercise.scenario import load_scenario
    from sarex.exercise.truth import scenario_truth

    return scenario_truth(load_scenario("korea-japan"), seed)[0]


def _play(world, seed: int, pass_over: bool) -> tuple[int, dict, str, float]:
    """Play one exercise: forecast, both plans for period 1 approved, units report; ENDEX, evaluate, release."""
    u, h = world.url, world.h
    ex = _new_exercise(world, seed)
    r = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["coordinator"], json={"kind": "update", "particles": 200, "period": 1}, timeout=30)
    assert r.status_code == 409 and "no forecast" in r.json()["error"]  # order of actions: no update before a forecast
    job = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["coordinator"], json={"kind": "forecast", "particles": 100}, timeout=30).json()
    assert wait_job(u, h["coordinator"], job["id"], 2400)["status"] == "done"
    _clock(world, ex, action="set", exercise_time="2026-02-10T23:10:00Z")
    tasked = set()
    for planner, nation in (("planner-rok", "KOR"), ("planner-jpn", "JPN")):
        plan = httpx.post(f"{u}/api/exercises/{ex}/plans", headers=h[planner], json={"period": 1, "nation": nation}, timeout=30).json()
        tasked |= {a["unit"] for a in plan["assignments"]}
        a = httpx.post(f"{u}/api/exercises/{ex}/plans/{plan['id']}/approve", headers=h["coordinator"], timeout=30).json()
        assert a["approved_at"] == "2026-02-10T23:10:00Z"
    start = {"ROK-DDH-1": (129.10, 35.05), "ROK-PKG-1": (129.05, 34.95), "JPN-DD-1": (129.95, 34.25)}
    t_pass = to_epoch_s("2026-02-11T02:00:00Z")
    step = 300.0  # one report every 5 min
    for unit, (x0, y0) in start.items():
        user = unit.lower()
        if pass_over and unit == "ROK-PKG-1":
            tr = _truth_path(seed)
            (x,), (y,) = tr.position_at(np.array([t_pass]))
            # east-west across the truth's drift path at 12 kn (1 NM per report), over it at t_pass
            pts = [{"time": iso(t_pass + k * step), "lon": float(x) + k / 60.0 / np.cos(np.radians(y)), "lat": float(y)} for k in range(-6, 7)]
        else:
            pts = [{"time": iso(t), "lon": x0, "lat": y0} for t in (to_epoch_s("2026-02-11T00:00:00Z"), to_epoch_s("2026-02-11T06:00:00Z"))]
        assert httpx.post(f"{u}/api/exercises/{ex}/positions", headers=h[user], json={"reports": pts}, timeout=30).status_code == 201
    # order of actions: no update of period 1 before it ends on the clock; the refusal names the silent units
    r = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["coordinator"], json={"kind": "update", "particles": 200, "period": 1}, timeout=30)
    assert r.status_code == 409 and r.json()["field"] == "period" and "close it early" in r.json()["error"]
    c = httpx.post(f"{u}/api/exercises/{ex}/periods/1/close", headers=h["director"], json={"reason": "table-top: skip to the update"}, timeout=30)
    assert c.status_code == 200 and c.json()["closed_at"] == "2026-02-10T23:10:00Z"
    silent = set(c.json()["silent_units"])
    # period 1 tasks both nations' helicopters (issue 32 fixed on main), which report nothing here: they, and only
    # they among the tasked units, are named as silent; the units that reported are not
    assert {"ROK-HELO-1", "JPN-HELO-1"} <= tasked and silent == tasked - set(start)
    r = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["director"], json={"kind": "evaluate", "particles": 200}, timeout=30)
    assert r.status_code == 409 and "after ENDEX" in r.json()["error"]
    assert httpx.post(f"{u}/api/exercises/{ex}/endex", headers=h["director"], timeout=30).status_code == 200
    job = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["director"], json={"kind": "evaluate", "particles": 100}, timeout=30).json()
    assert wait_job(u, h["director"], job["id"], 2400)["status"] == "done"
    assert httpx.post(f"{u}/api/exercises/{ex}/release", headers=h["director"], timeout=30).status_code == 200
    scores = httpx.get(f"{u}/api/exercises/{ex}/scores", headers=h["observer"], timeout=30).json()
    report = httpx.get(f"{u}/api/exercises/{ex}/report.html", headers=h["observer"], timeout=30).text
    return ex, scores, report, t_pass


@pytest.mark.slow
def test_played_evaluation_same_seed_pass_over_the_truth_or_stay_at_start(world):
    if world.backend != "sqlite":
        pytest.skip("run once, on the SQLite server")
    _, s1, rep1, t_pass = _play(world, 11, pass_over=True)
    p = s1["played"]
    assert p["detected"] is True and p["detection"]["unit"] == "ROK-PKG-1"
    assert p["first_opportunity"]["unit"] == "ROK-PKG-1"
    assert abs(to_epoch_s(p["first_opportunity"]["time"]) - t_pass) <= 300.0  # within one reporting interval of the pass
    assert p["first_opportunity"]["distance_nm"] < 0.5 * p["units"]["ROK-PKG-1"]["sweep_width_nm"]
    assert p["pod_true"] > 0.5 and p["units"]["ROK-PKG-1"]["opportunities"] >= 1
    assert p["timeline"]["alert"] == "2026-02-10T21:30:00Z" and p["timeline"]["plan_approved_KOR"] == "2026-02-10T23:10:00Z"
    assert p["timeline"]["first_opportunity"] == p["first_opportunity"]["time"]
    # the evaluation names the silent helicopters too: tasked in period 1, no report, no track
    assert all(p["units"][x]["reports"] == 0 and p["units"][x]["track_nm"] == 0.0 for x in ("ROK-HELO-1", "JPN-HELO-1"))
    assert 0.0 <= p["pos_achieved_perfect_forecast"] <= 1.0 and "Had the forecast been the truth" in rep1
    assert "Played: outcome" in rep1 and "Rehearsal" in rep1 and rep1.index("Played: outcome") < rep1.index("Rehearsal")
    assert "Detected in the exercise as played by ROK-PKG-1" in rep1
    _, s2, rep2, _ = _play(world, 11, pass_over=False)
    q = s2["played"]
    assert q["detected"] is False and q["opportunities"] == [] and q["first_opportunity"] is None
    assert q["pos_achieved"] < 0.01
    assert "Not detected in the exercise as played" in rep2 and "Detected in the exercise as played" not in rep2
    # the rehearsal is the same simulation in both (same seed): only the played part differs
    assert {k: v for k, v in s1.items() if k != "played"} == {k: v for k, v in s2.items() if k != "played"}
