"""Shared fixtures: small forcing files written to a temporary folder."""

from __future__ import annotations

import logging

import pytest

from sarex.environment.synthetic import korea_strait_dataset


@pytest.fixture(scope="session")
def synth_nc(tmp_path_factory) -> str:
    """The synthetic Korea Strait field, 2 days from 2026-01-15T00Z, as a CF-NetCDF file."""
    path = tmp_path_factory.mktemp("env") / "synth.nc"
    korea_strait_dataset("2026-01-15T00:00Z", days=2).to_netcdf(path)
    return str(path)


@pytest.fixture(autouse=True)
def _root_logging_as_it_was():
    """Undo what a peer library does to the root logger (OpenDrift's basemodel installs a DEBUG
    console handler through coloredlogs), so later tests that read a command's output see sarex's
    own lines only."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for h in root.handlers[:]:
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)
