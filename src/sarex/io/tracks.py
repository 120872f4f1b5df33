"""Timed unit tracks from the logs units actually sailed or flew: GPX, NMEA 0183 and AIS.

Each source becomes per-unit timed tracks (:class:`Track`: seconds since epoch,
lon, lat, sorted by time); :func:`read_track_dir` reads a folder of them. Real
logs are messy, so nothing here crashes on a bad line: corrupt NMEA sentences
(bad checksum, truncated, unparsable), position-less fixes, AIS messages of
types other than position reports and AIS lines without a receive time are
skipped and counted in an :class:`IngestLog`, whose :meth:`IngestLog.messages`
are one line each for the user. The readers: :mod:`sarex.io.gpx`,
:mod:`sarex.io.nmea`, :mod:`sarex.io.ais` (REFERENCES §7).
"""

from __future__ import annotations

import re
from datetime import date as Date
from pathlib import Path

from sarex.errors import SarexInputError
from sarex.io.ais import read_ais
from sarex.io.gpx import read_gpx_tracks
from sarex.io.nmea import read_nmea
from sarex.io.track import IngestLog, Track, merge_tracks

NMEA_EXTENSIONS = {".nmea", ".nmea0183", ".gps"}


AIS_EXTENSIONS = {".ais", ".aivdm"}


SNIFF_EXTENSIONS = {".log", ".txt"}


def classify(path: Path) -> str | None:
    """``"gpx"``, ``"nmea"``, ``"ais"`` or None (not a track file), by extension, else by content."""
    ext = path.suffix.lower()
    if ext == ".gpx":
        return "gpx"
    if ext in NMEA_EXTENSIONS:
        return "nmea"
    if ext in AIS_EXTENSIONS:
        return "ais"
    if ext in SNIFF_EXTENSIONS:
        try:
            head = path.read_text(encoding="ascii", errors="replace")[:4096]
        except OSError:
            return None
        if re.search(r"!(AI|AB|BS)VD[MO],", head):
            return "ais"
        if re.search(r"\$[A-Z]{2}(GGA|RMC),", head):
            return "nmea"
    return None


def read_track_dir(
    folder: str | Path,
    unit_names: dict[str, str] | None = None,
    mmsi_units: dict[int, str] | None = None,
    nmea_date: Date | str | None = None,
) -> tuple[dict[str, Track], IngestLog]:
    """Read every GPX, NMEA and AIS file in ``folder`` into one track per unit.

    Parameters
    ----------
    unit_names
        Track/file name → unit id (GPX track names and NMEA file stems). With a
        mapping, tracks whose name is not in it are skipped with a note.
    mmsi_units
        MMSI → unit id for AIS logs.
    nmea_date
        Date for NMEA logs that have GGA but no RMC.
    """
    d = Path(folder)
    if not d.is_dir():
        raise SarexInputError(f"--tracks: {str(d)!r} is not a folder")
    log = IngestLog()
    per_unit: dict[str, list[Track]] = {}

    def keep(tr: Track, name: str, src: str) -> None:
        unit = name if unit_names is None else unit_names.get(name)
        if unit is None:
            log.notes.append(f"{src}: track {name!r} is not an exercise unit (ids or track_name); ignored")
            return
        per_unit.setdefault(unit, []).append(tr.renamed(unit))

    files = sorted(q for q in d.iterdir() if q.is_file())
    for q in files:
        kind = classify(q)
        if kind == "gpx":
            for tr in read_gpx_tracks(q, log):
                keep(tr, tr.name, q.name)
        elif kind == "nmea":
            tr = read_nmea(q, None, nmea_date, log)
            keep(tr, q.stem, q.name)
        elif kind == "ais":
            for unit, tr in read_ais(q, mmsi_units, log).items():
                per_unit.setdefault(unit, []).append(tr)
    if not per_unit:
        raise SarexInputError(f"--tracks: {str(d)!r} holds no GPX (.gpx), NMEA (.nmea) or AIS (.ais) track of an exercise unit")
    return {u: merge_tracks(v) for u, v in sorted(per_unit.items())}, log
