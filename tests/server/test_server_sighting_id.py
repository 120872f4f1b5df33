"""A sighting's client report id (issue 29, the page's outbox) on the real server, SQLite and PostgreSQL: the same
sighting sent twice with one id (an answer lost at sea) is stored once and the second answer says so; another id
is another sighting; an id over 64 characters is refused with the one-line error."""

from __future__ import annotations

import httpx


def test_a_sighting_sent_twice_with_one_report_id_is_stored_once(world):
    u, h = world.url, world.h["rok-pkg-1"]
    note = f"white flare, report id test ({world.backend})"
    body = {"time": "2026-02-11T00:40:00Z", "lon": 129.41, "lat": 34.93, "note": note, "report_id": "web-sighting-id-1"}
    first = httpx.post(f"{u}/api/exercises/1/sightings", headers=h, json=body, timeout=30)
    again = httpx.post(f"{u}/api/exercises/1/sightings", headers=h, json=body, timeout=30)
    other = httpx.post(f"{u}/api/exercises/1/sightings", headers=h, json={**body, "report_id": "web-sighting-id-2"}, timeout=30)
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 201), (first.text, again.text, other.text)
    assert first.json()["duplicate"] is False and again.json() == {"id": first.json()["id"], "report_id": "web-sighting-id-1", "duplicate": True}
    assert other.json()["id"] != first.json()["id"]
    seen = httpx.get(f"{u}/api/exercises/1/sightings", headers=world.h["director"], timeout=30).json()
    assert sum(1 for s in seen if s["note"] == note) == 2
    bad = httpx.post(f"{u}/api/exercises/1/sightings", headers=h, json={**body, "report_id": "x" * 65}, timeout=30)
    assert bad.status_code == 422 and bad.json()["field"].endswith("report_id"), bad.text
