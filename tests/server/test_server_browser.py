"""The web UI in real headless Chromium (Debian's, driven by Playwright), with every request to a host
other than 127.0.0.1 blocked: a planner sees areas and units and drafts a plan, the coordinator
approves it, a unit sees only its own tasking. Screenshots go to docs/img/ for docs/server.md."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from server_harness import ACCOUNTS
from server_harness import password, wait_job

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


def _page(browser, world, user: str):
    ctx = browser.new_context(viewport={"width": 1400, "height": 850}, locale="en-GB")
    page = ctx.new_page()
    blocked: list[str] = []

    def guard(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(world.url + "/")
    page.fill("#username", user)
    page.fill("#password", password(user))
    page.click("#login-button")
    page.wait_for_selector("#units-table tbody tr", timeout=60_000)
    return ctx, page, blocked


def test_planner_coordinator_unit_in_chromium(browser, world):
    if world.backend != "sqlite":
        pytest.skip("the browser walk runs once, on the SQLite server")
    u, h = world.url, world.h
    assert wait_job(u, h["director"], world.forecast_job)["status"] == "done"
    httpx.post(f"{u}/api/exercises/1/positions", headers=h["rok-pkg-1"], timeout=30,
               json={"reports": [{"time": "2026-02-11T00:30:00Z", "lon": 129.3, "lat": 34.95, "report_id": "browser-1"}]}).raise_for_status()
    IMG.mkdir(parents=True, exist_ok=True)

    # planner (ROK): map with areas and units, then a draft for period 2
    ctx, page, blocked = _page(browser, world, "planner-rok")
    page.wait_for_selector("path.unit-marker", timeout=30_000)
    rows = page.locator("#units-table tbody tr")
    nations = {rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())}
    assert "KOR" in nations
    # the current forecast's 50 % and 90 % containment areas, for the period chosen (the first one planned)
    page.wait_for_selector("path.contour-50", timeout=30_000)
    page.wait_for_selector("path.contour-90", timeout=30_000)
    assert page.locator("#contour-period").input_value() == "1"
    page.select_option("#contour-period", "3")
    page.wait_for_selector("path.contour-90", timeout=30_000)
    served = httpx.get(f"{u}/api/exercises/1/collections/contours/items", headers=h["planner-rok"], timeout=30).json()["features"]
    assert page.locator("path.contour").count() == sum(1 for f in served if f["properties"]["period"] == 3) == 2  # one path per level
    page.click("#draft-2")
    page.wait_for_selector("#plans-table tr[data-plan] td.plan-status:text('draft')", timeout=30_000)
    page.wait_for_selector("path.area", timeout=30_000)
    assert page.locator("path.area").count() >= 1
    page.select_option("#lang", "ko")
    page.wait_for_selector("h3:text('부대')")
    page.screenshot(path=str(IMG / "server-planner.png"))
    ctx.close()
    assert blocked == []

    # coordinator: approve the period-2 draft
    ctx, page, blocked = _page(browser, world, "coordinator")
    page.wait_for_selector("button.approve", timeout=30_000)
    draft = page.locator("#plans-table tr[data-plan]").filter(has=page.locator("td.plan-status:text('draft')")).first
    plan_id = draft.get_attribute("data-plan")
    page.click(f"button.approve[data-plan='{plan_id}']")
    page.wait_for_selector(f"#plans-table tr[data-plan='{plan_id}'] td.plan-status:text('approved')", timeout=30_000)
    page.screenshot(path=str(IMG / "server-coordinator.png"))
    ctx.close()
    assert blocked == []

    # director: an inject from the form, to units only (so the planner does not get it)
    ctx, page, blocked = _page(browser, world, "director")
    page.wait_for_selector("#inject-form:not([hidden])", timeout=30_000)
    page.select_option("#inject-form select[name=kind]", "sighting")
    page.fill("#inject-form input[name=text]", "F/V Daesung reports an orange raft")
    page.fill("#inject-form input[name=lon]", "129.83")
    page.fill("#inject-form input[name=lat]", "34.93")
    for role in ("coordinator", "planner"):
        page.uncheck(f"#inject-form input[name=to][value={role}]")
    page.click("#inject-send")
    page.wait_for_selector("li.inject-sighting:has-text('orange raft')", timeout=30_000)
    page.screenshot(path=str(IMG / "server-director.png"))
    ctx.close()
    assert blocked == []
    mine = [i for i in httpx.get(f"{u}/api/exercises/1/injects", headers=h["planner-rok"], timeout=30).json() if "orange raft" in i["text"]]
    assert mine == []

    # a unit with an approved tasking sees that and nothing of the others
    plans = httpx.get(f"{u}/api/exercises/1/plans", headers=h["coordinator"], timeout=30).json()
    approved = {a["unit"] for p in plans if p["status"] == "approved" for a in p["assignments"]}
    unit = sorted(approved)[0]
    user = next(n for n, _o, r, code in ACCOUNTS if code == unit)
    ctx, page, blocked = _page(browser, world, user)
    page.wait_for_selector(".tasking-item", timeout=30_000)
    shown = {page.locator(".tasking-item").nth(i).get_attribute("data-unit") for i in range(page.locator(".tasking-item").count())}
    assert shown == {unit}
    assert page.locator("#units-table tbody tr").count() == 1
    assert page.locator("#plans-table tbody tr").count() == 0
    page.wait_for_selector("li.inject-sighting:has-text('orange raft')", timeout=30_000)  # addressed to units
    page.select_option("#lang", "ja")
    page.wait_for_selector("h3:text('任務')")
    page.screenshot(path=str(IMG / "server-unit.png"))
    ctx.close()
    assert blocked == []
