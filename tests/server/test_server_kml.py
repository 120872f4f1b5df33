"""The server's KML export (``/exports/{period}/{unit}.kml``, issue 31 item 3) as served: valid against
OGC's KML 2.2 schema (``ogckml22.xsd`` as fastkml ships it, validated with xmlschema) and read by
fastkml's strict parser, with the area's ring equal to the plan's ``area_ring`` the JSON API gives.
Before the shared writer was fixed the served file had 11 schema errors."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from server_harness import wait_job


def _a_plan(world) -> dict:
    """A plan with assignments the coordinator sees (drafts included); one JPN draft if there is none."""
    u, h = world.url, world.h["coordinator"]
    plans = [pl for pl in httpx.get(f"{u}/api/exercises/1/plans", headers=h, timeout=60).json() if pl.get("assignments")]
    if plans:
        return plans[0]
    assert wait_job(u, world.h["director"], world.forecast_job)["status"] == "done"
    r = httpx.post(f"{u}/api/exercises/1/plans", headers=world.h["planner-jpn"], json={"period": 2, "nation": "JPN"}, timeout=120)
    assert r.status_code == 201, r.text
    return r.json()


def test_served_kml_valid_against_ogc_schema_and_strict_fastkml(world):
    xmlschema = pytest.importorskip("xmlschema")
    fastkml = pytest.importorskip("fastkml")
    plan = _a_plan(world)
    a = plan["assignments"][0]
    r = httpx.get(f"{world.url}/api/exercises/1/exports/{plan['period']}/{a['unit']}.kml", headers=world.h["coordinator"], timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.google-earth.kml+xml")
    schema = xmlschema.XMLSchema(str(Path(fastkml.__file__).parent / "schema" / "ogckml22.xsd"))
    assert [f"{e.path}: {e.reason}" for e in schema.iter_errors(r.text)] == []
    doc = fastkml.kml.KML.from_string(r.content, strict=True)

    def placemarks(feature):
        for f in getattr(feature, "features", None) or []:
            yield from placemarks(f)
        if getattr(feature, "geometry", None) is not None:
            yield feature
    polys = [pm.geometry for f in doc.features for pm in placemarks(f) if pm.geometry.geom_type == "Polygon"]
    assert polys, "no polygon in the served KML"
    ring = [(round(x, 6), round(y, 6)) for x, y, *_ in polys[0].exterior.coords]
    want = [(round(x, 6), round(y, 6)) for x, y in a["area_ring"]]
    assert ring[0] == ring[-1] and ring == want
