"""The HTML report: what it says, that it is self-contained, and how a browser shows it.

The browser tests open the page in headless Chromium and drive it over the DevTools
protocol: every console message of level error, every uncaught exception, every log entry
of level error (a refused or failed load lands there) and every request the page makes is
recorded. A report must produce none of them but the request for its own file. The
checker is itself checked on a page that is broken on purpose, so a green test cannot
come from a checker that sees nothing.

The layout tests open every kind of page at 1280 and 1920 px and as printed, and fail on
any element wider than its container or any two cards that overlap; that checker too is
checked on pages made to overflow. The browser machinery is in ``chromium.py``; Chromium
comes from the system's packages (``make browser``), and where it is not installed these
tests skip and say so. ``REELSIM_WRITE_DOCS=1`` also writes the screenshots of a run's and
a staffing search's first screen to ``docs/`` (``make docs``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import outside_requests, started_chromium, visit

from simulator.cli.commands import main
from simulator.files import file_sha256
from simulator.report.page import VIEWS, build_page, render_html, write_report

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "scenarios" / "demo.yaml"

# --- results folders ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert main(["run", str(DEMO), "-n", "20", "--seed", "7", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def late_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ep01 due at the end of its lock day: late in most replications. No plot files."""
    out = tmp_path_factory.mktemp("late")
    deadline = "shows.harbor-lights.episodes.0.deadline=2027-01-04"
    args = ["run", str(DEMO), "-n", "12", "--out", str(out), "--set", deadline, "--no-plots"]
    assert main(args) == 0
    return out


# The planning folders: small, on demo with ep01 due the day after its lock, so that risk
# moves with capacity. Serial executor: a few seconds in all, no worker processes.
TIGHT = ["shows.harbor-lights.episodes.0.deadline=2027-01-05"]
GRID = ["pools.h100.gpus=1:3", "teams.supervisors.shifts.0.people=1:2"]


@pytest.fixture(scope="module")
def planning_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from simulator.planning.comparison import compare
    from simulator.planning.executors import SerialExecutor
    from simulator.planning.sensitivity import sensitivity
    from simulator.planning.staffing import staff
    from simulator.planning.sweeps import sweep
    from simulator.results.work import Work

    root = tmp_path_factory.mktemp("planning")
    serial = Work(replications=20, executor=SerialExecutor())
    sweep(DEMO, GRID, overrides=TIGHT, out=root / "sweep", work=serial)
    staff(
        DEMO,
        GRID,
        overrides=TIGHT,
        target_risk=0.4,
        out=root / "staff",
        work=serial,
    )
    compare(
        DEMO,
        DEMO,
        overrides_a=TIGHT,
        overrides_b=[*TIGHT, "pools.h100.gpus=3"],
        out=root / "compare",
        work=serial,
    )
    factors = [
        "shot_stages.image_to_video.failure_probability=0.01:0.2",
        "shot_stages.image_to_video.defect_probability=0.05:0.2",
    ]
    work = Work(replications=10, executor=SerialExecutor())
    sensitivity(DEMO, factors, samples=3, out=root / "sensitivity", work=work)
    return {kind: root / kind for kind in ("sweep", "staff", "compare", "sensitivity")}


def _summary(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "summary.json").read_text())


def _text(html: str) -> str:
    """The page's words, roughly as a reader sees them (tags out, entities decoded)."""
    import html as html_lib

    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
    body = body.replace("<wbr>", "")  # a place a line may break, not a space
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# --- content -----------------------------------------------------------------------------


def test_run_summaries_say_what_they_are(run_folder: Path) -> None:
    assert _summary(run_folder)["kind"] == "run"
    assert "run" in VIEWS


def test_the_report_states_the_headline_numbers_of_the_summary(run_folder: Path) -> None:
    summary = _summary(run_folder)
    text = _text(render_html(build_page(run_folder)))
    cost = summary["cost"]
    p_any = summary["season"]["p_any_miss"]
    assert f"{100 * p_any['estimate']:.1f}%" in text
    assert f"{100 * p_any['high']:.1f}%" in text
    assert f"${cost['total']['mean']['estimate']:,.0f}" in text
    assert f"${cost['total']['mean']['low']:,.0f}" in text
    assert f"${cost['per_delivered_frame']['mean']['estimate']:,.2f}" in text
    for ep in summary["episodes"]:
        assert ep["id"] in text
    # 0 of 20 late cannot rule out a risk of 16 %: 73 replications with no miss would.
    assert "Verdict: inconclusive" in text
    assert "run at least 73 replications" in text
    assert "the risk may still be as high as 16.1%" in text


def test_the_report_asks_the_question_and_states_the_assumptions(run_folder: Path) -> None:
    text = _text(render_html(build_page(run_folder)))
    assert "Will the 3 episodes of Harbor Lights (demo) be delivered by their deadlines" in text
    assert "2 reserved H100 80GB GPUs" in text
    assert "Fri 15 Jan 2027 24:00" in text  # a deadline date means the end of that day
    assert "Image to video" in text  # the stage's label
    assert "fails 5% of attempts" in text
    assert "1 × mon–fri 09:00–17:00 (weekday day shift)" in text
    assert "25,000 USD" in text  # lateness penalty per day


def test_the_report_carries_its_provenance(run_folder: Path) -> None:
    summary = _summary(run_folder)
    text = _text(render_html(build_page(run_folder)))
    for value in (
        summary["reelsim_version"],
        summary["scenario"]["sha256"],
        summary["engine"],
        str(summary["seed"]),
    ):
        assert value in text
    assert text.count("as written by the run") == len(summary["files"])


def test_plain_words_name_the_episodes_at_risk(late_folder: Path) -> None:
    summary = _summary(late_folder)
    late = summary["episodes"][0]["p_miss"]["estimate"]
    assert late > 0.10
    text = _text(render_html(build_page(late_folder)))
    assert (
        f"1 of 3 episodes has more than a 10% chance of missing delivery: ep01 ({late:.0%})" in text
    )
    assert "Riskiest episode ep01" in text


def test_plots_are_drawn_from_the_tables_when_the_folder_has_none(late_folder: Path) -> None:
    html = render_html(build_page(late_folder))
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', html)) == 4


def test_the_page_refers_to_nothing_outside_itself(run_folder: Path) -> None:
    html = render_html(build_page(run_folder))
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert references
    assert all(r.startswith(("data:", "#")) for r in references), references
    assert "default-src 'none'" in html  # and the browser is told to fetch nothing
    assert "<script" not in html


def test_the_same_folder_gives_the_same_page(run_folder: Path) -> None:
    assert render_html(build_page(run_folder)) == render_html(build_page(run_folder))


def test_a_changed_file_is_flagged_and_left_out(run_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(run_folder, folder)
    with open(folder / "delivery.svg", "ab") as handle:
        handle.write(b"<!-- edited -->")
    text = _text(render_html(build_page(folder)))
    assert "delivery.svg is changed since the run" in text
    assert "CHANGED since the run" in text


def test_a_folder_without_its_scenario_still_reports(run_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "old"
    shutil.copytree(run_folder, folder)
    (folder / "scenario.yaml").unlink()
    text = _text(render_html(build_page(folder)))
    assert "The scenario is not stored in this results folder." in text
    assert "Will the 3 episodes of demo be delivered" in text


def test_a_folder_with_the_old_spelling_of_utilisation_still_reports(
    run_folder: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "old"
    shutil.copytree(run_folder, folder)
    summary = _summary(folder)
    summary["utilization"] = summary.pop("utilisation")  # as earlier versions wrote it
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    text = _text(render_html(build_page(folder)))
    assert summary["utilization"]
    for key, iv in summary["utilization"].items():
        assert summary["labels"][key] in text  # "H100s, reserved", as the scenario calls it
        assert f"{100 * iv['estimate']:.1f}%" in text
    assert main(["report", str(folder), "-o", str(tmp_path / "old.html")]) == 0


def test_a_run_summary_that_lacks_its_numbers_is_refused_by_name(
    run_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "damaged"
    shutil.copytree(run_folder, folder)
    summary = _summary(folder)
    del summary["season"]
    (folder / "summary.json").write_text(json.dumps(summary))
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "summary.json" in err
    assert "season" in err
    assert "Traceback" not in err


def test_a_folder_of_another_kind_gets_an_inventory(run_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "calibration"
    folder.mkdir()
    shutil.copy(run_folder / "cost.png", folder / "risk.png")
    shutil.copy(run_folder / "cost.svg", folder / "unlisted.svg")  # not in the manifest
    listed = {"risk.png": file_sha256(folder / "risk.png")}
    summary = {"kind": "calibration", "scenario": {"name": "demo", "sha256": "ab"}, "files": listed}
    (folder / "summary.json").write_text(json.dumps(summary))
    text = _text(render_html(build_page(folder)))
    assert "demo: calibration results" in text
    assert "risk" in text
    assert "unlisted" not in text  # a file the manifest does not list is never shown
    # A summary that does not say what it is, and is not a run's: shown as it is too.
    del summary["kind"]
    (folder / "summary.json").write_text(json.dumps(summary))
    assert "demo: unknown results" in _text(render_html(build_page(folder)))


@pytest.mark.parametrize("kind", ["sweep", "staff", "compare", "sensitivity"])
def test_each_planning_folder_says_its_kind_and_gets_its_own_page(
    planning_folders: dict[str, Path], kind: str
) -> None:
    folder = planning_folders[kind]
    assert _summary(folder)["kind"] == kind
    assert kind in VIEWS
    page = build_page(folder)
    assert "no dedicated view" not in page.subtitle
    assert page.question
    assert page.headlines
    assert page.reading
    assert page.provenance
    assert page.warnings == []
    html = render_html(page)
    assert "data:image/svg+xml;base64," in html  # the plot, embedded
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_the_sweep_page_names_the_grid_and_its_numbers(planning_folders: dict[str, Path]) -> None:
    import pandas as pd

    folder = planning_folders["sweep"]
    text = _text(render_html(build_page(folder)))
    assert "pools.h100.gpus over 1, 2, 3" in text
    points = pd.read_parquet(folder / "points.parquet")
    for row in points.itertuples():
        assert f"${row.cost_mean:,.0f}" in text
        assert f"{100 * row.p_any_miss:.1f}%" in text
    assert "Moving pools.h100.gpus from 1 to 3" in text


def test_the_staff_page_states_the_answer_and_its_cheaper_neighbour(
    planning_folders: dict[str, Path],
) -> None:
    summary = _summary(planning_folders["staff"])
    chosen = summary["chosen"]
    text = _text(render_html(build_page(planning_folders["staff"])))
    assert "under 40% at the upper bound" in text
    assert f"${chosen['cost_mean']['estimate']:,.0f}" in text
    assert f"{100 * chosen['p_any_miss']['high']:.1f}%" in text
    assert "Verdict: found" in text
    for neighbour in summary["cheaper_neighbours"]:
        assert f"{100 * neighbour['p_any_miss']['high']:.1f}% at the upper bound" in text


def test_the_compare_page_says_which_is_cheaper_with_its_interval(
    planning_folders: dict[str, Path],
) -> None:
    summary = _summary(planning_folders["compare"])
    cost = next(d for d in summary["differences"] if d["quantity"] == "cost_total")
    text = _text(render_html(build_page(planning_folders["compare"])))
    word = "cheaper" if cost["high"] < 0 else "more expensive" if cost["low"] > 0 else None
    assert word is not None, "two and three GPUs cost apart in every replication"
    assert f"is {word} than pools.h100.gpus=3 " in text  # B is called by the change it has
    assert f"${abs(cost['difference']):,.0f}" in text
    assert "Paired differences" in text


def test_reelsim_report_writes_the_page(run_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "meeting.html"
    assert main(["report", str(run_folder), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["report", str(tmp_path / "nowhere")]) == 2


def test_the_report_defaults_to_the_results_folder(run_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(run_folder, folder)
    assert write_report(folder) == folder / "report.html"


# --- in a browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[str]:
    """One headless Chromium for the module's browser tests: its DevTools address."""
    with started_chromium() as address:
        yield address


DOCS_WIDTH = 1400
"""The screenshots in docs/ show the first screen of a page at this width."""


def test_the_checker_sees_console_errors_and_outside_requests(browser: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><html><body><p>broken on purpose</p>"
        # A loopback port where nothing listens: the request is made, and fails, locally.
        '<img src="http://127.0.0.1:59999/pixel.png">'
        '<script>console.error("deliberate console error"); undefinedFunction();</script>'
        "</body></html>"
    )
    seen = visit(browser, broken)
    assert "broken on purpose" in seen.text
    assert any("deliberate console error" in e for e in seen.errors), seen.errors
    assert any("undefinedFunction" in e for e in seen.errors), seen.errors
    assert outside_requests(seen, broken) == ["http://127.0.0.1:59999/pixel.png"]


def test_the_checker_sees_a_report_that_tries_to_load_something(
    browser: str, run_folder: Path, tmp_path: Path
) -> None:
    page = tmp_path / "leaky.html"
    html = render_html(build_page(run_folder))
    page.write_text(html.replace("</main>", '<img src="http://127.0.0.1:59999/track.png"></main>'))
    seen = visit(browser, page)
    # The page's own policy refuses the load, and says so on the console.
    assert seen.errors or outside_requests(seen, page), "an outside image went unnoticed"


def test_the_report_renders_cleanly_in_chromium(
    browser: str, run_folder: Path, tmp_path: Path
) -> None:
    page = write_report(run_folder, tmp_path / "report.html")
    seen = visit(browser, page, width=DOCS_WIDTH)
    assert seen.errors == []
    assert outside_requests(seen, page) == []
    summary = _summary(run_folder)
    assert f"${summary['cost']['total']['mean']['estimate']:,.0f}" in seen.text
    assert f"{100 * summary['season']['p_any_miss']['estimate']:.1f}%" in seen.text
    assert "Verdict: inconclusive" in seen.text
    assert seen.screenshot.startswith(b"\x89PNG\r\n\x1a\n")
    if os.environ.get("REELSIM_WRITE_DOCS"):
        (ROOT / "docs" / "report.png").write_bytes(seen.screenshot)


@pytest.mark.parametrize("kind", ["sweep", "staff", "compare"])
def test_planning_reports_render_cleanly_in_chromium(
    browser: str, planning_folders: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    page = write_report(planning_folders[kind], tmp_path / f"{kind}.html")
    seen = visit(browser, page, width=DOCS_WIDTH)
    assert seen.errors == []
    assert outside_requests(seen, page) == []
    summary = _summary(planning_folders[kind])
    if kind == "staff":
        assert f"${summary['chosen']['cost_mean']['estimate']:,.0f}" in seen.text
    elif kind == "compare":
        cost = next(d for d in summary["differences"] if d["quantity"] == "cost_total")
        assert f"${abs(cost['difference']):,.0f}" in seen.text
    else:
        first = summary["points"][0]["summary"]
        assert f"${first['cost']['total']['mean']['estimate']:,.0f}" in seen.text
    assert "The question." in seen.text
    if os.environ.get("REELSIM_WRITE_DOCS") and kind == "staff":
        (ROOT / "docs" / "report-staff.png").write_bytes(seen.screenshot)


# --- fitting the screen ------------------------------------------------------------------

# The widths a meeting room's screens have, and A4 paper (about 720 CSS px inside margins).
SCREENS = [pytest.param(1280, "screen", id="1280px"), pytest.param(1920, "screen", id="1920px")]
PRINT = pytest.param(720, "print", id="print")


@pytest.fixture(scope="module")
def folders(run_folder: Path, planning_folders: dict[str, Path]) -> dict[str, Path]:
    return {"run": run_folder, **planning_folders}


@pytest.mark.parametrize(("width", "media"), [*SCREENS, PRINT])
@pytest.mark.parametrize("kind", ["run", "sweep", "staff", "compare", "sensitivity"])
def test_every_report_fits_the_screen(
    browser: str, folders: dict[str, Path], tmp_path: Path, kind: str, width: int, media: str
) -> None:
    page = write_report(folders[kind], tmp_path / f"{kind}.html")
    seen = visit(browser, page, width=width, media=media)
    assert seen.errors == []
    assert "The question." in seen.text
    assert seen.layout == [], "\n".join(seen.layout)


def test_the_fit_check_sees_a_name_that_runs_out_of_its_card(
    browser: str, run_folder: Path, tmp_path: Path
) -> None:
    html = render_html(build_page(run_folder))
    # A card that keeps a long name on one line, as the cards did before they wrapped.
    long = "teams.supervisors.shifts.0.people_in_the_los_angeles_office_on_the_day_shift"
    broken = re.sub(
        r'<div class="value">[^<]*</div>', f'<div class="value">{long}</div>', html, count=1
    ).replace("</style>", ".card { overflow-wrap: normal; }</style>")
    page = tmp_path / "card.html"
    page.write_text(broken)
    layout = visit(browser, page, width=1280).layout
    assert any(p.startswith("a card's words run out of it") for p in layout), layout
    assert any(p.startswith("div.value holds") and long[:20] in p for p in layout), layout


def test_the_fit_check_sees_a_table_wider_than_its_column(
    browser: str, run_folder: Path, tmp_path: Path
) -> None:
    html = render_html(build_page(run_folder))
    # A row that cannot wrap, as the sweep's table could not: it widens the table.
    row = "".join(f"<td>{'wide' * 8}_{k}</td>" for k in range(12))
    broken = html.replace(
        "</main>", f'<table style="white-space: nowrap"><tr>{row}</tr></table></main>'
    )
    page = tmp_path / "table.html"
    page.write_text(broken)
    layout = visit(browser, page, width=1920).layout
    assert any(p.startswith("table") and "sticks out of main" in p for p in layout), layout
    assert any(p.startswith("the page scrolls sideways") for p in layout), layout
    # Cards on top of one another are seen too.
    stacked = html.replace("</style>", ".card { margin-right: -120px; }</style>")
    page.write_text(stacked)
    assert any("cards overlap" in p for p in visit(browser, page, width=1280).layout)


def test_the_answer_comes_before_the_assumptions(run_folder: Path) -> None:
    text = _text(render_html(build_page(run_folder)))
    verdict, reading = text.index("Verdict: inconclusive"), text.index("In plain words")
    delivery, assumptions = text.index("Delivery When each episode"), text.index("Assumptions What")
    assert verdict < reading < delivery < assumptions < text.index("Provenance Where")


@pytest.mark.parametrize("kind", ["run", "sweep", "staff", "compare", "sensitivity"])
def test_every_caption_is_a_guide_for_the_reader(folders: dict[str, Path], kind: str) -> None:
    from simulator.report.page import Plot
    from simulator.report.words import PLOT_GUIDES

    page = build_page(folders[kind])
    plots = [b for s in page.sections for b in s.blocks if isinstance(b, Plot)]
    assert plots
    for plot in plots:
        assert plot.caption in PLOT_GUIDES.values()
    assert "``" not in render_html(page)  # no docstring markup anywhere on the page


def test_sensitivity_speaks_in_the_scenarios_names(planning_folders: dict[str, Path]) -> None:
    summary = _summary(planning_folders["sensitivity"])
    assert summary["labels"]["stage:image_to_video"] == "Image to video"
    text = _text(render_html(build_page(planning_folders["sensitivity"])))
    assert "Image to video: failure probability" in text
    assert "Image to video: defect probability" in text
    assert "shot_stages.image_to_video.failure_probability" in text  # the path, in its table
    ranked = [r for r in summary["indices"] if r["output"] == "cost_mean"]
    top = min(ranked, key=lambda r: r["rank"])
    name = {
        "shot_stages.image_to_video.failure_probability": "Image to video: failure probability",
        "shot_stages.image_to_video.defect_probability": "Image to video: defect probability",
    }[top["factor"]]
    assert f"{name} moves season cost the most: ${top['mu_star']:,.0f} over its range" in text


def test_the_sensitivity_page_says_its_notes(tmp_path: Path) -> None:
    """An output that does not vary over the ranges, and a factor taken in whole numbers:
    the page says both, in the scenario's names."""
    from simulator.planning.executors import SerialExecutor
    from simulator.planning.sensitivity import sensitivity
    from simulator.results.work import Work

    result = sensitivity(
        DEMO,
        ["pools.h100.gpus=2:4", "shot_stages.image_to_video.defect_probability=0.02:0.2"],
        samples=2,
        out=tmp_path / "sensitivity",
        work=Work(replications=3, executor=SerialExecutor()),
        outputs=["p_any_miss", "cost_mean"],
        plots=False,
    )
    assert len(result.notes) == 2, result.notes  # whole numbers; P(any miss) never moves
    text = _text(render_html(build_page(tmp_path / "sensitivity")))
    assert "P(any miss) does not vary over these ranges: no input moves it" in text
    gpus = f"{result.summary['labels']['pool:h100']}: gpus"
    assert f"{gpus} is taken in whole numbers (2 to 4): the key takes nothing else" in text


def test_the_staff_page_names_its_settings_by_their_labels(
    planning_folders: dict[str, Path],
) -> None:
    summary = _summary(planning_folders["staff"])
    assert summary["labels"]["team:supervisors"] == "VFX supervisor"
    text = _text(render_html(build_page(planning_folders["staff"])))
    assert "VFX supervisor: shift 1, people" in text  # the table's heading, not the path
