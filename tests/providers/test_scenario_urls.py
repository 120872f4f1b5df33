"""Scenario files may name their forcing by URL; the server keeps refusing any file or URL in an uploaded scenario (issue 33)."""

from __future__ import annotations

import pytest

from sarex.errors import SarexInputError
from sarex.exercise.scenario import builtin_scenario_path, check_environments, load_scenario

from tests.providers.servers import opendap_server


def _scenario(tmp_path, truth_file: str):
    text = builtin_scenario_path("korea-japan").read_text()
    old = "synthetic = true\nvariant = 7"
    assert old in text
    p = tmp_path / "s.toml"
    p.write_text(text.replace(old, f'file = "{truth_file}"', 1))
    return p


def test_scenario_truth_environment_by_opendap_url(tmp_path):
    pytest.importorskip("xpublish_opendap")
    from sarex.environment.synthetic import korea_strait_dataset

    korea_strait_dataset("2026-02-10T12:00Z", days=2, resolution_deg=0.1).to_netcdf(tmp_path / "truth_env.nc")
    with opendap_server(truth=tmp_path / "truth_env.nc") as (base, _):
        url = f"{base}/datasets/truth/opendap"
        sc = load_scenario(_scenario(tmp_path, url))
        assert sc.truth.environment.file == url  # the URL kept as text, not a folded path
        check_environments(sc, coast=False)  # opened over DAP2, times and position checked
    sc = load_scenario(_scenario(tmp_path, (tmp_path / "truth_env.nc").as_uri()))
    check_environments(sc, coast=False)


@pytest.mark.parametrize("value", ["http://example.org/thredds/dodsC/x", "file:///etc/passwd", "truth.nc"])
def test_server_refuses_files_and_urls_in_an_uploaded_scenario(value):
    from sarex.server.services import parse_scenario_text

    text = builtin_scenario_path("korea-japan").read_text().replace("synthetic = true\nvariant = 7", f'file = "{value}"', 1)
    with pytest.raises(SarexInputError, match=r"truth\.environment\.file: the server accepts synthetic environments only"):
        parse_scenario_text(text)
