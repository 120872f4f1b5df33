"""One Nation registry and one Unit model (issue 10, defect 2).

The built-in Korea–Japan scenario names its nations ROK and JPN, the shipped
unit catalogue KR and JP, and the scenario's ``units_file`` used to need
``[[units]]`` while the catalogue has ``[[unit]]``. Here the scenario runs with
the shipped catalogue as its units: both name the same two nations (ISO 3166
alpha-3 KOR and JPN after normalisation), and the plan's GeoJSON and KML draw
the two nations in two different colours, the registry's.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from sarex.errors import SarexInputError
from sarex.nations import DEFAULT_COLOUR, Nation, nation_code, nation_colour


def test_codes_normalise_to_alpha3():
    assert [nation_code(c) for c in ("KR", "kr", "ROK", "KOR", "JP", "JPN", " jpn ", "US")] == ["KOR", "KOR", "KOR", "KOR", "JPN", "JPN", "JPN", "USA"]
    assert nation_code("GBR") == "GBR" and nation_colour("GBR") == DEFAULT_COLOUR  # alpha-3 not in the registry
    with pytest.raises(ValueError, match="alpha-3"):
        nation_code("XX")  # an unknown alpha-2 cannot be normalised
    assert nation_colour("KR") == nation_colour("ROK") == nation_colour("KOR") != nation_colour("JP")
    n = Nation(code="ROK", rescue_centre="MRCC Busan")
    assert (n.code, n.name, n.colour) == ("KOR", "Republic of Korea", nation_colour("KOR"))


def _scenario_with_catalogue(tmp_path):
    from sarex.exercise.scenario import builtin_scenario_path, load_scenario
    from sarex.planning.units import example_catalogue_path

    text = builtin_scenario_path().read_text(encoding="utf-8")
    head, rest = text.split("[[units]]", 1)
    tail = rest[rest.index("[[periods]]"):]
    head = head.replace('on_scene_coordinator = "ROK-DDH-1"', f'on_scene_coordinator = "KR-DDG-991"\nunits_file = "{example_catalogue_path()}"')
    head = re.sub(r"(?m)^# Units:.*\n(#.*\n)*", "", head)
    path = tmp_path / "sc.toml"
    tail = tail.replace("max_periods = 4", "max_periods = 1")
    path.write_text(head + tail, encoding="utf-8")
    return load_scenario(path)


@pytest.mark.slow
def test_builtin_scenario_runs_with_the_shipped_catalogue(tmp_path):
    from sarex.exercise.engine import run_exercise
    from sarex.exercise.run import scenario_catalogue
    from sarex.planning.units import example_catalogue
    from sarex.report.exercise_files import write_exercise_files

    sc = _scenario_with_catalogue(tmp_path)
    cat = scenario_catalogue(sc)
    shipped = example_catalogue()
    assert [u.id for u in cat.units] == [u.id for u in shipped.units]
    assert cat.units == shipped.units  # the same Unit objects: nothing dropped or converted
    assert {n.code for n in sc.nations} == {u.nation for u in cat.units} == {"KOR", "JPN"}

    res = run_exercise(sc, seed=3, particles=600)
    files = write_exercise_files(res, tmp_path / "out", coast=False)
    period = tmp_path / "out" / "participants" / "period-1"
    assert period / "areas.geojson" in files["participants"]
    feats = json.loads((period / "areas.geojson").read_text())["features"]
    colours = {}
    for f in feats:
        if "nation" in f["properties"]:
            colours.setdefault(f["properties"]["nation"], set()).add(f["properties"]["colour"])
    assert set(colours) == {"KOR", "JPN"}, colours
    assert colours["KOR"] == {nation_colour("KOR")} and colours["JPN"] == {nation_colour("JPN")}
    assert nation_colour("KOR") != nation_colour("JPN")
    # KML: one folder per nation, the polygons' line colour is the nation's (aabbggrr)
    root = ET.parse(period / "plan.kml").getroot()
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    by_folder = {}
    for folder in root.iter("{http://www.opengis.net/kml/2.2}Folder"):
        name = folder.find("k:name", ns).text
        by_folder[name] = {c.text.lower() for c in folder.iter("{http://www.opengis.net/kml/2.2}color")}
    # the aircraft's altitude blocks in a folder of their own, when the period tasks aircraft (issue 30)
    by_folder.pop("Airspace", None)
    assert set(by_folder) == {"KOR", "JPN"}
    kml = {k: "ff" + nation_colour(k)[5:7] + nation_colour(k)[3:5] + nation_colour(k)[1:3] for k in by_folder}
    assert kml["KOR"] in by_folder["KOR"] and kml["JPN"] in by_folder["JPN"] and kml["KOR"] not in by_folder["JPN"]


def test_units_file_errors_name_file_field_and_unit(tmp_path):
    from sarex.exercise.scenario import load_scenario

    sc_path = tmp_path / "sc.toml"
    _scenario_with_catalogue(tmp_path)  # writes sc.toml
    units = tmp_path / "units.toml"
    units.write_text('[[unit]]\nid = "KR-X"\nnation = "XX"\ntype = "surface-large"\n', encoding="utf-8")
    sc_path.write_text(re.sub(r'units_file = ".*"', f'units_file = "{units}"', sc_path.read_text()), encoding="utf-8")
    with pytest.raises(SarexInputError, match=r"units\.toml: unit\[0\]\.nation: 'XX' .*alpha-3.* \(unit 'KR-X'\)"):
        load_scenario(sc_path)
