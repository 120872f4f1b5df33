"""The server refuses forcing named by URL (or path) in an uploaded scenario: it must not fetch what a participant names (issue 33)."""

from __future__ import annotations

import httpx
import pytest

from sarex.server.services import builtin_scenario_text


@pytest.mark.parametrize("value", ["http://127.0.0.1:9/thredds/dodsC/truth", "file:///etc/passwd"])
def test_uploaded_scenario_naming_a_url_is_refused(world, value):
    if world.backend != "sqlite":
        pytest.skip("run once, on the SQLite server")
    text = builtin_scenario_text("korea-japan").replace("synthetic = true\nvariant = 7", f'file = "{value}"', 1)
    assert value in text
    before = httpx.get(f"{world.url}/api/exercises", headers=world.h["director"], timeout=30).json()
    r = httpx.post(f"{world.url}/api/exercises", headers=world.h["director"], files={"scenario": ("s.toml", text.encode(), "application/toml")}, timeout=60)
    assert r.status_code in (400, 422), r.text
    err = r.json()["error"]
    assert "\n" not in err and "truth.environment.file" in err and "synthetic environments only" in err
    assert httpx.get(f"{world.url}/api/exercises", headers=world.h["director"], timeout=30).json() == before
