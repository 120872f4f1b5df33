"""The web app as the participants use it, in Chromium with every non-127.0.0.1 request blocked.

* A unit on a phone (390×844): no horizontal scrolling, its tasking readable, the map at least 90 % of
  the width; its answer and status reach the plan; with the device position mocked (Playwright's
  geolocation, i.e. CDP ``Emulation.setGeolocationOverride``) "report my position" stores a report at
  those coordinates (read back through the API); offline, a position and a sighting are queued in
  IndexedDB, and once online each is stored exactly once, also when the same report is sent again.
* Every role × panel (and the confirmation dialogs) in Korean and Japanese: no visible Latin-script
  word outside a short allowlist (unit ids, nation codes, POS, UTC, units of measure, file formats);
  axe-core: no critical or serious violation; screenshots of each role at 1366×768 and 390×844.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest

from browser_harness import DESKTOP, IMG, PHONE, axe, context, latin_words, login, settle
from server_harness import ACCOUNTS, wait_job

ROLES_USERS = ("director", "evaluator", "coordinator", "planner-rok", "observer")
UNIT_CODES = {code for *_x, code in ACCOUNTS if code}
ALLOWED = {"POS", "UTC", "NM", "km", "m", "s", "kn", "ft", "CSP", "GPX", "RTZ", "KML", "TOML", "KOR", "JPN", "ROK", "GSHHG", "%"}
ALLOWED_RE = [re.compile(p) for p in (r"^P\d+$", r"^[NESW]$", r"^\d+°\d+(\.\d+)?'[NESW]$", r"^#\d+$")]


def allowed(token: str) -> bool:
    t = token.strip(".'")
    return t in ALLOWED or t in UNIT_CODES or any(p.match(t) for p in ALLOWED_RE)


@pytest.fixture(scope="module")
def ready(world):
    """Exercise 1 with data on every panel: a forecast, KOR's period-1 plan approved, a JPN draft, an inject."""
    if world.backend != "sqlite":
        pytest.skip("the browser walk runs once, on the SQLite server")
    u, h = world.url, world.h
    assert wait_job(u, h["director"], world.forecast_job)["status"] == "done"
    plans = httpx.get(f"{u}/api/exercises/1/plans", headers=h["coordinator"], timeout=30).json()
    kor = next((p for p in plans if p["nation"] == "KOR" and p["period"] == 1 and p["status"] == "approved"), None)
    if kor is None:
        kor = httpx.post(f"{u}/api/exercises/1/plans", headers=h["planner-rok"], json={"period": 1, "nation": "KOR"}, timeout=30).json()
        httpx.post(f"{u}/api/exercises/1/plans/{kor['id']}/approve", headers=h["coordinator"], timeout=30).raise_for_status()
    if not any(p["nation"] == "JPN" and p["status"] == "draft" for p in plans):
        httpx.post(f"{u}/api/exercises/1/plans", headers=h["planner-jpn"], json={"period": 1, "nation": "JPN"}, timeout=30).raise_for_status()
    httpx.post(f"{u}/api/exercises/1/injects", headers=h["director"], timeout=30,
               json={"kind": "message", "text": "Fishing fleet reports debris", "to": ["coordinator", "planner", "unit", "observer"]}).raise_for_status()
    unit = kor["assignments"][0]["unit"]
    return {"unit": unit, "unit_user": next(n for n, _o, _r, code in ACCOUNTS if code == unit), "plan": kor["id"]}


def _stored(world, unit: str, lon: float, lat: float) -> int:
    rows = httpx.get(f"{world.url}/api/exercises/1/positions", headers=world.h["director"], timeout=30).json()
    return sum(1 for r in rows if r["unit"] == unit and abs(r["lon"] - lon) < 1e-6 and abs(r["lat"] - lat) < 1e-6)


def _outbox(page) -> int:
    """Reports waiting in the page's outbox (``page.evaluate`` awaits the IndexedDB read; a polled predicate might not)."""
    return page.evaluate("async () => (await window.SX_OUTBOX.all()).length")


def _wait(page, cond, timeout_s: float = 30.0) -> bool:
    """Poll ``cond`` while the page runs: Playwright's sync API routes the page's requests (the
    127.0.0.1 guard) only inside its own calls, so the wait is the page's, not ``time.sleep``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if cond():
            return True
        page.wait_for_timeout(300)
    return False


def test_unit_on_a_phone(browser, world, ready):
    unit, user = ready["unit"], ready["unit_user"]
    here = {"latitude": 34.912345, "longitude": 129.654321}
    ctx, blocked = context(browser, PHONE, "en", geolocation=here)
    page = login(ctx, world.url, user)
    page.wait_for_selector(".tasking-item")
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1] == 390, width
    box = page.locator(".tasking-item").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["width"] >= 330, box
    assert float(page.eval_on_selector("pre.sap", "e => parseFloat(getComputedStyle(e).fontSize)")) >= 13
    assert float(page.eval_on_selector(".tasking-item dd", "e => parseFloat(getComputedStyle(e).fontSize)")) >= 15
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / "web-unit-phone.png"))

    # accept the tasking, then report a status: both reach the plan the coordinator reads
    page.click(".answer-form button.accept")
    page.wait_for_selector(".tasking-item .answer")
    page.select_option(".state-form select[name=status]", "searching")
    page.click(".state-form button.send-state")
    plan = lambda: next(p for p in httpx.get(f"{world.url}/api/exercises/1/plans", headers=world.h["coordinator"], timeout=30).json() if p["id"] == ready["plan"])  # noqa: E731
    assert _wait(page, lambda: (next(a for a in plan()["assignments"] if a["unit"] == unit)["state"] or {}).get("status") == "searching")
    assert next(a for a in plan()["assignments"] if a["unit"] == unit)["answer"]["answer"] == "accepted"

    # report my position, by keyboard (arrow keys between tabs, Enter on the button): stored for this unit
    page.focus("#tab-tasking")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-report", "aria-selected") == "true" and page.evaluate("document.activeElement.id") == "tab-report"
    n0 = _stored(world, unit, here["longitude"], here["latitude"])
    page.focus("#geo-once")
    page.keyboard.press("Enter")
    assert _wait(page, lambda: _stored(world, unit, here["longitude"], here["latitude"]) == n0 + 1), \
        ("the device position was not stored", page.inner_text("#geo-state"), page.inner_text("#flash"), page.inner_text("#outbox"))

    # offline: queued in IndexedDB, nothing stored; online: stored exactly once
    there = {"latitude": 34.95, "longitude": 129.70}
    ctx.set_geolocation(there)
    n0 = _stored(world, unit, there["longitude"], there["latitude"])
    s0 = sum(1 for s in httpx.get(f"{world.url}/api/exercises/1/sightings", headers=world.h["director"], timeout=30).json() if s.get("note") == "orange smoke offline")
    ctx.set_offline(True)
    page.click("#geo-once")
    page.fill("#sighting-form input[name=lat]", "34.93")
    page.fill("#sighting-form input[name=lon]", "129.71")
    page.fill("#sighting-form textarea[name=note]", "orange smoke offline")
    page.click("#sighting-send")
    assert _wait(page, lambda: _outbox(page) == 2)
    assert page.locator("#outbox").inner_text().strip() != ""
    page.screenshot(path=str(IMG / "web-unit-phone-report.png"))
    page.wait_for_timeout(1000)
    assert _stored(world, unit, there["longitude"], there["latitude"]) == n0  # nothing reached the server
    queued = page.evaluate("async () => (await window.SX_OUTBOX.all()).find((r) => r.kind === 'position')")
    queued_s = page.evaluate("async () => (await window.SX_OUTBOX.all()).find((r) => r.kind === 'sighting')")
    ctx.set_offline(False)
    assert _wait(page, lambda: _outbox(page) == 0)
    assert _stored(world, unit, there["longitude"], there["latitude"]) == n0 + 1
    # the answer was lost, say: the same report (same id) is sent again and still stored once
    page.evaluate("async (items) => { for (const i of items) await window.SX_OUTBOX.put(i); await window.SX_OUTBOX.flush(); }", [queued, queued_s])
    assert _wait(page, lambda: _outbox(page) == 0)
    assert _stored(world, unit, there["longitude"], there["latitude"]) == n0 + 1
    seen = httpx.get(f"{world.url}/api/exercises/1/sightings", headers=world.h["director"], timeout=30).json()
    assert sum(1 for s in seen if s.get("note") == "orange smoke offline") == s0 + 1

    # the map: a tab of its own at full width, no horizontal scrolling
    page.click("#tab-map")
    page.wait_for_timeout(500)
    mb = page.locator("#map").bounding_box()
    assert mb["width"] >= 0.9 * 390 and mb["height"] > 500, mb
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], width
    # no two shown labels (LKP, areas, call signs, sightings) on one spot, and the LKP's and the unit's own kept
    seen = page.evaluate(_LABELS)
    assert seen["overlaps"] == [] and seen["shown"] >= 3 and seen["lkp"] and seen["unit"], seen
    page.screenshot(path=str(IMG / "web-unit-phone-map.png"))
    ctx.close()
    assert blocked == []


# the map's shown labels from their pixel boxes: pairs overlapping by more than a pixel, how many shown
_LABELS = """() => {
  const els = [...document.querySelectorAll('#map .leaflet-tooltip.map-label, #map .unit-label')]
    .filter((e) => getComputedStyle(e).visibility !== 'hidden' && e.getBoundingClientRect().width > 0);
  const b = els.map((e) => e.getBoundingClientRect()), overlaps = [];
  for (let i = 0; i < b.length; i++) for (let j = i + 1; j < b.length; j++) {
    const p = b[i], q = b[j];
    if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1) overlaps.push([els[i].textContent, els[j].textContent]);
  }
  return { overlaps, shown: els.length, lkp: els.some((e) => e.classList.contains('lkp-label')), unit: els.some((e) => e.classList.contains('unit-label')) };
}"""


def _tabs(page) -> list[str]:
    return [b.get_attribute("data-tab") for b in page.locator("#tabs button").all() if b.is_visible()]


def _open_dialogs(page):
    """Each confirmation dialog the page offers in its current panel: open it, yield, cancel it."""
    for sel in ("button.approve", "button.reject", "#endex", "button.withdraw"):
        if page.locator(sel).count() and page.locator(sel).first.is_visible():
            page.locator(sel).first.click()
            page.wait_for_selector("dialog[open]")
            yield sel
            page.click("#confirm-no")
            page.wait_for_function("() => !document.querySelector('#confirm').open")


@pytest.mark.slow  # four minutes: in make test-slow, which CI runs too
def test_every_role_every_panel(browser, world, ready):
    """ko at 390×844, ja and en at 1366×768: Latin words (ko, ja), axe-core (en, ko), screenshots (en, ko)."""
    problems: list[str] = []
    users = (*ROLES_USERS, ready["unit_user"])
    for user in users:
        role = next(r for n, _o, r, _c in ACCOUNTS if n == user)
        for lang, view in (("ko", PHONE), ("ja", DESKTOP), ("en", DESKTOP)):
            ctx, blocked = context(browser, view, lang)
            page = login(ctx, world.url, user)
            settle(page, 1500)
            for tab in _tabs(page):
                page.click(f"#tab-{tab}")
                settle(page, 600 if tab != "audit" else 1500)
                if tab == _tabs(page)[0] and lang != "ja":
                    page.screenshot(path=str(IMG / f"web-{role}-{'phone-ko' if view is PHONE else 'desktop'}.png"))
                if tab == "plans" and page.locator("#preview").is_visible():
                    page.click("#preview")
                    page.wait_for_selector(".proposal")
                states = [f"{role}/{tab}"]
                for dialog in _open_dialogs(page):
                    states.append(f"{role}/{tab}/{dialog}")
                    if lang != "en":
                        problems += [f"{lang} {states[-1]}: {w}" for w in latin_words(page, allowed)]
                    if lang != "ja":
                        problems += [f"{lang} {states[-1]}: axe {v}" for v in axe(page)]
                if lang != "en":
                    problems += [f"{lang} {states[0]}: {w}" for w in latin_words(page, allowed)]
                if lang != "ja":
                    problems += [f"{lang} {states[0]}: axe {v}" for v in axe(page)]
            ctx.close()
            assert blocked == [], blocked
    assert not problems, "\n".join(sorted(set(problems)))
