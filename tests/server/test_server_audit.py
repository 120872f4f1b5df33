"""The audit chain's anchor: rewriting every entry (recomputing the whole hash chain) is detected
with the audit key kept outside the database, and would not be without it; the key is never shown."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import subprocess

import pytest
from sqlalchemy import text

from sarex.server import audit
from sarex.server.db import Store, database_url
from server_harness import SARAX_BIN


@pytest.fixture(autouse=True)
def _own_key_location(monkeypatch):
    """These stores keep their key beside the SQLite file (not where a PostgreSQL world put its own)."""
    monkeypatch.delenv("SAREX_AUDIT_KEY_FILE", raising=False)


def _store(tmp_path, key_file=None) -> Store:
    return Store(database_url(tmp_path, None), key_file=key_file)


def _fill(store: Store, n: int = 6) -> None:
    with store.tx() as s:
        for k in range(n):
            audit.record(s, "alice", "org.add", {"id": k, "code": f"O{k}"})


def _rewrite_all(store: Store, new_actor: str) -> None:
    """What an attacker with write access to the database can do: edit entry 2 and recompute every
    hash after it with the published algorithm (written here independently of sarex's code)."""
    with store.tx() as s:
        rows = [dict(r) for r in s.execute(text("SELECT * FROM audit ORDER BY id")).mappings()]
        prev = "0" * 64
        for r in rows:
            if r["id"] == 2:
                r["actor"] = new_actor
            body = json.dumps([prev, repr(float(r["time_s"])), r["actor"], r["exercise_id"], r["action"], r["detail"]],
                              ensure_ascii=False, separators=(",", ":"))
            h = hashlib.sha256(body.encode("utf-8")).hexdigest()
            s.execute(text("UPDATE audit SET actor = :a, prev_hash = :p, hash = :h WHERE id = :i"), {"a": r["actor"], "p": prev, "h": h, "i": r["id"]})
            prev = h


def test_whole_chain_rewrite_is_detected_with_the_key(tmp_path):
    store = _store(tmp_path)
    _fill(store)
    key_file = tmp_path / "audit.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    with store.read() as s:
        v = audit.verify(s)
    assert v.ok and v.anchored and v.entries == 6
    _rewrite_all(store, "mallory")
    with store.read() as s:
        v = audit.verify(s)
    assert not v.ok and v.problem.startswith("entry 2: its MAC does not match"), v
    # the CLI says so too, exit 1, and never prints the key
    r = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--data", str(tmp_path)], capture_output=True, text=True, timeout=120)
    key_hex = key_file.read_text().strip()
    assert r.returncode == 1 and "entry 2" in r.stdout and key_hex not in r.stdout + r.stderr
    # the key is not in the database file
    assert key_hex.encode() not in (tmp_path / "sarex.db").read_bytes() and bytes.fromhex(key_hex) not in (tmp_path / "sarex.db").read_bytes()
    store.dispose()


def test_without_a_key_verify_fails_and_the_store_refuses_to_start(tmp_path, monkeypatch):
    """A store whose chain has entries but whose key is gone cannot be checked: verify says so (exit 1)
    where it used to pass as "NOT anchored", and a server or set-up command refuses to start on it."""
    monkeypatch.setenv("SAREX_AUDIT_KEY_FILE", str(tmp_path / "elsewhere" / "none.key"))
    try:
        store = Store(database_url(tmp_path, None), create_key=False)
        _fill(store)
        _rewrite_all(store, "mallory")
        with store.read() as s:
            v = audit.verify(s)
        assert not v.ok and "key file is missing" in v.problem
        r = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--data", str(tmp_path)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 1 and "key file is missing" in r.stdout
        r = subprocess.run([SARAX_BIN, "server", "init", "--data", str(tmp_path)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and "missing" in r.stderr + r.stdout and "Traceback" not in r.stderr
        assert not (tmp_path / "elsewhere" / "none.key").exists()
    finally:
        store.dispose()


def test_blanked_macs_or_a_missing_key_fail(tmp_path):
    store = _store(tmp_path)
    _fill(store, 3)
    with store.tx() as s:
        s.execute(text("UPDATE audit SET mac = '' WHERE id = 3"))
    with store.read() as s:
        v = audit.verify(s)
    assert not v.ok and "entry 3" in v.problem
    store.dispose()
    # verify never creates a key: with the key file gone, MAC'd entries cannot be checked and verify fails
    (tmp_path / "audit.key").unlink()
    r = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--data", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "key file is missing" in r.stdout and not (tmp_path / "audit.key").exists()


def test_a_deleted_key_is_never_replaced(tmp_path):
    """Issue 27, item 8: deleting audit.key and rewriting the chain passed verify ("NOT anchored"), and
    the next `sarex serve` made a fresh key and MAC'd the forged chain. Now the server refuses to
    start with one line, creates no key, and verify fails."""
    store = _store(tmp_path)
    _fill(store, 4)
    store.dispose()
    (tmp_path / "audit.key").unlink()
    store = Store(database_url(tmp_path, None), create_key=False)
    _rewrite_all(store, "mallory")
    store.dispose()
    r = subprocess.run([SARAX_BIN, "serve", "--data", str(tmp_path), "--port", "1"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "audit key" in r.stderr + r.stdout and "Traceback" not in r.stderr
    assert not (tmp_path / "audit.key").exists()
    r = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--data", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and not (tmp_path / "audit.key").exists()


def test_published_head_detects_a_cut_or_rewrite(tmp_path):
    """`audit head` prints ID:HASH; `verify --head` fails once anything up to it is cut or rewritten,
    even by someone holding the key (who can recompute every MAC)."""
    store = _store(tmp_path)
    _fill(store, 5)
    store.dispose()
    r = subprocess.run([SARAX_BIN, "server", "audit", "head", "--data", str(tmp_path)], capture_output=True, text=True, timeout=120)
    head = r.stdout.strip()
    assert r.returncode == 0 and head.startswith("5:") and len(head) == 66, r.stdout
    ok = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--data", str(tmp_path), "--head", head], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "still holds" in ok.stdout
    # an insider with the key rewrites entry 2 and re-MACs everything: only the published head tells
    key = bytes.fromhex((tmp_path / "audit.key").read_text().strip())
    store = _store(tmp_path)
    _rewrite_all(store, "mallory")
    with store.tx() as s:
        for i, h in s.execute(text("SELECT id, hash FROM audit")).all():
            s.execute(text("UPDATE audit SET mac = :m WHERE id = :i"), {"m": hmac.new(key, h.encode(), hashlib.sha256).hexdigest(), "i": i})
    store.dispose()
    plain = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--data", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert plain.returncode == 0  # the key alone cannot tell
    r = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--data", str(tmp_path), "--head", head], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "published head" in r.stdout
    r = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--data", str(tmp_path), "--head", "5:xyz"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--head" in r.stderr + r.stdout
    # a typo in --data is an error, not an empty intact store
    r = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--data", str(tmp_path / "typo")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and not (tmp_path / "typo").exists()
