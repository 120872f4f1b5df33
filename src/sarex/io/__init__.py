"""File input and output: atomic writes and the drift file format."""

from typing import TYPE_CHECKING

from sarex._exports import lazy_exports

if TYPE_CHECKING:
    from sarex.io.ais import read_ais
    from sarex.io.atomic import atomic_path, write_atomic
    from sarex.io.driftfile import DriftRecord, open_drift, read_drift, validate_drift, write_drift
    from sarex.io.driftstream import StreamSink, combine_drift_parts
    from sarex.io.gpx import read_gpx_routes, read_gpx_tracks
    from sarex.io.nmea import read_nmea
    from sarex.io.pointscsv import read_points_csv
    from sarex.io.track import Track
    from sarex.io.tracks import read_track_dir
    from sarex.io.trajectories import read_trajectories

_EXPORTS = {
    "DriftRecord": "sarex.io.driftfile",
    "StreamSink": "sarex.io.driftstream",
    "Track": "sarex.io.track",
    "atomic_path": "sarex.io.atomic",
    "combine_drift_parts": "sarex.io.driftstream",
    "open_drift": "sarex.io.driftfile",
    "read_ais": "sarex.io.ais",
    "read_drift": "sarex.io.driftfile",
    "read_gpx_routes": "sarex.io.gpx",
    "read_gpx_tracks": "sarex.io.gpx",
    "read_nmea": "sarex.io.nmea",
    "read_points_csv": "sarex.io.pointscsv",
    "read_track_dir": "sarex.io.tracks",
    "read_trajectories": "sarex.io.trajectories",
    "validate_drift": "sarex.io.driftfile",
    "write_atomic": "sarex.io.atomic",
    "write_drift": "sarex.io.driftfile",
}
__all__ = [
    "DriftRecord",
    "StreamSink",
    "Track",
    "atomic_path",
    "combine_drift_parts",
    "open_drift",
    "read_ais",
    "read_drift",
    "read_gpx_routes",
    "read_gpx_tracks",
    "read_nmea",
    "read_points_csv",
    "read_track_dir",
    "read_trajectories",
    "validate_drift",
    "write_atomic",
    "write_drift",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
