"""The built-in demo: the Korea–Japan exercise with one account per role, set up on an empty store."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from sarex.server import services, workflow
from sarex.server.db import Store
from sarex.server.models import Exercise

ORGS = (("EXCON", "Exercise control and evaluation cell"), ("KOR", "Republic of Korea Navy"), ("JPN", "Japan Maritime Self-Defense Force"))


def demo_accounts(units: list[dict[str, Any]]) -> list[tuple[str, str, str, str | None]]:
    """(user, organisation, role, unit) for the demo: exercise control, a coordinator, a planner per nation, a user per unit, an observer."""
    acc: list[tuple[str, str, str, str | None]] = [("director", "EXCON", "director", None), ("evaluator", "EXCON", "evaluator", None),
           ("coordinator", "KOR", "coordinator", None), ("planner-rok", "KOR", "planner", None),
           ("planner-jpn", "JPN", "planner", None), ("observer", "JPN", "observer", None)]
    acc += [(u["code"].lower(), u["nation"], "unit", u["code"]) for u in units]
    return acc


def set_up_demo(store: Store, seed: int = 0, passwords: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Create the demo on an empty store; returns (user, role, password) or [] if the store has exercises already."""
    with store.tx() as s:
        if s.execute(select(Exercise.id).limit(1)).scalar() is not None:
            return []
        for code, name in ORGS:
            workflow.add_org(s, "demo", code, name)
        ex = workflow.add_exercise(s, "demo", services.builtin_scenario_text("korea-japan"), "korea-japan", seed, check=False)
        out = []
        for name, org, role, unit in demo_accounts(services.units_of(services.parse_scenario_text(ex.scenario_toml))):
            pw = (passwords or {}).get(name) or secrets.token_urlsafe(9)
            workflow.add_user(s, "demo", name, org, pw)
            workflow.grant(s, "demo", name, ex.id, role, unit)
            out.append((name, role + (f" ({unit})" if unit else ""), pw))
        return out
