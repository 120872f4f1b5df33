"""Bad input over HTTP (a 4xx with one line of JSON naming the field, nothing stored, the server keeps
serving), the audit chain's tamper detection, and the scripted set-up's exit codes."""

from __future__ import annotations

import subprocess

import httpx
import pytest
from sqlalchemy import text

from sarex.server.audit import verify
from sarex.server.db import Store
from server_harness import SARAX_BIN


def _count(world) -> int:
    return len(httpx.get(f"{world.url}/api/exercises/1/positions", headers=world.h["coordinator"], timeout=30).json())


@pytest.mark.parametrize("body,field", [
    ("{not json", "body"),
    ('{"reports": [{"time": "2026-02-11T01:00:00Z", "lon": "east", "lat": 34.9}]}', "reports[0].lon"),
    ('{"reports": [{"time": "2026-02-11T01:00:00Z", "lon": 129.5}]}', "reports[0].lat"),
    ('{"reports": [{"time": "yesterday", "lon": 129.5, "lat": 34.9}]}', "reports[0].time"),
    ('{"reports": [{"time": "2026-02-11T01:00:00Z", "lon": 129.5, "lat": 34.9}, {"time": "2026-02-11T01:00:00Z", "lon": 129.5, "lat": 134.9}]}', "reports[1].lat"),
    ('{"reports": [], "extra": 1}', "reports"),
])
def test_bad_position_reports(world, body, field):
    before = _count(world)
    r = httpx.post(f"{world.url}/api/exercises/1/positions", content=body,
                   headers={**world.h["jpn-dd-1"], "Content-Type": "application/json"}, timeout=30)
    assert 400 <= r.status_code < 500
    err = r.json()
    assert err["field"] == field and "\n" not in err["error"] and field.split(".")[0].split("[")[0] in err["error"]
    assert _count(world) == before  # nothing stored, not even the valid first report


@pytest.mark.parametrize("name,data", [
    ("track.gpx", b"<gpx><trk><trkseg><trkpt lat='34.9' lon='129.5'><time>never</time></trkpt></trkseg></trk>"),
    ("track.nmea", b"$GPGGA,garbage*00\n$GPRMC,,,\n"),
    ("log.ais", b"!AIVDM,1,1,,A,not-a-payload,0*00\n"),
    ("track.exe", b"MZ"),
])
def test_corrupt_uploads(world, name, data):
    before = _count(world)
    r = httpx.post(f"{world.url}/api/exercises/1/positions/upload", files={"file": (name, data)}, headers=world.h["jpn-dd-1"], timeout=30)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "file" and "\n" not in r.json()["error"]
    assert _count(world) == before


def test_oversized_upload_and_unknown_ids(world):
    u, h = world.url, world.h["jpn-dd-1"]
    r = httpx.post(f"{u}/api/exercises/1/positions/upload", files={"file": ("big.gpx", b"x" * 3_000_000)}, headers=h, timeout=60)
    assert r.status_code == 413 and r.json()["field"] == "body"
    r = httpx.get(f"{u}/api/exercises/999/units", headers=h, timeout=30)
    assert r.status_code == 404 and r.json()["field"] == "exercise_id"
    r = httpx.get(f"{u}/api/jobs/999", headers=h, timeout=30)
    assert r.status_code == 404 and r.json()["field"] == "job_id"
    r = httpx.get(f"{u}/api/exercises/1/collections/nothing/items", headers=h, timeout=30)
    assert r.status_code == 404 and r.json()["field"] == "collection_id"
    r = httpx.get(f"{u}/api/exercises/1/collections/positions/items", params={"bbox": "1,2,3"}, headers=h, timeout=30)
    assert r.status_code == 400 and r.json()["field"] == "bbox"
    r = httpx.get(f"{u}/api/exercises/abc", headers=h, timeout=30)
    assert r.status_code == 422 and r.json()["field"] == "exercise_id"
    assert httpx.get(f"{u}/api/me", headers=h, timeout=30).status_code == 200  # still serving


def test_audit_verify_detects_edit_and_deletion(world, tmp_path):
    r = httpx.post(f"{world.url}/api/exercises/1/positions", headers=world.h["jpn-p1-1"], timeout=30,
                   json={"reports": [{"time": "2026-02-11T07:00:00Z", "lon": 130.2, "lat": 34.1, "report_id": "audit-test"}]})
    assert r.status_code == 201
    store = Store(world.store_url, upgrade=False)
    try:
        with store.tx() as s:
            v = verify(s)
        assert v.ok and v.entries > 10, v
        with store.tx() as s:  # edit one entry: the hash no longer matches
            s.execute(text("UPDATE audit SET actor = 'mallory' WHERE id = 3"))
        with store.tx() as s:
            v = verify(s)
        assert not v.ok and "entry 3" in v.problem and "edited" in v.problem
        db = ["--db", world.store_url]
        r = subprocess.run([SARAX_BIN, "server", "audit", "verify", *db], capture_output=True, text=True, timeout=120)
        assert r.returncode == 1 and "entry 3" in r.stdout
        with store.tx() as s:  # put it back, then delete one: the chain is broken at the gap
            s.execute(text("UPDATE audit SET actor = 'demo' WHERE id = 3"))
        with store.tx() as s:
            assert verify(s).ok
            row = s.execute(text("SELECT * FROM audit WHERE id = 5")).mappings().one()
            s.execute(text("DELETE FROM audit WHERE id = 5"))
        with store.tx() as s:
            v = verify(s)
        assert not v.ok and "5" in v.problem
        with store.tx() as s:
            s.execute(text("INSERT INTO audit (id, time_s, actor, exercise_id, action, detail, prev_hash, hash, mac) "
                           "VALUES (:id, :time_s, :actor, :exercise_id, :action, :detail, :prev_hash, :hash, :mac)"), dict(row))
        with store.tx() as s:
            assert verify(s).ok
        # deleting the newest entries (no gap, no broken link) is caught through the record that names them
        with store.tx() as s:
            pos = s.execute(text("SELECT max(id) FROM audit WHERE action = 'position'")).scalar()
            saved = [dict(r) for r in s.execute(text("SELECT * FROM audit WHERE id >= :i ORDER BY id"), {"i": pos}).mappings()]
            s.execute(text("DELETE FROM audit WHERE id >= :i"), {"i": pos})
        with store.tx() as s:
            v = verify(s)
        assert not v.ok and "positions" in v.problem, v
        with store.tx() as s:
            for row in saved:
                s.execute(text("INSERT INTO audit (id, time_s, actor, exercise_id, action, detail, prev_hash, hash, mac) "
                               "VALUES (:id, :time_s, :actor, :exercise_id, :action, :detail, :prev_hash, :hash, :mac)"), row)
        r = subprocess.run([SARAX_BIN, "server", "audit", "verify", *db], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and "intact" in r.stdout
    finally:
        store.dispose()


def test_setup_cli_bad_input(tmp_path):
    """Each scripted set-up command exits 2 with one line on a user mistake; a good sequence works."""
    d = ["--data", str(tmp_path / "srv")]

    def run(*args, stdin=""):
        return subprocess.run([SARAX_BIN, "server", *args, *d], input=stdin, capture_output=True, text=True, timeout=300)

    assert run("org", "add", "ROK", "--name", "ROK Navy").returncode == 0
    assert run("user", "add", "kim", "--org", "ROK", "--password-stdin", stdin="long-enough-pw\n").returncode == 0
    r = run("exercise", "add", "korea-japan", "--seed", "3")
    assert r.returncode == 0 and r.stdout.split()[-1] == "1"
    for args, stdin, word in [
        (("org", "add", "ROK"), "", "exists"),
        (("user", "add", "lee", "--org", "NOPE", "--password-stdin"), "long-enough-pw\n", "NOPE"),
        (("user", "add", "lee", "--org", "ROK", "--password-stdin"), "short\n", "password"),
        (("exercise", "add", "no-such.toml"), "", "no-such.toml"),
        (("grant", "kim", "--exercise", "1", "--role", "admiral"), "", "admiral"),
        (("grant", "kim", "--exercise", "7", "--role", "planner"), "", "--exercise"),
        (("grant", "kim", "--exercise", "1", "--role", "unit"), "", "--unit"),
    ]:
        r = run(*args, stdin=stdin)
        lines = [x for x in r.stderr.splitlines() if x.strip()]
        assert r.returncode == 2 and len(lines) == 1 and word in lines[0] and "Traceback" not in r.stderr, (args, r.stderr)
    assert run("grant", "kim", "--exercise", "1", "--role", "planner").returncode == 0
    r = run("audit", "verify")
    assert r.returncode == 0 and "4 entries" in r.stdout  # org, user, exercise, grant: the refused commands left none


def test_gpx_and_nmea_uploads_are_stored_once(world):
    from sarex.io.nmea import nmea_checksum

    gpx = (b'<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>x</name><trkseg>'
           b'<trkpt lat="34.8" lon="129.9"><time>2026-02-11T04:00:00Z</time></trkpt>'
           b'<trkpt lat="34.81" lon="129.91"><time>2026-02-11T04:01:00Z</time></trkpt></trkseg></trk></gpx>')
    body = "GPRMC,041000,A,3449.000,N,12955.000,E,12.0,90.0,110226,,"
    nmea = f"${body}*{nmea_checksum(body):02X}\n".encode()
    u, h = world.url, world.h["jpn-helo-1"]
    for name, data, n in (("track.gpx", gpx, 2), ("log.nmea", nmea, 1)):
        r = httpx.post(f"{u}/api/exercises/1/positions/upload", files={"file": (name, data)}, headers=h, timeout=30)
        assert r.status_code == 201 and [x["duplicate"] for x in r.json()] == [False] * n, r.text
        again = httpx.post(f"{u}/api/exercises/1/positions/upload", files={"file": (name, data)}, headers=h, timeout=30)
        assert [x["duplicate"] for x in again.json()] == [True] * n
    mine = sorted((p["time"], p["lon"], p["lat"]) for p in httpx.get(f"{u}/api/exercises/1/positions", headers=h, timeout=30).json()
                  if p["source"] in ("gpx", "nmea"))
    assert [m[0] for m in mine] == ["2026-02-11T04:00:00Z", "2026-02-11T04:01:00Z", "2026-02-11T04:10:00Z"]
    assert mine[1][1:] == (129.91, 34.81)
    assert mine[2][1:] == pytest.approx((129 + 55 / 60, 34 + 49 / 60), abs=1e-9)  # NMEA ddmm.mmm
