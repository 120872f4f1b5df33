"""Chromium (Debian's, driven by Playwright) for the web-app tests, with every request to a host other
than 127.0.0.1 aborted and counted; the scanners the tests run in the page (visible Latin-script words,
axe-core)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from server_harness import password

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"
AXE = ROOT / "src" / "sarex" / "server" / "static" / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def sync_api():
    api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return api


def launch(pw):
    return pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])


def context(browser, viewport: dict, lang: str = "en", geolocation: dict | None = None):
    """A fresh browser profile at a viewport and UI language; returns (context, blocked-URL list)."""
    kw = {"viewport": viewport, "locale": "en-GB"}
    if geolocation is not None:
        kw |= {"geolocation": geolocation, "permissions": ["geolocation"]}
    ctx = browser.new_context(**kw)
    ctx.set_default_timeout(60_000)
    ctx.add_init_script(f"localStorage.setItem('sarex.lang', '{lang}')")
    blocked: list[str] = []

    def guard(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    if os.environ.get("SAREX_BROWSER_LOG"):  # to debug a test: every request and answer, timed
        import time

        ctx.on("request", lambda r: print(f"{time.time() % 1000:8.1f} > {r.method} {r.url}", flush=True))
        ctx.on("response", lambda r: print(f"{time.time() % 1000:8.1f} < {r.status} {r.request.method} {r.url}", flush=True))
        ctx.on("console", lambda m: print(f"{time.time() % 1000:8.1f} console {m.type}: {m.text}", flush=True))
        ctx.on("weberror", lambda e: print(f"{time.time() % 1000:8.1f} page error: {e.error}", flush=True))
    return ctx, blocked


def login(ctx, url: str, user: str):
    page = ctx.new_page()
    page.goto(url + "/", timeout=90_000)
    page.fill("#username", user)
    page.fill("#password", password(user))
    page.click("#login-button")
    page.wait_for_selector("#tabs button[aria-selected=true]")
    page.wait_for_function("() => window.SX && window.SX.S.ex && document.querySelector('#exname').textContent.length > 0")
    return page


def settle(page, ms: int = 400) -> None:
    """Let the page's fetches finish (the app refreshes after each action)."""
    page.wait_for_timeout(ms)


# Visible text nodes (and the shown option of each visible select), outside translate="no" elements
# (names, free text typed by people, the audit's raw detail) and generated documents shown as they are
# (data-doc: the SAP message, whose Korean and Japanese text planning/message.py writes): tokens holding
# a Latin letter.
LATIN_WORDS_JS = r"""
() => {
  const out = [];
  const excluded = (el) => { for (let e = el; e; e = e.parentElement) if (e.getAttribute && (e.getAttribute("translate") === "no" || e.hasAttribute("data-doc"))) return true; return false; };
  const visible = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) && el.getClientRects().length > 0;
  const add = (text, el) => { for (const t of text.match(/[A-Za-z0-9°'.#%-]+/g) || []) if (/[A-Za-z]/.test(t)) out.push([t, el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "")]); };
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (w.nextNode()) {
    const n = w.currentNode, el = n.parentElement;
    if (!n.textContent.trim() || !el || ["SCRIPT", "STYLE", "OPTION", "SELECT"].includes(el.tagName) || excluded(el) || !visible(el)) continue;
    add(n.textContent, el);
  }
  document.querySelectorAll("select").forEach((s) => { const o = s.selectedOptions[0]; if (o && visible(s) && !excluded(o)) add(o.textContent, s); });
  document.querySelectorAll("input[placeholder], button[value]").forEach((i) => { if (visible(i) && !excluded(i) && i.placeholder) add(i.placeholder, i); });
  return out;
}
"""


def latin_words(page, allowed) -> list[str]:
    """Visible Latin-script tokens that ``allowed(token)`` does not accept, with where they are."""
    return [f"{t} ({where})" for t, where in page.evaluate(LATIN_WORDS_JS) if not allowed(t)]


def axe(page) -> list[str]:
    """axe-core's critical and serious violations on the page as it is now (rules as shipped)."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    res = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} {v['help']}" for v in res["violations"] if v["impact"] in ("critical", "serious")]
