"""OGC API – Features of an exercise (issue 31, item 1), read by owslib's ``Features`` client from the
real server: landing links, conformance, collections with itemType, items with paging links and
numberMatched/numberReturned, one item, 4- and 6-number bbox, CRS84 only, unknown parameters refused."""

from __future__ import annotations

import httpx
from server_harness import token
import pytest


def test_owslib_reads_the_features_api(world):
    features = pytest.importorskip("owslib.ogcapi.features")
    u, h = world.url, token(world.url, "coordinator")
    root = f"{u}/api/exercises/1/features"
    # the coordinator's positions: make sure there are at least three
    httpx.post(f"{u}/api/exercises/1/positions", headers=token(world.url, "rok-ddh-1"), timeout=30,
               json={"reports": [{"time": f"2026-02-11T07:0{k}:00Z", "lon": 129.5 + 0.01 * k, "lat": 34.9, "report_id": f"ogc-{k}"} for k in range(3)]})
    api = features.Features(root, headers=h)
    rels = {lk["rel"]: lk["href"] for lk in api.links}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert httpx.get(rels["service-desc"], timeout=30).json()["openapi"].startswith("3.")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    ids = api.feature_collections()
    assert set(ids) == {"areas", "routes", "tracks", "positions", "sightings", "contours"}
    c = api.collection("positions")
    assert c["itemType"] == "feature" and len(c["extent"]["spatial"]["bbox"][0]) == 4
    first = api.collection_items("positions", limit=2)
    assert first["numberReturned"] == 2 and first["numberMatched"] >= 3
    links = {lk["rel"]: lk["href"] for lk in first["links"]}
    assert "next" in links and "prev" not in links
    second = httpx.get(links["next"], headers=h, timeout=30).json()
    assert {lk["rel"] for lk in second["links"]} >= {"self", "prev"}
    assert {f["id"] for f in second["features"]}.isdisjoint(f["id"] for f in first["features"])
    fid = first["features"][0]["id"]
    one = api.collection_item("positions", fid)
    assert one["id"] == fid and one["geometry"] == first["features"][0]["geometry"]
    # bbox of 4 and of 6 numbers select the same; CRS84 accepted, others refused; unknown parameters refused
    b4 = api.collection_items("positions", bbox=[129.49, 34.89, 129.53, 34.91], limit=100)
    b6 = httpx.get(f"{root}/collections/positions/items", params={"bbox": "129.49,34.89,-10,129.53,34.91,10", "limit": 100}, headers=h, timeout=30).json()
    assert b4["numberMatched"] == b6["numberMatched"] >= 3
    ok = httpx.get(f"{root}/collections/positions/items", params={"crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}, headers=h, timeout=30)
    assert ok.status_code == 200 and ok.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    for params in ({"crs": "EPSG:3857"}, {"foo": "bar"}, {"bbox": "1,2,3"}):
        r = httpx.get(f"{root}/collections/positions/items", params=params, headers=h, timeout=30)
        assert r.status_code == 400 and set(r.json()) >= {"error"}, (params, r.text)
    assert httpx.get(f"{root}/collections/positions/items/nope", headers=h, timeout=30).status_code == 404
    assert httpx.get(f"{root}/collections/nope", headers=h, timeout=30).status_code == 404


def test_queryables_property_filters_and_temporal_extent(world):
    """Part 3 queryables (a JSON Schema) read by owslib, a queryable used as a filter, and the temporal
    extent of a collection equal to the first and last time of the positions the REST API lists."""
    features = pytest.importorskip("owslib.ogcapi.features")
    jsonschema = pytest.importorskip("jsonschema_rs")  # schemathesis's JSON Schema validator
    u, h = world.url, world.h["coordinator"]
    root = f"{u}/api/exercises/1/features"
    httpx.post(f"{u}/api/exercises/1/positions", headers=world.h["rok-ddh-1"], timeout=30,
               json={"reports": [{"time": "2026-02-11T07:20:00Z", "lon": 129.55, "lat": 34.95, "report_id": "ogc-q-1"}]})
    api = features.Features(root, headers=h)
    qs = api.collection_queryables("positions")
    jsonschema.meta.validate(qs)  # a valid JSON Schema (its $schema: draft 2020-12)
    assert {"geometry", "datetime", "unit", "source"} <= set(qs["properties"])
    assert qs["properties"]["geometry"]["x-ogc-role"] == "primary-geometry"
    links = {lk["rel"]: lk for lk in api.collection("positions")["links"]}
    assert links["http://www.opengis.net/def/rel/ogc/1.0/queryables"]["type"] == "application/schema+json"
    rest = httpx.get(f"{u}/api/exercises/1/positions", headers=h, timeout=30).json()
    mine = api.collection_items("positions", unit="ROK-DDH-1", limit=10000)
    assert mine["numberMatched"] == sum(r["unit"] == "ROK-DDH-1" for r in rest) >= 1
    assert {f["properties"]["unit"] for f in mine["features"]} == {"ROK-DDH-1"}
    for f in mine["features"]:  # each feature is an instance of the queryables' properties it carries
        jsonschema.validate({**qs, "properties": {k: qs["properties"][k] for k in ("unit", "source")}}, {k: f["properties"][k] for k in ("unit", "source")})
    r = httpx.get(f"{root}/collections/areas/items", params={"period": "one"}, headers=h, timeout=30)
    assert r.status_code == 400 and r.json()["field"] == "period"
    # the temporal extent: first and last report time (to the second) of what this role may see
    times = sorted(r["time"][:19] + "Z" for r in rest)
    assert api.collection("positions")["extent"]["temporal"]["interval"] == [[times[0], times[-1]]]
    listed = {c["id"]: c for c in api.collections()["collections"]}
    assert listed["positions"]["extent"]["temporal"]["interval"] == [[times[0], times[-1]]]


def test_one_feature_and_one_cot_event_per_period_and_unit(world):
    """A superseded draft stays in the plan list but not in the picture: the areas collection and the CoT feed
    carry the live plan's area only, each id once (a repeated id made a TAK stream re-send it every poll)."""
    from server_harness import wait_job

    u = world.url
    assert wait_job(u, world.h["director"], world.forecast_job)["status"] == "done"
    plans = httpx.get(f"{u}/api/exercises/1/plans", headers=world.h["coordinator"], timeout=30).json()
    if not any(p["status"] == "superseded" for p in plans):  # run alone: make one (the browser test leaves one in P2)
        for _ in range(2):
            assert httpx.post(f"{u}/api/exercises/1/plans", headers=world.h["planner-rok"], json={"period": 2, "nation": "KOR"}, timeout=30).status_code == 201
        plans = httpx.get(f"{u}/api/exercises/1/plans", headers=world.h["coordinator"], timeout=30).json()
    live = {(p["period"], a["unit"]) for p in plans if p["status"] in ("draft", "approved") for a in p["assignments"]}
    feats = httpx.get(f"{u}/api/exercises/1/features/collections/areas/items", headers=world.h["coordinator"],
                      params={"limit": 10000}, timeout=30).json()["features"]
    ids = [f["id"] for f in feats]
    assert len(ids) == len(set(ids)) and {(f["properties"]["period"], f["properties"]["unit"]) for f in feats} == live
    assert {f["properties"]["status"] for f in feats} <= {"draft", "approved"}
    import re

    cot = httpx.get(f"{u}/api/exercises/1/cot", headers=world.h["coordinator"], timeout=30).text
    uids = re.findall(r'uid="(sarex-1-area-[^"]+)"', cot)
    assert len(uids) == len(set(uids)) == len(live)
