"""Organisations as the services they are (issue 29), through the real server: in a Korean exercise with ROK Navy
and Korea Coast Guard units, the ROKN planner drafts its service's units only, the KCG planner its own, neither
sees or approves the other's draft before the coordinator (the combined SMC) approves it; the national KOR
organisation (the RCC) still drafts all KOR units; a planner of an organisation owning no unit is refused with
a line naming it. And the migration 0007 on a store with rows: nations filled in, the audit chain still verifies."""

from __future__ import annotations

import httpx
import pytest

from exercise_scenarios import write_scenario
from server_harness import password, token, wait_job

# hand-listed from the built-in catalogue (src/sarex/data/korea_japan_units.toml), not from the code under test
ROKN_UNITS = {"KR-DDG-991", "KR-DDH-978"}
KCG_UNITS = {"KR-KCG-3011"}


def _units(plan: dict) -> set[str]:
    return {a["unit"] for a in plan["assignments"]} | set(plan["unassigned"])


@pytest.fixture(scope="module")
def kor_exercise(world, tmp_path_factory):
    """A second exercise in the world's server: three Korean units of two services, one Japanese (no forecast yet)."""
    from sqlalchemy import select

    from sarex.errors import SarexInputError
    from sarex.server.db import Store
    from sarex.server.models import User
    from sarex.server.workflow import add_exercise, add_org, add_user, grant

    path = write_scenario(tmp_path_factory.mktemp("orgs") / "orgs.toml", units=("KR-DDG-991", "KR-DDH-978", "KR-KCG-3011", "JP-PL"))
    store = Store(world.store_url, upgrade=False)
    try:
        with store.tx() as s:
            add_org(s, "test", "ROKN", "Republic of Korea Navy", "KOR", "ROK Navy")
            add_org(s, "test", "KCG", "Korea Coast Guard (RCC Busan)", "KR", "Korea Coast Guard")
            add_org(s, "test", "JMSDF", "Japan Maritime Self-Defense Force", "JPN", "JMSDF")
            for name, org in (("planner-rokn", "ROKN"), ("planner-kcg", "KCG"), ("planner-jmsdf", "JMSDF")):
                add_user(s, "test", name, org, password(name))
            director = s.execute(select(User).where(User.name == "director")).scalar_one()
            ex = add_exercise(s, "test", path.read_text(), "orgs.toml", seed=3, director=director, check=False).id
            for name, role in (("planner-rokn", "planner"), ("planner-kcg", "planner"), ("planner-rok", "planner"), ("coordinator", "coordinator")):
                grant(s, "test", name, ex, role)
        with store.tx() as s:  # JMSDF brings no unit to this exercise (its JPN unit is the Japan Coast Guard's)
            with pytest.raises(SarexInputError) as refused:
                grant(s, "test", "planner-jmsdf", ex, "planner")
    finally:
        store.dispose()
    return ex, str(refused.value)


@pytest.fixture(scope="module")
def kor(world, kor_exercise):
    """That exercise with its forecast done (a job of 200 particles: the slow part)."""
    ex, refused = kor_exercise
    h = {n: token(world.url, n) for n in ("planner-rokn", "planner-kcg", "planner-rok", "coordinator", "director")}
    r = httpx.post(f"{world.url}/api/exercises/{ex}/jobs", headers=h["director"], json={"kind": "forecast", "particles": 200}, timeout=30)
    assert r.status_code == 202 or r.status_code == 201, r.text
    assert wait_job(world.url, h["director"], r.json()["id"])["status"] == "done"
    return ex, h, refused


def _get(world, h, path):
    return httpx.get(f"{world.url}{path}", headers=h, timeout=60)


def _post(world, h, path, json=None):
    return httpx.post(f"{world.url}{path}", headers=h, json=json, timeout=60)


def test_grant_refused_for_an_organisation_without_units(kor_exercise):
    _ex, msg = kor_exercise
    assert "\n" not in msg
    assert "JMSDF (JPN, JMSDF)" in msg and "owns no units" in msg
    assert "JPN Japan Coast Guard" in msg and "KOR ROK Navy" in msg and "KOR Korea Coast Guard" in msg


@pytest.mark.slow  # a forecast job of its own (87 s on PostgreSQL, more on a loaded machine)
def test_each_service_drafts_its_own_units_and_the_coordinator_approves_both(world, kor):
    ex, h, _ = kor
    base = f"/api/exercises/{ex}"
    q = _get(world, h["planner-rokn"], f"{base}/proposals/1").json()
    assert list(q["nations"]) == ["KOR"] and _units(q["nations"]["KOR"]) == ROKN_UNITS
    rokn = _post(world, h["planner-rokn"], f"{base}/plans", {"period": 1, "nation": "KOR"})
    assert rokn.status_code == 201, rokn.text
    rokn = rokn.json()
    assert rokn["org"] == "ROKN" and rokn["nation"] == "KOR" and _units(rokn) == ROKN_UNITS
    assert "KR-KCG-3011" not in rokn["messages"]["en"] and "KR-DDG-991" in rokn["messages"]["en"]
    # a service planner drafts for its own organisation only
    r = _post(world, h["planner-kcg"], f"{base}/plans", {"period": 1, "nation": "KOR", "org": "ROKN"})
    assert r.status_code == 403 and r.json()["field"] == "org"
    kcg = _post(world, h["planner-kcg"], f"{base}/plans", {"period": 1, "nation": "KOR"}).json()
    assert kcg["org"] == "KCG" and _units(kcg) == KCG_UNITS
    # before approval the KCG planner neither sees the ROKN draft nor its units, nor reads its tasking, nor approves it
    assert {p["id"] for p in _get(world, h["planner-kcg"], f"{base}/plans").json()} == {kcg["id"]}
    assert {u["code"] for u in _get(world, h["planner-kcg"], f"{base}/units").json()} == KCG_UNITS
    assert _get(world, h["planner-kcg"], f"{base}/exports/1/KR-DDG-991.msg").status_code == 404
    assert _post(world, h["planner-kcg"], f"{base}/plans/{rokn['id']}/approve").status_code == 403
    assert _post(world, h["planner-kcg"], f"{base}/plans/{rokn['id']}/withdraw").status_code == 403
    # the national KOR organisation (the RCC) sees both drafts; the coordinator sees and approves each
    assert {p["id"] for p in _get(world, h["planner-rok"], f"{base}/plans").json()} == {rokn["id"], kcg["id"]}
    seen = {p["id"]: p["org"] for p in _get(world, h["coordinator"], f"{base}/plans").json()}
    assert seen == {rokn["id"]: "ROKN", kcg["id"]: "KCG"}
    for pl in (rokn, kcg):
        r = _post(world, h["coordinator"], f"{base}/plans/{pl['id']}/approve")
        assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    # after approval: what one organisation sees of another's follows the approved plans
    assert {u["code"] for u in _get(world, h["planner-kcg"], f"{base}/units").json()} == ROKN_UNITS | KCG_UNITS
    assert rokn["id"] in {p["id"] for p in _get(world, h["planner-kcg"], f"{base}/plans").json()}
    period = next(p for p in _get(world, h["coordinator"], f"{base}/periods").json() if p["number"] == 1)
    assert period["approved"] == ["KOR"] and period["approved_orgs"] == ["KCG", "ROKN"]
    # a national plan of period 1 would task the same units again
    r = _post(world, h["planner-rok"], f"{base}/plans", {"period": 1, "nation": "KOR"})
    assert r.status_code == 409 and r.json()["field"] == "org"


@pytest.mark.slow
def test_national_organisation_drafts_all_its_nations_units(world, kor):
    ex, h, _ = kor
    r = _post(world, h["planner-rok"], f"/api/exercises/{ex}/plans", {"period": 2, "nation": "KOR"})
    assert r.status_code == 201, r.text
    assert r.json()["org"] == "KOR" and _units(r.json()) == ROKN_UNITS | KCG_UNITS
    # and then a service's plan of that period would task its units twice
    r = _post(world, h["planner-rokn"], f"/api/exercises/{ex}/plans", {"period": 2, "nation": "KOR"})
    assert r.status_code == 409, r.text


def test_migration_0007_on_a_store_with_rows(tmp_path):
    """The demo store taken down to 0006 (no organisation nation, service, plan organisation) with a plan, and up
    again: nations filled in from the codes (EXCON none), the plan's organisation its nation, the audit chain
    verified; an organisation's service edited behind the audit's back is found."""
    import json

    from alembic import command
    from alembic.config import Config
    from importlib import resources
    from sqlalchemy import inspect, text

    from sarex.server import audit
    from sarex.server.db import Store, database_url
    from sarex.server.demo import set_up_demo
    from sarex.server.models import Plan

    store = Store(database_url(tmp_path, None))
    set_up_demo(store)
    with store.tx() as s:
        pl = Plan(exercise_id=1, period=1, nation="JPN", org="JPN", status="draft", created_s=0.0, drafted_by=1,
                  data_json=json.dumps({"assignments": [], "unassigned": {}, "messages": {}, "start": "", "end": ""}))
        s.add(pl)
        s.flush()
        audit.record(s, "test", "plan.draft", {"id": pl.id}, 1, rows=[pl])
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("sarex.server") / "migrations"))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006_alert_acks")
    assert "service" not in {c["name"] for c in inspect(store.engine).get_columns("orgs")}
    store.dispose()
    store = Store(database_url(tmp_path, None))  # upgraded to head again
    try:
        with store.engine.connect() as conn:
            assert dict(conn.execute(text("SELECT code, nation FROM orgs")).all()) == {"EXCON": None, "KOR": "KOR", "JPN": "JPN"}
            assert set(conn.execute(text("SELECT service FROM orgs")).scalars()) == {""}
            assert conn.execute(text("SELECT nation, org FROM plans")).all() == [("JPN", "JPN")]
        with store.read() as s:
            assert audit.verify(s).ok
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE orgs SET service = 'JMSDF' WHERE code = 'JPN'"))
        with store.read() as s:
            v = audit.verify(s)
        assert not v.ok and v.problem.startswith("orgs/")
    finally:
        store.dispose()


def test_cli_org_add_with_nation_and_service(tmp_path):
    """``sarex server org add`` takes --nation and --service; a bad nation or a service without its nation is one
    line and exit 2, and nothing is added."""
    import os
    import subprocess

    from server_harness import SARAX_BIN

    def run(*args):
        return subprocess.run([SARAX_BIN, "server", "org", "add", *args, "--data", str(tmp_path)], capture_output=True, text=True,
                              env=os.environ, timeout=120)

    ok = run("ROKN", "--nation", "ROK", "--service", "ROK Navy")
    assert ok.returncode == 0 and "ROKN (KOR, ROK Navy)" in ok.stdout, ok.stderr
    bad = run("KCG", "--nation", "Korea", "--service", "Korea Coast Guard")
    assert bad.returncode == 2 and "--nation: 'Korea'" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    # the other refusals, in process on the same store; none of the refused was half-added
    from sarex.errors import SarexInputError
    from sarex.server.db import Store, database_url
    from sarex.server.workflow import add_org, org_label

    store = Store(database_url(tmp_path, None))
    try:
        for args, field in ((("KCG", "x", None, "Korea Coast Guard"), "--nation:"), (("KCG", "x", "KOR", "x" * 65), "--service:"),
                            (("ROKN", "x", "KOR", "ROK Navy"), "CODE:")):
            with pytest.raises(SarexInputError, match=field), store.tx() as s:
                add_org(s, "test", *args)
        with store.tx() as s:
            assert org_label(add_org(s, "test", "KCG", "x", "KR", "Korea Coast Guard")) == "KCG (KOR, Korea Coast Guard)"
            assert org_label(add_org(s, "test", "ROK", "RCC Busan")) == "KOR (KOR, all services)"
    finally:
        store.dispose()
