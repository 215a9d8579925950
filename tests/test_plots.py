"""The run plots: drawn from small results, labelled, written as PNG and SVG, no warnings."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from simulator import load_scenario
from simulator.plots import (
    FORMATS,
    RUN_PLOTS,
    RunView,
    delivery_plot,
    figure_bytes,
    run_plots,
    save_figure,
)
from simulator.results.runs import Run, simulate
from simulator.results.work import Work

DEMO = Path(__file__).parents[1] / "scenarios" / "demo.yaml"


@pytest.fixture(scope="module")
def run() -> Run:
    return simulate(load_scenario(DEMO), Work(replications=4, seed=3))


@pytest.fixture(scope="module")
def cut_off() -> Run:
    # A horizon of two days: every episode after the first is cut off, undelivered.
    return simulate(load_scenario(DEMO, ["run.horizon=2d"]), Work(replications=3, seed=3))


def _drawn(draw, data) -> Figure:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = draw(data)
        figure_bytes(figure, "png")  # layout happens when drawing: its warnings count too
    assert [str(w.message) for w in caught] == []
    return figure


@pytest.fixture(scope="module")
def figures(run: Run) -> dict[str, Figure]:
    """Each run plot, drawn once (without a warning) for the tests that look at it."""
    view = RunView.of_run(run)
    return {stem: _drawn(draw, view) for stem, draw in RUN_PLOTS.items()}


def _data_axes(figure: Figure) -> list[Axes]:
    return [ax for ax in figure.axes if ax.has_data()]


@pytest.mark.parametrize("stem", list(RUN_PLOTS))
def test_every_plot_is_titled_and_its_axes_labelled_with_units(
    figures: dict[str, Figure], stem: str
) -> None:
    figure = figures[stem]
    title = figure.get_suptitle() or " ".join(ax.get_title(loc="left") for ax in figure.axes)
    assert "demo" in title
    axes = _data_axes(figure)
    assert axes
    for ax in axes:
        assert ax.get_ylabel(), f"{stem}: an axis without a y label"
    # Shared time axes carry their label once, on the bottom panel.
    assert any(ax.get_xlabel() for ax in axes)
    labels = " ".join(ax.get_xlabel() + " " + ax.get_ylabel() for ax in axes)
    assert any(unit in labels for unit in ("USD", "date", "days", "GPUs", "tasks")), labels


def test_a_plot_function_takes_the_run_itself(run: Run) -> None:
    figure = _drawn(delivery_plot, run)
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["ep03", "ep02", "ep01"]


def test_delivery_marks_each_deadline_and_counts_late_replications(
    figures: dict[str, Figure],
) -> None:
    figure = figures["delivery"]
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts == ["0 of 4 late"] * 3


def test_episodes_cut_off_by_the_horizon_are_shown_not_dropped(cut_off: Run) -> None:
    texts = [t.get_text() for t in _drawn(delivery_plot, cut_off).axes[0].texts]
    assert "3 not delivered ▸" in texts
    assert "3 of 3 late" in texts


def test_load_has_a_panel_per_pool_and_team_with_shifts_marked(figures: dict[str, Figure]) -> None:
    figure = figures["load"]
    panels = [ax for ax in figure.axes if ax.get_ylabel().endswith("busy")]
    assert [ax.get_ylabel().split("\n")[0] for ax in panels] == [
        "H100s, reserved",  # the scenario's labels
        "VFX supervisor",
        "Conform editor",
    ]
    # Weekends and the holiday are shaded on the teams' panels only: nobody is on shift.
    shaded = [[p for p in ax.patches if isinstance(p, Rectangle)] for ax in panels]
    assert not shaded[0]
    assert len(shaded[1]) >= 4


def test_plots_draw_from_the_tables_alone(run: Run) -> None:
    # A results folder read back without its scenario: no locks, no shifts, still plots.
    view = RunView.build("demo", run.replications_frame(), run.timeseries_frame())
    for draw in RUN_PLOTS.values():
        _drawn(draw, view)


def test_run_plots_write_png_and_svg_the_same_bytes_every_time(run: Run, tmp_path: Path) -> None:
    writers = run_plots(run)
    for name, write in writers.items():
        write(tmp_path / name)
    names = {f"{stem}.{fmt}" for stem in RUN_PLOTS for fmt in FORMATS}
    assert {p.name for p in tmp_path.iterdir()} == names
    # Drawn again from scratch, a plot gives the same bytes (one is enough to show it).
    again = run_plots(run)
    for name in ("delivery.png", "delivery.svg"):
        again[name](tmp_path / f"again-{name}")
        assert (tmp_path / f"again-{name}").read_bytes() == (tmp_path / name).read_bytes()
    for name in names:
        data = (tmp_path / name).read_bytes()
        if name.endswith(".png"):
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
        else:
            root = ET.fromstring(data)
            assert root.tag.endswith("svg")
            assert b"<dc:date>" not in data  # no time stamp: checksums stay meaningful


def test_save_figure_writes_each_format(figures: dict[str, Figure], tmp_path: Path) -> None:
    paths = save_figure(figures["load"], tmp_path / "load")
    assert [p.name for p in paths] == ["load.png", "load.svg"]
    assert all(p.stat().st_size > 1000 for p in paths)


# --- the planning plots --------------------------------------------------------------------


@pytest.fixture(scope="module")
def planning_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from simulator.planning.comparison import compare
    from simulator.planning.executors import SerialExecutor
    from simulator.planning.staffing import staff
    from simulator.planning.sweeps import sweep

    root = tmp_path_factory.mktemp("planning")
    tight = ["shows.harbor-lights.episodes.0.deadline=2027-01-05"]
    grid = ["pools.h100.gpus=1:2", "teams.supervisors.shifts.0.people=1:2"]
    serial = Work(replications=8, executor=SerialExecutor())
    swept = sweep(DEMO, grid, overrides=tight, out=root / "s", work=serial, plots=False)
    staffed = staff(
        DEMO,
        grid[:1],
        overrides=tight,
        target_risk=0.6,
        out=root / "f",
        work=serial,
        plots=False,
    )
    compared = compare(
        DEMO,
        DEMO,
        overrides_b=["pools.h100.gpus=3"],
        out=root / "c",
        work=serial,
    )
    ranked = pd.DataFrame(
        {
            "output": ["p_any_miss", "p_any_miss"],
            "factor": ["a.b", "c.d"],
            "mu_star": [0.2, 0.05],
            "mu_star_conf": [0.04, 0.02],
        }
    )
    return {"sweep": swept, "staff": staffed, "compare": compared, "ranked": ranked}


def _demo_labels() -> dict[str, str]:
    from simulator.model import compile_season

    return compile_season(load_scenario(DEMO)).labels()


def _planning_figures(tables: dict[str, Any]) -> dict[str, Callable[[], Figure]]:
    from simulator.plots.planning import (
        difference_plot,
        frontier_plot,
        sensitivity_chart,
        sweep_plot,
    )

    swept, staffed = tables["sweep"], tables["staff"]
    paths = [v["path"] for v in swept.summary["vary"]]
    labels = _demo_labels()
    return {
        "sweep_heatmaps": lambda: sweep_plot(swept.points, paths, "demo", labels),
        "sweep_lines": lambda: sweep_plot(swept.points, paths[:1], "demo", labels),
        "frontier": lambda: frontier_plot(staffed.table, 0.6, "demo", None),
        "differences": lambda: difference_plot(tables["compare"].table, "demo", "demo 3 GPUs"),
        "sensitivity": lambda: sensitivity_chart(tables["ranked"], "mu_star", ["p_any_miss"]),
    }


def _plot_axes(figure: Figure) -> list[Axes]:
    """The axes that draw data, colour bars left out (they carry one label, their scale)."""
    return [ax for ax in _data_axes(figure) if not hasattr(ax, "_colorbar")]


PLANNING = ["sweep_heatmaps", "sweep_lines", "frontier", "differences", "sensitivity"]


@pytest.mark.parametrize("stem", PLANNING)
def test_planning_plots_are_titled_labelled_and_written_as_png_and_svg(
    planning_tables: dict[str, Any], stem: str, tmp_path: Path
) -> None:
    figure = _drawn(lambda _: _planning_figures(planning_tables)[stem](), None)
    title = figure.get_suptitle() or " ".join(ax.get_title() for ax in figure.axes)
    assert title
    axes = _plot_axes(figure)
    assert axes
    for ax in axes:
        assert ax.get_xlabel(), f"{stem}: an axis without an x label"
        assert ax.get_ylabel(), f"{stem}: an axis without a y label"
    paths = save_figure(figure, tmp_path / stem)
    assert [p.name for p in paths] == [f"{stem}.png", f"{stem}.svg"]
    assert paths[0].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert ET.fromstring(paths[1].read_bytes()).tag.endswith("svg")


def test_the_sweep_heatmap_writes_every_cell_out(planning_tables: dict[str, Any]) -> None:
    swept = planning_tables["sweep"]
    paths = [v["path"] for v in swept.summary["vary"]]
    from simulator.plots.planning import sweep_plot

    figure = sweep_plot(swept.points, paths, "demo", _demo_labels())
    risk_ax, cost_ax = _plot_axes(figure)[:2]
    assert len(risk_ax.texts) == len(cost_ax.texts) == len(swept.points)
    for row in swept.points.itertuples():
        assert f"{100 * row.p_any_miss:.0f}%" in " ".join(t.get_text() for t in risk_ax.texts)
        assert f"${row.cost_mean / 1000:,.1f}k" in [t.get_text() for t in cost_ax.texts]


def test_the_sweep_axes_name_settings_as_people_do(planning_tables: dict[str, Any]) -> None:
    """Axes by the scenario's labels, never a dotted path."""
    from simulator.plots.planning import sweep_plot

    swept = planning_tables["sweep"]
    paths = [v["path"] for v in swept.summary["vary"]]
    assert paths == ["pools.h100.gpus", "teams.supervisors.shifts.0.people"]
    labels = _demo_labels()
    people = f"{labels['team:supervisors']}: shift 1, people (people)"
    gpus = f"{labels['pool:h100']}: gpus (GPUs)"
    heat = _plot_axes(sweep_plot(swept.points, paths, "demo", labels))[0]
    assert (heat.get_xlabel(), heat.get_ylabel()) == (gpus, people)
    line = _plot_axes(sweep_plot(swept.points, paths[1:], "demo", labels))[0]
    assert line.get_xlabel() == people
    words = [heat.get_xlabel(), heat.get_ylabel(), line.get_xlabel()]
    assert not any(path in word for path in paths for word in words)


# --- every word inside the figure -----------------------------------------------------------

LONG = "the Los Angeles supervisors on the weekday day shift, with the night crew"


def _words_outside(figure: Figure) -> list[str]:
    """What the figure's edge cuts, after layout: each panel with its title, labels and the
    tick labels it draws; the figure's own title, texts and legends."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    parts = [
        (f"panel {ax.get_title(loc='left') or ax.get_ylabel()!r}", ax.get_tightbbox(renderer))
        for ax in figure.axes
    ]
    parts += [  # the figure's title and texts: those that belong to no panel
        (f"text {t.get_text()!r}", t.get_window_extent(renderer))
        for t in figure.get_children()
        if isinstance(t, Text) and t.get_visible() and t.get_text().strip()
    ]
    parts += [("legend", legend.get_window_extent(renderer)) for legend in figure.legends]
    edge = figure.bbox
    return [
        what
        for what, box in parts
        if box is not None
        and (
            box.x0 < edge.x0 - 1
            or box.x1 > edge.x1 + 1
            or box.y0 < edge.y0 - 1
            or box.y1 > edge.y1 + 1
        )
    ]


@pytest.mark.parametrize("stem", list(RUN_PLOTS))
def test_every_word_of_a_run_plot_is_inside_the_figure(
    figures: dict[str, Figure], stem: str
) -> None:
    assert _words_outside(figures[stem]) == []


@pytest.mark.parametrize("stem", PLANNING)
def test_every_word_of_a_planning_plot_is_inside_the_figure(
    planning_tables: dict[str, Any], stem: str
) -> None:
    assert _words_outside(_planning_figures(planning_tables)[stem]()) == []


def test_long_names_wrap_inside_the_planning_plots(planning_tables: dict[str, Any]) -> None:
    from simulator.plots.planning import difference_plot, sensitivity_chart

    # The sides of a comparison and the inputs of a sensitivity analysis, named at length.
    compared = difference_plot(planning_tables["compare"].table, LONG, f"{LONG} and 3 GPUs")
    assert _words_outside(compared) == []
    assert LONG.split()[-1] in compared.get_suptitle()  # wrapped, not cut
    ranked = planning_tables["ranked"]
    chart = sensitivity_chart(ranked, "mu_star", ["p_any_miss"], lambda key: f"{LONG}: {key}")
    assert _words_outside(chart) == []


def test_sensitivity_bars_stop_at_zero() -> None:
    from simulator.plots.planning import sensitivity_chart

    # An interval wider than the effect itself: its lower arm would reach below zero.
    ranked = pd.DataFrame(
        {
            "output": ["cost_mean"] * 2,
            "factor": ["a.b", "c.d"],
            "mu_star": [100.0, 5.0],
            "mu_star_conf": [30.0, 12.0],
        }
    )
    figure = sensitivity_chart(ranked, "mu_star", ["cost_mean"])
    (ax,) = figure.axes
    assert ax.get_xlim()[0] == 0.0
    (bars,) = [c for c in ax.containers if hasattr(c, "errorbar") and c.errorbar is not None]
    segments = bars.errorbar.lines[2][0].get_segments()
    lows = sorted(min(seg[:, 0]) for seg in segments)
    assert lows == [0.0, 70.0]  # 5 − 12 stops at 0; 100 − 30 is 70
