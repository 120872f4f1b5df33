"""Unit catalogue: the built-in example and one-line validation errors naming file, unit and field."""

from __future__ import annotations

import pytest

from sarex.errors import SarexInputError
from sarex.planning.units import example_catalogue, load_units

GOOD = """
[coordination]
osc = "A"

[[unit]]
id = "A"
nation = "KR"
service = "ROK Navy"
type = "surface-large"
search_speed_kn = 12
transit_speed_kn = 20
endurance_h = 100
start = [129.1, 35.0]

[[unit]]
id = "B"
nation = "JP"
service = "JMSDF"
type = "helicopter"
search_speed_kn = 90
transit_speed_kn = 120
endurance_h = 3
altitude_m = 150
start = [129.4, 33.6]
sweep_width_nm = 3.5
"""


def test_example_catalogue_is_a_korea_japan_exercise():
    cat = example_catalogue()
    units = cat.units
    assert {u.nation for u in units} == {"KOR", "JPN"}  # KR, JP normalised to alpha-3
    assert {"ROK Navy", "JMSDF", "Korea Coast Guard", "Japan Coast Guard"} <= {u.service for u in units}
    types = [u.type for u in units]
    assert types.count("helicopter") >= 2 and types.count("fixed-wing") == 2 and "surface-large" in types
    assert any("P-3C" in u.name for u in units) and any("P-1" in u.name for u in units)
    assert cat.osc_unit() is not None and cat.osc_unit().nation == "KOR"
    for u in units:
        # Korea Strait area: between Pohang/Busan and Kyushu.
        assert 128.0 < u.start[0] < 131.5 and 31.0 < u.start[1] < 36.5
        assert u.transit_speed_kn >= u.search_speed_kn > 0
        assert (u.altitude_m is not None) == u.is_aircraft


def test_good_file_loads_with_units_converted(tmp_path):
    p = tmp_path / "u.toml"
    p.write_text(GOOD)
    cat = load_units(p)
    a, b = cat.units
    assert a.search_speed_ms == pytest.approx(12 * 1852 / 3600)
    assert b.endurance_s == 3 * 3600 and b.sweep_width_nm == 3.5 and b.is_aircraft
    assert a.ready_time_s(123.0) == 123.0


@pytest.mark.parametrize(
    "edit, words",
    [
        (('type = "surface-large"', 'type = "submarine"'), ["unit 'A'", "unit[0].type", "submarine"]),
        (('id = "B"', 'id = "A"'), ["unit 'A'", "unit[1].id", "duplicate"]),
        (("search_speed_kn = 12", "search_speed_kn = -12"), ["unit 'A'", "unit[0].search_speed_kn", "-12", "> 0"]),
        (("transit_speed_kn = 120", "transit_speed_kn = -1"), ["unit 'B'", "unit[1].transit_speed_kn", "> 0"]),
        (("altitude_m = 150\n", ""), ["unit 'B'", "altitude"]),
        (('osc = "A"', 'osc = "Z"'), ["coordination.osc", "'Z'"]),
        (("start = [129.1, 35.0]", "start = [129.1, 95.0]"), ["unit 'A'", "unit[0].start"]),
        (("endurance_h = 100", "endurance_h = 100\ncolour = 1"), ["unit 'A'", "unit[0].colour", "unknown field"]),
        (("search_speed_kn = 12\n", ""), ["unit 'A'", "unit[0].search_speed_kn", "required"]),
        (("[[unit]]", "[[unit]"), ["not valid TOML"]),
    ],
)
def test_bad_catalogue_one_line_error(tmp_path, edit, words):
    p = tmp_path / "bad.toml"
    assert edit[0] in GOOD
    p.write_text(GOOD.replace(edit[0], edit[1], 1))
    with pytest.raises(SarexInputError) as ei:
        load_units(p)
    msg = str(ei.value)
    assert "\n" not in msg and msg.startswith(str(p))
    for w in words:
        assert w in msg, msg


def test_sweep_width_override_and_tables(tmp_path):
    from sarex.geo import LocalProjection
    from sarex.planning.sru import make_sru, unit_sweep_width_nm

    p = tmp_path / "u.toml"
    p.write_text(GOOD)
    a, b = load_units(p).units
    # A fixed sweep width wins over the tables.
    assert unit_sweep_width_nm(b, "PIW-1") == 3.5
    s = make_sru(b, LocalProjection(129.4, 33.6), 1000.0, 3.5)
    assert s.sweep_width_m == pytest.approx(3.5 * 1852) and s.start_xy == pytest.approx((0.0, 0.0), abs=1e-6)
    assert s.ready_s == 1000.0 and s.transit_speed_ms == pytest.approx(120 * 1852 / 3600)
    sw = pytest.importorskip("sarex.search.sweepwidth")
    obj = sw.search_object_for_leeway("LIFE-RAFT-NB-2")
    got = unit_sweep_width_nm(a, "LIFE-RAFT-NB-2", visibility_nm=5.0, weather_factor=0.9, fatigue=True)
    assert got == sw.sweep_width_nm(obj, "surface-large", altitude_m=None, visibility_nm=5.0, weather_factor=0.9, fatigue=True, speed_kn=12)
    with pytest.raises(SarexInputError, match="unit 'A'"):
        unit_sweep_width_nm(a, "LIFE-RAFT-NB-2", search_object="no-such-object")
