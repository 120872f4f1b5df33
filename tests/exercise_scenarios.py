"""Small exercise scenarios for tests, written as TOML files."""

from __future__ import annotations

from pathlib import Path

UNITS = {
    "KR-PV": dict(name="KCG patrol vessel", nation="KR", service="Korea Coast Guard", type="surface-medium",
                  search_speed_kn=10, transit_speed_kn=18, endurance_h=48, start=[129.35, 35.0], turn_radius_m=300),
    # three of the built-in catalogue's Korean units (src/sarex/data/korea_japan_units.toml), two services: the organisations' tests
    "KR-DDG-991": dict(name="ROKS Sejong the Great (DDG-991)", nation="KR", service="ROK Navy", type="surface-large",
                       search_speed_kn=12, transit_speed_kn=20, endurance_h=240, start=[129.10, 35.02], turn_radius_m=600),
    "KR-DDH-978": dict(name="ROKS Wang Geon (DDH-978)", nation="KR", service="ROK Navy", type="surface-large",
                       search_speed_kn=12, transit_speed_kn=20, endurance_h=200, start=[128.70, 35.02], turn_radius_m=550),
    "KR-KCG-3011": dict(name="KCG patrol vessel 3011 (3000-t class)", nation="KR", service="Korea Coast Guard", type="surface-medium",
                        search_speed_kn=10, transit_speed_kn=16, endurance_h=120, start=[129.05, 35.05], turn_radius_m=400),
    "JP-PL": dict(name="JCG patrol vessel", nation="JP", service="Japan Coast Guard", type="surface-medium",
                  search_speed_kn=10, transit_speed_kn=18, endurance_h=48, start=[129.9, 34.6], turn_radius_m=300),
}


def _val(v):
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    return repr(v)


def write_scenario(path: Path, *, units=("KR-PV", "JP-PL"), truth_same_as_reported: bool = False, periods: int = 2,
                   duration_h: float = 3.0, object_class: str = "PIW-1", radius_m: float = 5556.0,
                   truth: dict | None = None, on_detection: bool = True) -> Path:
    """A Korea Strait scenario; with ``truth_same_as_reported`` the truth is drawn from the planners' own model."""
    rep = dict(lon=129.62, lat=34.88, time="2026-02-10T21:30:00Z")
    default_truth = dict(lon=129.6531, lat=34.8612, time="2026-02-10T20:47:00Z", object_class="PIW-4", variant=7)
    truth = dict(rep, object_class=object_class, variant=None) if truth_same_as_reported else dict(default_truth, **(truth or {}))
    truth_obj = truth["object_class"]
    truth_env = "synthetic = true" + ("" if truth["variant"] is None else f"\nvariant = {truth['variant']}")
    text = [
        'name = "Test SAREX"',
        f'on_scene_coordinator = "{units[0]}"',
        '[[nations]]\ncode = "KR"\nname = "Republic of Korea"\nrescue_centre = "MRCC Busan"',
        '[[nations]]\ncode = "JP"\nname = "Japan"\nrescue_centre = "RCC Moji"',
        f'[reported]\nlon = {rep["lon"]}\nlat = {rep["lat"]}\ntime = "{rep["time"]}"\nradius_m = {radius_m}\nobject_class = "{object_class}"',
        "[forecast]\nsynthetic = true",
    ]
    for uid in units:
        text.append("[[units]]\n" + f'id = "{uid}"\n' + "".join(f"{k} = {_val(v)}\n" for k, v in UNITS[uid].items()))
    for k in range(periods):
        h = 23 + k * duration_h
        day, hour = 10 + int(h // 24), h % 24
        text.append(f'[[periods]]\nstart = "2026-02-{day:02d}T{int(hour):02d}:{int(round((hour % 1) * 60)):02d}:00Z"\nduration_h = {duration_h}')
    text.append(f"[stopping]\non_detection = {str(on_detection).lower()}\nmax_periods = {periods}")
    text.append(f'[truth]\nobject_class = "{truth_obj}"\nlon = {truth["lon"]}\nlat = {truth["lat"]}\ntime = "{truth["time"]}"')
    text.append(f"[truth.environment]\n{truth_env}")
    path.write_text("\n\n".join(text) + "\n")
    return path
