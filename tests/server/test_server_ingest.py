"""The group commit's write of position reports, on a store without a server: a batch that mixes
reports stored before (a client's retry) with new ones answers each with its own stored id (on
SQLite the new ids come from the insert's row count and last id, not from RETURNING)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sarex.server import audit
from sarex.server.db import Store, database_url
from sarex.server.demo import set_up_demo
from sarex.server.models import Grant, PositionReport, User
from sarex.server.batchwrite import PositionBatch, batch_state, write_positions
from sarex.server.security import Principal


@pytest.fixture(autouse=True)
def _own_key_location(monkeypatch):
    monkeypatch.delenv("SAREX_AUDIT_KEY_FILE", raising=False)


def _unit(store: Store) -> tuple[Principal, int, str]:
    with store.read() as s:
        g = s.execute(select(Grant).where(Grant.role == "unit").order_by(Grant.id)).scalars().first()
        u = s.get(User, g.user_id)
        return Principal(u.id, u.name, "ROK", "", "bearer", {g.exercise_id: {"unit": g.unit_code}}), g.exercise_id, g.unit_code


def test_a_batch_mixing_retries_and_new_reports_answers_each_with_its_id(tmp_path):
    store = Store(database_url(tmp_path, None))
    set_up_demo(store)
    p, ex, unit = _unit(store)

    def batch(*rids: str) -> PositionBatch:
        return PositionBatch(p, ex, [(unit, rid, 1770771600.0 + k, 129.5 + k / 100, 34.9) for k, rid in enumerate(rids)])

    with store.tx() as s:
        first = write_positions(s, [batch("a", "b", "c")])[0]
    assert [r["duplicate"] for r in first] == [False] * 3
    with store.tx() as s:  # retries of "b" and "a" among new reports, in two requests of one batch
        out = write_positions(s, [batch("b", "d", "e"), batch("f", "a", "d")], batch_state(s, {ex}))
    assert [[r["duplicate"] for r in res] for res in out] == [[True, False, False], [False, True, True]]
    ids = {r["report_id"]: r["id"] for res in [first, *out] for r in res}
    assert out[1][2]["id"] == out[0][1]["id"]  # "d" twice in one batch: stored once
    with store.read() as s:
        stored = dict(s.execute(select(PositionReport.report_id, PositionReport.id)).all())
        assert stored == ids and len(stored) == 6
        assert audit.verify(s).ok  # one entry per stored report, each naming its report's id
    with store.tx() as s:  # nothing new: every report answered with the id stored before
        again = write_positions(s, [batch("e", "c")])[0]
    assert [(r["id"], r["duplicate"]) for r in again] == [(ids["e"], True), (ids["c"], True)]
    store.dispose()
