"""Issue 15 item 14: maps a watch officer reads at a glance (colours per service, CSP legend, one density unit)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from planning_fixtures import small_plan

from sarex.report.style import ServicePalette, nice_length_nm


def test_services_of_one_nation_get_different_colours():
    pal = ServicePalette()
    navy, kcg = pal("KR", "ROK Navy"), pal("KOR", "Korea Coast Guard")
    msdf, jcg = pal("JP", "JMSDF"), pal("JPN", "Japan Coast Guard")
    assert len({navy, kcg, msdf, jcg}) == 4
    assert pal("ROK", "ROK Navy") == navy  # stable within a map, whatever the nation code's spelling
    # Services not in the table still differ from the nation's others.
    a, b = pal("USA", "US Navy"), pal("USA", "US Coast Guard")
    assert a != b


def test_scale_bar_lengths_are_round():
    assert [nice_length_nm(w) for w in (4.0, 11.0, 48.0, 230.0)] == [1.0, 2.0, 10.0, 50.0]


def test_plan_map_legend_colours_and_density_unit(tmp_path, monkeypatch):
    from sarex.report import planmap

    plan, cloud, cat = small_plan(tmp_path)
    figs = []
    monkeypatch.setattr(planmap.plt, "close", lambda fig=None: figs.append(fig))
    planmap.plot_plan(plan, cloud, cat, tmp_path / "plan.png", coast=False, label="period 2")
    fig = figs[0]
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "commence search point (CSP)" in labels
    assert {"KOR (ROK Navy)", "JPN (JMSDF)", "JPN (Japan Coast Guard)"} <= set(labels)
    handles = {t.get_text(): h for t, h in zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles)}
    assert handles["JPN (JMSDF)"].get_edgecolor() != handles["JPN (Japan Coast Guard)"].get_edgecolor()
    assert fig.axes[1].get_ylabel() == "probability per NM² (period mean)"
    assert any(t.get_text().endswith(" NM") for t in ax.texts)
    from sarex.times import from_epoch_s

    # the title says which period and which window (UTC); each area carries its unit's name
    a, b = from_epoch_s(plan.start_s), from_epoch_s(plan.end_s)
    assert ax.get_title().startswith(f"search plan, period 2: {a:%d %b %H:%M}–") and f"{b:%H:%M} UTC" in ax.get_title()
    assert all(any(x.unit_id in t.get_text() for t in ax.texts) for x in plan.assignments)
    plt.close(fig)


def test_truth_and_particles_are_drawn_in_colours_apart_from_the_nations():
    from matplotlib.colors import to_rgb

    from sarex.nations import nation_colour
    from sarex.report.style import DETECTION_COLOUR, SERVICE_COLOURS, TRUTH_COLOUR, particle_cmap

    nations = {nation_colour(c) for c in ("KOR", "JPN", "USA", "CHN", "RUS")} | set(SERVICE_COLOURS.values())
    dist = lambda a, b: sum((x - y) ** 2 for x, y in zip(to_rgb(a), to_rgb(b))) ** 0.5  # noqa: E731
    for c in (TRUTH_COLOUR, DETECTION_COLOUR):
        assert min(dist(c, n) for n in nations) > 0.3  # JMSDF red #c8102e was the truth's crimson #dc143c: 0.08 apart
    # equal weights (period 1, before any search) at vmin 0 map to the top of the scale; the lightest shade is still grey
    lightest = particle_cmap()(0.0)
    assert sum(lightest[:3]) / 3 < 0.8
