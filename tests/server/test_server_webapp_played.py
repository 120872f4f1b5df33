"""The exercise as played, from the web page (real Chromium, non-127.0.0.1 requests blocked), read back through the API.

Each action is checked as another participant would see it:

* the director starts the exercise clock at 60× from the page: the server's clock runs at that rate, and
  the exercise time the page shows agrees with the server's within 1.5 s of wall time (90 s of exercise
  time); pausing from the page pauses it;
* the director holds, then (after a confirmation) cancels a scheduled MSEL inject: its status is ``held``,
  then ``cancelled``, and the page says so;
* the evaluator records an observation on a scenario objective: stored with that objective and rating;
* the coordinator sends a message to a unit and SITREP 1 (after a confirmation); the unit, in Korean on a
  phone, reads both, and its reply reaches the coordinator; a separation alert (two helicopters 50 m apart
  at the same height) is listed for the coordinator and acknowledged on the page;
* the service that brings each unit (ROK Navy, JMSDF, ...) is in the units list and the map legend, in Japanese.
"""

from __future__ import annotations

import re

import httpx
import pytest

from browser_harness import DESKTOP, IMG, PHONE, context, latin_words, login, settle
from sarex.server.services import builtin_scenario_text
from sarex.times import iso, to_epoch_s
from server_harness import UNITS, grant_everyone
from test_server_webapp import allowed

MSEL = """
[[objective]]
id = "on-scene"
text = "first SRU on scene within 90 min of the alert"
measure = "on_scene_within"
minutes = 90

[[inject]]
id = "msel-a"
time = "2026-02-10T23:30:00Z"
kind = "message"
text = "MRCC Busan: a fishing vessel reports debris"
to = ["unit", "coordinator"]

[[inject]]
id = "msel-b"
time = "2026-02-10T23:40:00Z"
kind = "message"
text = "RCC Moji: a second vessel joins the search"
to = ["unit"]
"""


@pytest.fixture(scope="module")
def ex(world):
    if world.backend != "sqlite":
        pytest.skip("the browser walk runs once, on the SQLite server")
    r = httpx.post(f"{world.url}/api/exercises", headers=world.h["director"], timeout=60, data={"seed": "7"},
                   files={"scenario": ("web-played.toml", (builtin_scenario_text("korea-japan") + MSEL).encode(), "application/toml")})
    assert r.status_code == 201, r.text
    ex = r.json()["id"]
    grant_everyone(world.store_url, ex)
    return ex


def _get(world, who, path):
    r = httpx.get(f"{world.url}/api/exercises/{path}", headers=world.h[who], timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _open(ctx, world, user, ex):
    page = login(ctx, world.url, user)
    page.select_option("#exercise", str(ex))
    page.wait_for_function(f"() => window.SX.S.ex && window.SX.S.ex.id === {ex} && window.SX.S.clock")
    settle(page, 800)
    return page


def _shown(page) -> float:
    """The exercise time the page shows ("YYYY-MM-DD hh:mm:ss UTC"), s since the epoch."""
    return to_epoch_s(page.inner_text("#clock-ex").replace(" UTC", "Z").replace(" ", "T"))


def _wait(page, cond, timeout_s: float = 20.0) -> bool:
    for _ in range(int(timeout_s / 0.3)):
        if cond():
            return True
        page.wait_for_timeout(300)
    return False


@pytest.mark.slow
def test_clock_msel_observations_messages_sitreps_alerts_from_the_page(browser, world, ex):
    u, h = world.url, world.h
    IMG.mkdir(parents=True, exist_ok=True)
    # --- director: the clock and the MSEL ---------------------------------------------------------------------
    ctx, blocked = context(browser, DESKTOP, "en")
    page = _open(ctx, world, "director", ex)
    assert "2026-02-10 21:30:00 UTC" in page.inner_text("#clock")  # stopped at the alert time
    page.fill("#clock-form input[name=rate]", "60")
    page.click("#clock-actions button[data-clock=start]")
    assert _wait(page, lambda: _get(world, "director", f"{ex}/clock")["state"] == "running")
    c = _get(world, "director", f"{ex}/clock")
    assert c["rate"] == 60 and c["mode"] == "scaled"
    page.wait_for_timeout(2500)
    shown = _shown(page)
    server = to_epoch_s(_get(world, "director", f"{ex}/clock")["exercise_time"])
    assert abs(shown - server) <= 90.0, (iso(shown), iso(server))
    assert server - to_epoch_s("2026-02-10T21:30:00Z") >= 120.0  # 2.5 s of wall at 60x
    page.click("#clock-actions button[data-clock=pause]")
    assert _wait(page, lambda: _get(world, "director", f"{ex}/clock")["state"] == "paused")
    page.wait_for_selector("#clock .clock-state[data-state=paused]")
    paused = _get(world, "director", f"{ex}/clock")["exercise_time"]
    assert abs(_shown(page) - to_epoch_s(paused)) <= 1.0, (page.inner_text("#clock"), paused)

    page.click("#tab-msel")
    page.wait_for_selector("#msel li[data-msel]")
    rows = _get(world, "director", f"{ex}/msel")
    b = next(i for i in rows if "second vessel" in i["text"])
    assert len(page.locator("#msel li[data-msel]").all()) == len(rows) >= 2
    page.click(f"#msel li[data-msel='{b['id']}'] button.hold")
    page.wait_for_selector(f"#msel li[data-msel='{b['id']}'] .msel-status[data-status=held]")
    assert next(i for i in _get(world, "director", f"{ex}/msel") if i["id"] == b["id"])["status"] == "held"
    page.screenshot(path=str(IMG / "web-director-msel.png"))
    page.click(f"#msel li[data-msel='{b['id']}'] button.cancel-inject")
    page.click("#confirm-yes")
    page.wait_for_selector(f"#msel li[data-msel='{b['id']}'] .msel-status[data-status=cancelled]")
    assert next(i for i in _get(world, "director", f"{ex}/msel") if i["id"] == b["id"])["status"] == "cancelled"
    ctx.close()

    # --- evaluator: an observation ----------------------------------------------------------------------------
    ctx, blocked2 = context(browser, DESKTOP, "ja")
    page = _open(ctx, world, "evaluator", ex)
    page.click("#tab-observations")
    page.select_option("#obs-form select[name=objective]", "on-scene")
    page.select_option("#obs-form select[name=rating]", "partly")
    page.fill("#obs-form textarea[name=text]", "ROK-PKG-1 on scene 95 min after the alert")
    page.click("#obs-send")
    page.wait_for_selector("#objectives li[data-objective=on-scene] .observation")
    obs = _get(world, "evaluator", f"{ex}/observations")
    assert [(o["objective"], o["rating"], o["by"]) for o in obs] == [("on-scene", "partly", "evaluator")]
    assert obs[0]["time"] == paused  # stamped with the paused clock's exercise time
    assert "一部達成" in page.inner_text("#objectives")
    assert latin_words(page, allowed) == []
    # the services that bring the units (the scenario's `service`), in the units list and the map legend, in Japanese
    assert {u["code"]: u["service"] for u in _get(world, "evaluator", f"{ex}/units")} == {u["code"]: u["service"] for u in UNITS}
    page.click("#tab-units")
    assert "海上自衛隊" in page.inner_text("#units-table tr[data-unit='JPN-DD-1']") and "韓国海軍" in page.inner_text("#units-table tr[data-unit='ROK-PKG-1']")
    assert "KOR: 韓国海軍" in page.inner_text(".legend") and "JPN: 海上自衛隊" in page.inner_text(".legend")
    assert latin_words(page, allowed) == []
    ctx.close()

    # --- coordinator: a message to a unit, SITREP 1; a separation alert ---------------------------------------
    t = _get(world, "director", f"{ex}/clock")["exercise_time"]
    for unit, lon in (("rok-helo-1", 129.5), ("jpn-helo-1", 129.5006)):
        httpx.post(f"{u}/api/exercises/{ex}/positions", headers=h[unit], timeout=30,
                   json={"reports": [{"time": t, "lon": lon, "lat": 34.9, "alt_m": 300.0, "report_id": f"web-alert-{unit}"}]}).raise_for_status()
    alerts = _get(world, "coordinator", f"{ex}/alerts")
    assert [a["kind"] for a in alerts] == ["aircraft_separation"], alerts
    ctx, blocked3 = context(browser, DESKTOP, "en")
    page = _open(ctx, world, "coordinator", ex)
    page.click("#tab-alerts")
    page.wait_for_selector(f"#alerts li[data-alert='{alerts[0]['id']}'] button.ack")
    assert "1 not acknowledged" in page.inner_text("#alerts-count")
    page.click(f"#alerts li[data-alert='{alerts[0]['id']}'] button.ack")
    page.wait_for_function("() => document.querySelector('#alerts-count').textContent.includes('0 not acknowledged')")
    # acknowledged on the server (issue 29): the units of the alert read who, at which exercise time
    acks = next(a for a in _get(world, "rok-helo-1", f"{ex}/alerts") if a["id"] == alerts[0]["id"])["acks"]
    assert [k["by"] for k in acks] == ["coordinator"] and acks[0]["time"][:16] == t[:16]
    page.click("#tab-messages")
    page.select_option("#msg-form select[name=to]", "ROK-PKG-1")
    page.fill("#msg-form textarea[name=text]", "Proceed to your CSP at best speed")
    page.click("#msg-send")
    page.wait_for_selector("#messages li.message")
    mine = _get(world, "rok-pkg-1", f"{ex}/messages")
    assert [(m["sender"], m["to"], m["untranslated"]) for m in mine] == [("rcc", ["ROK-PKG-1"], True)]
    assert mine[0]["text"].endswith("] Proceed to your CSP at best speed")  # after the reader's "free text" mark
    page.click("#tab-sitreps")
    page.fill("#sitrep-form input[name=persons]", "1")
    page.click("#sitrep-send")
    page.click("#confirm-yes")
    page.wait_for_selector("#sitreps article[data-sitrep='1']")
    reps = _get(world, "observer", f"{ex}/sitreps")
    assert [r["number"] for r in reps] == [1]
    page.screenshot(path=str(IMG / "web-coordinator-sitrep.png"))
    ctx.close()

    # --- the unit, in Korean on a phone: reads both, replies to the RCC ------------------------------------------
    ctx, blocked4 = context(browser, PHONE, "ko")
    page = _open(ctx, world, "rok-pkg-1", ex)
    page.click("#tab-sitreps")
    page.wait_for_selector("#sitreps article[data-sitrep='1']")
    assert re.search(r"[\uac00-\ud7a3]", page.inner_text("#sitreps pre"))  # the reader's language
    page.click("#tab-messages")
    assert "Proceed to your CSP" in page.inner_text("#messages")
    page.select_option("#msg-form select[name=to]", "rcc")
    page.fill("#msg-form textarea[name=text]", "ROK-PKG-1 proceeding, ETA 40 min")
    page.click("#msg-send")
    page.wait_for_selector("#messages li.message >> nth=1")
    # a standard phrase: composed in Korean with its parameters, read by the RCC in English
    page.select_option("#msg-form select[name=to]", "rcc")
    page.select_option("#msg-form select[name=phrase]", "on_scene")
    assert page.locator("#msg-form .free-text").is_hidden()
    page.fill("#msg-form input[name=p_unit]", "ROK-PKG-1")
    page.fill("#msg-form input[name=p_area]", "A2")
    page.fill("#msg-form input[name=p_time]", "2026-02-11T01:20Z")
    page.wait_for_function("() => document.querySelector('#msg-preview').textContent.includes('구역 A2 수색 개시')")
    page.click("#msg-send")
    page.wait_for_selector("#messages li.message >> nth=2")
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], width
    page.screenshot(path=str(IMG / "web-unit-phone-messages.png"))
    ctx.close()
    got = _get(world, "coordinator", f"{ex}/messages")
    assert [(m["sender"], m["to"]) for m in got] == [("rcc", ["ROK-PKG-1"]), ("ROK-PKG-1", ["rcc"]), ("ROK-PKG-1", ["rcc"])]
    assert got[2]["phrase"] == "on_scene" and got[2]["text"] == "ROK-PKG-1 현장 도착; 110120Z FEB 2026에 구역 A2 수색 개시."  # the RCC Busan reads Korean
    en = httpx.get(f"{world.url}/api/exercises/{ex}/messages", headers=world.h["coordinator"], params={"lang": "en"}, timeout=30).json()
    assert en[2]["text"] == "ROK-PKG-1 on scene; commencing search of area A2 at 110120Z FEB 2026."
    assert blocked == blocked2 == blocked3 == blocked4 == []


@pytest.mark.slow
def test_the_page_opens_offline_from_its_service_worker(browser, world):
    """Opened once online, the page's shell is kept by its service worker: offline, a reload still shows the page
    (in the reader's language, Korean here); when the connection returns the page logs itself in again (the
    session cookie) with no user action. The API is never answered from the cache."""
    if world.backend != "sqlite":
        pytest.skip("the browser walk runs once, on the SQLite server")
    ctx, blocked = context(browser, PHONE, "ko")
    page = login(ctx, world.url, "rok-pkg-1")
    assert page.evaluate("async () => { await navigator.serviceWorker.ready; return true; }")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    ctx.set_offline(True)
    page.reload()
    page.wait_for_selector("#login-form", state="visible")
    # the Korean catalogue came from the cache too (the page applies it once loaded: wait for it)
    page.wait_for_function("() => document.querySelector('#login-button').textContent === '로그인'", timeout=15_000)
    assert page.evaluate("() => !!window.L && !!window.SX && window.SX.S.me === null")  # Leaflet and the app loaded; nobody asked the API
    ctx.set_offline(False)
    page.wait_for_selector("#tabs button[aria-selected=true]", timeout=20_000)
    assert page.is_hidden("#login-view")
    cached = page.evaluate("async () => (await (await caches.open('sarex-shell-v1')).keys()).map((r) => new URL(r.url).pathname)")
    assert "/" in cached and "/static/app.js" in cached and not any(p.startswith("/api/") for p in cached), cached
    ctx.close()
    assert blocked == []
