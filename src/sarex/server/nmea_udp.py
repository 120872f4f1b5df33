"""NMEA 0183 over UDP: units' GPS fixes ($--RMC, $--GGA) and AIS position reports (!AIVDM/!AIVDO)
become position reports of one exercise, through the same group commit as the JSON API.

A datagram holds one or more sentences, one per line. Who sent a fix:

* AIS: the MMSI in the message, matched to the exercise's units' ``mmsi``;
* GPS: the NMEA 4.10 tag block source ``\\s:NAME*hh\\`` before the sentence, or else the sender's
  IP address, looked up in the configured sources (``--nmea-source NAME=UNIT``); a source that
  is itself a unit's id maps to that unit.

The receive time is the tag block's ``c:`` (Unix seconds) if given, else the server's clock. RMC
carries its date; a GGA's time of day is placed on the UTC day that puts it nearest the receive
time. AIS carries only the second, so its fix time is the receive time. The report is attributed
to the user holding the unit's ``unit`` grant (audit actor ``NAME via nmea-udp``); a unit nobody
reports for is counted as unmapped. Each report's id is derived from unit, time and position,
so a datagram the network delivers twice is stored once. UDP carries no authentication: listen
on a trusted network (the default host is 127.0.0.1). Skipped sentences are counted per reason
in :attr:`NmeaUdp.log` (same reasons as the log readers).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import select

from sarex.io.ais import Assembler, decode_position
from sarex.io.nmea import nmea_checksum, parse_fix, split_sentence
from sarex.server.clock import gps_to_exercise, load_clock
from sarex.io.track import IngestLog
from sarex.server import services
from sarex.server.db import Store
from sarex.server.ingest import GroupCommit
from sarex.server.models import Exercise, Grant, Org, User
from sarex.server.batchwrite import PositionBatch
from sarex.server.reports import prepare_positions
from sarex.server.security import Principal, auth_epoch
from sarex.errors import SarexInputError

if TYPE_CHECKING:
    from sarex.exercise.clock import ExerciseClock

log = logging.getLogger("sarex.server.nmea_udp")
SRC = "udp"


@dataclass
class UdpConfig:
    """Where to listen and what the fixes are mapped to."""

    port: int
    exercise_id: int
    host: str = "127.0.0.1"
    sources: dict[str, str] = field(default_factory=dict)  # tag-block source or sender IP -> unit id


def parse_source_map(items: list[str]) -> dict[str, str]:
    """``NAME=UNIT`` items (``--nmea-source``) as a dict."""

    out = {}
    for it in items:
        name, sep, unit = it.partition("=")
        if not sep or not name.strip() or not unit.strip():
            raise SarexInputError(f"--nmea-source: {it!r} is not NAME=UNIT (a tag-block source or sender IP, and a unit id)")
        out[name.strip()] = unit.strip()
    return out


def _tags(line: str) -> tuple[dict[str, str] | None, str]:
    """The NMEA 4.10 tag block fields of a line (None if its checksum is wrong) and the sentence after it."""
    s = line.strip()
    if not s.startswith("\\"):
        return {}, s
    end = s.find("\\", 1)
    if end < 0:
        return {}, s
    block, _, given = s[1:end].partition("*")
    try:
        if given and int(given[:2], 16) != nmea_checksum(block):
            return None, s[end + 1:]
    except ValueError:
        return None, s[end + 1:]
    fields = {}
    for item in block.split(","):
        k, sep, v = item.partition(":")
        if sep:
            fields[k] = v
    return fields, s[end + 1:]


def _nearest_day(tod: float, now: float) -> float:
    day = now - now % 86400.0
    return min((day - 86400.0, day, day + 86400.0), key=lambda d: abs(d + tod - now))


class NmeaUdp(asyncio.DatagramProtocol):
    """The listener; ``start`` it in the server's event loop."""

    def __init__(self, store: Store, writer: GroupCommit, cfg: UdpConfig) -> None:
        self.store, self.writer, self.cfg = store, writer, cfg
        self.log = IngestLog()
        self.stored = 0
        self._asm: dict[str, Assembler] = {}
        self._epoch = -2
        self._by_unit: dict[str, Principal] = {}
        self._by_mmsi: dict[int, str] = {}
        self._pending: list[tuple[str, dict[str, Any]]] = []
        self._flushing = False
        self.transport = None

    async def start(self) -> None:
        await asyncio.to_thread(self._refresh)
        loop = asyncio.get_running_loop()
        self.transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(self.cfg.host, self.cfg.port))

    def stop(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _refresh(self) -> None:
        """Re-read the unit -> reporting user map if access changed (auth epoch)."""
        with self.store.read() as s:
            epoch = auth_epoch(s)
            if epoch == self._epoch:
                return
            ex = s.get(Exercise, self.cfg.exercise_id)
            if ex is None:
                from sarex.errors import SarexInputError

                raise SarexInputError(f"--nmea-exercise: no exercise {self.cfg.exercise_id}")
            sc = services.parse_scenario_text(ex.scenario_toml, case=True)
            self._by_mmsi = {int(u.mmsi): u.id for u in sc.resolved_units() if u.mmsi is not None}
            self._span = (sc.reported.time - 86400.0, sc.end_time_s + 86400.0)
            by_unit: dict[str, Principal] = {}
            rows = s.execute(select(Grant, User, Org).join(User, Grant.user_id == User.id).join(Org, User.org_id == Org.id)
                             .where(Grant.exercise_id == ex.id, Grant.role == "unit")).all()
            for g, u, o in rows:
                by_unit.setdefault(g.unit_code, Principal(u.id, u.name, o.code, "", "udp", {ex.id: {"unit": g.unit_code}}, epoch=epoch))
            self._by_unit, self._epoch = by_unit, epoch

    def _clock(self) -> Optional[ExerciseClock]:
        try:
            with self.store.read() as s:
                return load_clock(s, self.cfg.exercise_id)
        except Exception:  # noqa: BLE001 - no clock readable: fixes keep their GPS time
            return None

    # --- parsing (event loop) -------------------------------------------------------------
    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        text = data.decode("ascii", errors="replace")
        for line in text.splitlines():
            if line.strip():
                self._line(line, addr[0])
        if self._pending and not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())

    def _line(self, line: str, sender: str) -> None:
        tags, rest = _tags(line)
        if tags is None:
            self.log.add(SRC, "bad_checksum")
            return
        now = time.time()
        try:
            t_recv = float(tags["c"]) if "c" in tags else now
            t_recv = t_recv / 1000.0 if t_recv > 1e11 else t_recv
        except ValueError:
            self.log.add(SRC, "malformed")
            return
        start = "!" if "!" in rest and ("$" not in rest or rest.find("!") < rest.find("$")) else "$"
        body, status = split_sentence(rest, start)
        if status == "none":
            self.log.add(SRC, "not_nmea")
            return
        if status != "ok":
            self.log.add(SRC, status)
            return
        if start == "!":
            self._ais(body, rest[rest.find("!"):].strip(), sender, t_recv)
            return
        fix = parse_fix(body)
        if isinstance(fix, str):
            self.log.add(SRC, fix)
            return
        name = tags.get("s") or sender
        unit = self.cfg.sources.get(name) or self.cfg.sources.get(sender) or (name if name in self._by_unit else None)
        if unit is None:
            self.log.add(SRC, "unknown_source")
            return
        t = (fix.day if fix.day is not None else _nearest_day(fix.tod, t_recv)) + fix.tod
        self._pending.append((unit, {"time": t, "lon": fix.lon, "lat": fix.lat}))

    def _ais(self, body: str, sentence: str, sender: str, t_recv: float) -> None:
        got = self._asm.setdefault(sender, Assembler()).add(body, sentence, t_recv)
        if isinstance(got, str):
            self.log.add(SRC, got)
            return
        if got is None:
            return
        t, parts = got
        pos = decode_position(parts)
        if isinstance(pos, (str, int)):
            self.log.add(SRC, pos if isinstance(pos, str) else "other_type")
            return
        mmsi, lon, lat = pos
        unit = self._by_mmsi.get(mmsi)
        if unit is None:
            self.log.add(SRC, "other_vessel")
            return
        self._pending.append((unit, {"time": t, "lon": lon, "lat": lat}))

    # --- storing (group commit) ----------------------------------------------------------------
    async def _flush(self) -> None:
        try:
            await asyncio.sleep(0.05)  # let a burst of datagrams gather into one request per unit
            try:
                await asyncio.to_thread(self._refresh)
            except Exception as exc:  # noqa: BLE001 - the listener keeps listening
                log.warning("nmea-udp: cannot read the unit map (%s)", type(exc).__name__)
            pending, self._pending = self._pending, []
            # GPS time is wall time: through the exercise clock into exercise time (issue 28), unless already in the scenario's span
            clock = await asyncio.to_thread(self._clock)
            span = getattr(self, "_span", None)
            per_unit: dict[str, list[dict[str, Any]]] = {}
            for unit, r in pending:
                if clock is not None and span is not None:
                    r = {**r, "time": gps_to_exercise(clock, float(r["time"]), span)}
                per_unit.setdefault(unit, []).append(r)
            waits = []
            for unit, raw in per_unit.items():
                p = self._by_unit.get(unit)
                if p is None:
                    self.log.add(SRC, "unmapped_unit", len(raw))
                    continue
                try:
                    rows = prepare_positions(p, self.cfg.exercise_id, raw)
                except Exception:  # noqa: BLE001 - e.g. a position out of range: counted, not stored
                    self.log.add(SRC, "malformed", len(raw))
                    continue
                waits.append(self.writer.post(PositionBatch(p, self.cfg.exercise_id, rows, "nmea-udp", f"{p.name} via nmea-udp"), raw))
            for res in await asyncio.gather(*waits, return_exceptions=True):
                if isinstance(res, Exception):
                    self.log.add(SRC, "refused")
                else:
                    self.stored += sum(not r["duplicate"] for r in res)
                    self.log.add(SRC, "used", len(res))
        finally:
            self._flushing = False
            if self._pending:
                self._flushing = True
                asyncio.get_running_loop().create_task(self._flush())
