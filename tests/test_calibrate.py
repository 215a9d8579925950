"""Calibration: fitting a scenario to a tracker's task history.

The worked example in ``scenarios/examples/`` is a season with known numbers
(``known.yaml``), the tracker export the reference engine makes of it (``history.csv``,
written by ``make_history.py``) and the mapping that reads that export. Calibration must
recover every known number inside its interval; a history too small to fit must say so;
a log that contradicts itself must be refused with the row at fault.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from simulator.cli.commands import main
from simulator.distributions import Distribution, Exponential, Gamma, LogNormal
from simulator.errors import ScenarioError
from simulator.model.compiler import compile_season
from simulator.planning.calibration import (
    Calibration,
    DistributionFit,
    HistoryMapping,
    calibrate,
    load_mapping,
)
from simulator.scenario import load_yaml, load_yaml_file
from simulator.scenario.load import load_scenario, parse_scenario
from simulator.scenario.schema import GpuStage, ReviewStage
from simulator.stats import Interval

EXAMPLES = Path(__file__).parents[1] / "scenarios" / "examples"
KNOWN = EXAMPLES / "known.yaml"
HISTORY = EXAMPLES / "history.csv"
MAPPING = EXAMPLES / "history-mapping.yaml"


def _make_history() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_history", EXAMPLES / "make_history.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_history = _make_history()


def _write_history(path: Path, mapping: HistoryMapping, overrides: list[str]) -> Path:
    rows = make_history.history_rows(KNOWN, mapping, overrides=overrides)
    make_history.write_history(rows, mapping, path)
    return path


# --- the known numbers, as calibration writes them ----------------------------------------


def _known_parameters(dist: Distribution, family: str | None) -> dict[str, float]:
    """A scenario's distribution in the parameters a fit of ``family`` reports; empty when
    that family cannot express it (then only the mean is compared)."""
    if isinstance(dist, LogNormal) and family == "lognormal":
        return {"median": math.exp(dist.mu), "sigma": dist.log_sigma}
    if isinstance(dist, Gamma) and family == "gamma":
        return {"mean": dist.mean, "cv": dist.cv}
    if isinstance(dist, Exponential) and family == "exponential":
        return {"mean": dist.mean}
    if isinstance(dist, Exponential) and family == "gamma":
        return {"mean": dist.mean, "cv": 1.0}  # the exponential is the gamma with cv 1
    return {}


Compared = tuple[Interval | None, float] | None
Check = tuple[str, Callable[[Calibration], Compared]]


def _checks() -> list[Check]:
    """Every number the known scenario fixes, as (what, calibration → (its interval, the
    known value)); None where the fitted family cannot express the known one."""
    scenario = load_scenario(KNOWN)
    show = scenario.shows["tidewater"]
    checks: list[Check] = []

    def fixed(
        what: str, interval_of: Callable[[Calibration], Interval | None], known: float
    ) -> None:
        checks.append((what, lambda c: (interval_of(c), known)))

    def distribution(
        what: str,
        fit_of: Callable[[Calibration], DistributionFit | None],
        dist: Distribution,
        keys: tuple[str, ...],
    ) -> None:
        def parameter(c: Calibration, key: str) -> Compared:
            fit = fit_of(c)
            assert fit is not None
            known = _known_parameters(dist, fit.family)
            return (fit.parameters[key], known[key]) if key in known else None

        for key in keys:
            checks.append((f"{what}.{key}", lambda c, k=key: parameter(c, k)))
        fixed(f"{what} (mean)", lambda c: fit_of(c).mean, dist.mean)  # type: ignore[union-attr]

    distribution(
        "frames_per_shot",
        lambda c: c.shows[0].frames_per_shot,
        show.frames_per_shot,
        ("median", "sigma"),
    )
    assert show.release.window is not None
    fixed("release.window (h)", lambda c: c.shows[0].release.window_hours, show.release.window)
    for name, stage in scenario.shot_stages.items():
        if isinstance(stage, GpuStage):
            option = stage.options[0]
            distribution(
                f"{name}.seconds_per_frame",
                lambda c, n=name: c.stage(n).options[0].seconds_per_frame,
                option.seconds_per_frame,
                ("median", "sigma", "mean", "cv"),
            )
            fixed(
                f"{name}.setup (min)",
                lambda c, n=name: c.stage(n).options[0].setup_minutes,
                option.setup * 60.0,
            )
            fixed(
                f"{name}.failure_probability",
                lambda c, n=name: c.stage(n).failure_probability,
                stage.failure_probability,
            )
        else:
            assert isinstance(stage, ReviewStage)
            assert stage.minutes_per_shot is not None
            distribution(
                f"{name}.minutes_per_shot",
                lambda c, n=name: c.stage(n).time,
                stage.minutes_per_shot,
                ("mean", "cv"),
            )
            fixed(
                f"{name}.sample_rate", lambda c, n=name: c.stage(n).sample_rate, stage.sample_rate
            )
            for k, p in enumerate(stage.reject_probabilities):
                fixed(
                    f"{name}.reject_probability[{k}]",
                    lambda c, n=name, k=k: c.stage(n).reject_probability[k],
                    p,
                )
    conform = scenario.episode_stages["conform"]
    distribution(
        "conform.hours_per_episode",
        lambda c: c.stage("conform").time,
        conform.hours_per_episode,
        ("median", "sigma", "mean", "cv"),
    )
    return checks


CHECKS = _checks()
SIMULTANEOUS = 1.0 - 0.05 / len(CHECKS)
"""Each interval at 1 − 0.05/k (Bonferroni), so that all k cover their known value together
with probability at least 95%: k separate 95% intervals would miss at least once more often
than not (1 − 0.95^k). Checks a family cannot express still count in k (conservative)."""


@pytest.fixture(scope="module")
def simultaneous() -> Calibration:
    return calibrate(HISTORY, MAPPING, level=SIMULTANEOUS)


@pytest.fixture(scope="module")
def at_95() -> Calibration:
    return calibrate(HISTORY, MAPPING)


def test_calibration_recovers_every_known_number_within_its_interval(
    simultaneous: Calibration,
) -> None:
    missed, compared = [], 0
    for what, compare in CHECKS:
        pair = compare(simultaneous)
        if pair is None:
            continue
        interval, known = pair
        assert interval is not None, what
        compared += 1
        if known not in interval:
            missed.append(f"{what}: known {known:.4g}, [{interval.low:.4g}, {interval.high:.4g}]")
    assert not missed, "\n".join(missed)
    assert compared >= 25


def test_calibration_recovers_the_families_and_the_structure(at_95: Calibration) -> None:
    scenario = load_scenario(KNOWN)
    assert at_95.shows[0].frames_per_shot.family == "lognormal"
    assert at_95.shows[0].release.pattern == "window"
    i2v, upscale = at_95.stage("image_to_video"), at_95.stage("upscale")
    assert i2v.options[0].seconds_per_frame.family == "lognormal"
    assert upscale.options[0].seconds_per_frame.family == "gamma"
    assert [o.pool for o in i2v.options] == ["h100"]
    assert i2v.max_attempts == 3
    assert i2v.exhausted >= 1  # one shot ran out of attempts: max_attempts is exact
    # The shortest wait before a retry is the back-off (to the second the log keeps).
    assert i2v.backoff_hours is not None
    assert abs(i2v.backoff_hours - scenario.shot_stages["image_to_video"].backoff) <= 1 / 3600
    review, spot = at_95.stage("supervisor_review"), at_95.stage("lead_spot_check")
    assert review.time is not None
    assert review.time.family == "exponential"
    assert spot.time is not None
    assert spot.time.family == "gamma"
    assert (review.resource, review.resource_is_pool) == (
        "supervisors",
        False,
    )
    assert review.max_rounds_value == 2
    assert len(review.reject_probability) == 2
    assert (review.rework_to, spot.rework_to) == ("image_to_video", "upscale")
    assert spot.max_rounds_value is None
    conform = at_95.stage("conform")
    assert conform.kind == "episode"
    assert conform.resource == "editors"


def test_the_committed_history_is_what_the_script_makes(tmp_path: Path) -> None:
    made = _write_history(tmp_path / "history.csv", load_mapping(MAPPING), [])
    assert made.read_bytes() == HISTORY.read_bytes(), (
        "history.csv is stale: run python scenarios/examples/make_history.py"
    )
    assert HISTORY.stat().st_size < 1_000_000


def test_the_fragment_pastes_into_the_scenario(at_95: Calibration, tmp_path: Path) -> None:
    fragment, _ = load_yaml(at_95.fragment(), "fitted.yaml")
    data, positions = load_yaml_file(KNOWN)
    data["shot_stages"] = fragment["shot_stages"]
    data["episode_stages"] = fragment["episode_stages"]
    data["shows"]["tidewater"].update(fragment["shows"]["tidewater"])
    scenario = parse_scenario(data, positions, source=str(KNOWN), base_dir=KNOWN.parent)
    model = compile_season(scenario)
    assert [s.name for s in model.shot_stages] == list(load_scenario(KNOWN).shot_stages)


def test_every_fitted_number_carries_its_sample_size_and_interval(at_95: Calibration) -> None:
    for line in at_95.fragment().splitlines():
        text = line.split("#")[0].strip()
        key, _, value = text.partition(":")
        numeric = value.strip().strip('"').rstrip("smhd")
        # Counts and bounds, not estimates: their comments say what they rest on.
        if key in ("max_attempts", "max_rounds", "backoff", "pattern", "dist", "kind", "low"):
            assert key not in ("max_attempts", "max_rounds", "backoff") or "n=" in line, line
            continue
        try:
            float(numeric)
        except ValueError:
            continue
        assert "n=" in line, line
        assert "interval [" in line, line


def test_plots_one_png_per_stage(at_95: Calibration, tmp_path: Path) -> None:
    written = at_95.write(tmp_path / "fitted.yaml")
    names = sorted(p.name for p in written[1:])
    assert names == sorted(
        [
            f"{s}.png"
            for s in (
                "image_to_video",
                "upscale",
                "supervisor_review",
                "lead_spot_check",
                "conform",
            )
        ]
        + ["tidewater-frames_per_shot.png"]
    )
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written[1:])


def test_without_a_defect_column_defect_and_catch_are_listed_as_assumed(
    at_95: Calibration, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = at_95.assumptions[0]
    assert first.startswith(
        "defect_probability (image_to_video, upscale) and catch_probability"
        " (supervisor_review, lead_spot_check): the history has no defect column"
    )
    assert "# ASSUMED: defect_probability (image_to_video, upscale)" in at_95.fragment()
    assert all(st.defect_probability is None for st in at_95.shot_stages)
    out = tmp_path / "fitted.yaml"
    assert (
        main(["calibrate", str(HISTORY), "--mapping", str(MAPPING), "-o", str(out), "--no-plots"])
        == 0
    )
    assert "assumed: defect_probability (image_to_video, upscale)" in capsys.readouterr().err


# --- too little data ----------------------------------------------------------------------


def test_a_history_too_small_to_fit_says_so(tmp_path: Path) -> None:
    mapping = load_mapping(MAPPING)
    small = _write_history(
        tmp_path / "small.csv",
        mapping,
        ["shows.tidewater.episodes.count=1", "shows.tidewater.episodes.shots=4"],
    )
    with pytest.raises(ScenarioError, match="history too small to fit") as caught:
        calibrate(small, mapping)
    assert "need at least 20" in str(caught.value)
    assert main(["calibrate", str(small), "--mapping", str(MAPPING)]) == 2


def test_a_stage_with_too_few_rows_is_left_unfitted_and_marked(tmp_path: Path) -> None:
    mapping = load_mapping(MAPPING)
    history = _write_history(tmp_path / "two.csv", mapping, ["shows.tidewater.episodes.count=2"])
    fitted = calibrate(history, mapping)
    conform = fitted.stage("conform")
    assert conform.time is not None
    assert not conform.time.fitted
    assert any("conform" in note and "too few to fit" in note for note in fitted.notes)
    assert "# hours_per_episode: NOT FITTED, too few to fit: 2 value(s)" in fitted.fragment()
    assert fitted.stage("image_to_video").options[0].seconds_per_frame.fitted


def test_without_a_mapping_reelsim_names_and_the_pipeline_order_are_inferred(
    tmp_path: Path,
) -> None:
    history = _write_history(
        tmp_path / "plain.csv", HistoryMapping(), ["shows.tidewater.episodes.count=4"]
    )
    fitted = calibrate(history)
    assert [s.name for s in fitted.shot_stages] == list(load_scenario(KNOWN).shot_stages)
    assert [s.name for s in fitted.episode_stages] == ["conform"]


# --- refused logs -------------------------------------------------------------------------

HEADER = "episode,shot,stage,start,end,frames,outcome,resource\n"
GOOD = "ep01,ep01_0010,image_to_video,2027-01-04T09:00:00,2027-01-04T09:30:00,96,done,h100\n"
STAGES = HistoryMapping(
    shot_stages={"image_to_video": "image_to_video", "supervisor_review": "Sup Review"},
    episode_stages={"conform": "conform"},
)


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        (
            "ep01,ep01_0020,image_to_video,2027-01-04T10:00:00,2027-01-04T09:00:00,96,done,h100",
            "end",
            "is before start",
        ),
        (
            "ep01,ep01_0020,Comp,2027-01-04T09:00:00,2027-01-04T10:00:00,96,done,h100",
            "stage",
            "unknown stage 'Comp'",
        ),
        (
            "ep01,ep01_0020,Sup Reveiw,2027-01-04T09:00:00,2027-01-04T10:00:00,96,approved,sup",
            "stage",
            "did you mean 'supervisor_review'",
        ),
        (
            "ep01,ep01_0020,image_to_video,2027-01-04T09:00:00,2027-01-04T10:00:00,-96,done,h100",
            "frames",
            "negative frame count -96",
        ),
        (
            "ep01,ep01_0020,image_to_video,2027-01-04T09:00:00,2027-01-04T10:00:00,96,WIP,h100",
            "outcome",
            "unknown outcome 'WIP'",
        ),
        (
            "ep01,ep01_0020,image_to_video,04/01/2027 09:00,2027-01-04T10:00:00,96,done,h100",
            "start",
            "expected an ISO date and time",
        ),
        (
            "ep01,ep01_0020,image_to_video,2027-01-04T09:00:00,2027-01-04T10:00:00,96,approved,h",
            "outcome",
            "a stage is either work (done, failed) or a review",
        ),
        (
            "ep01,,image_to_video,2027-01-04T09:00:00,2027-01-04T10:00:00,96,done,h100",
            "shot",
            "is a shot stage, but the row names no shot",
        ),
    ],
)
def test_an_inconsistent_log_is_refused_with_its_row(
    tmp_path: Path, bad_row: str, column: str, message: str
) -> None:
    path = tmp_path / "log.csv"
    path.write_text(HEADER + GOOD + GOOD.replace("0010", "0030") + bad_row + "\n")
    with pytest.raises(ScenarioError) as caught:
        calibrate(path, STAGES)
    problems = caught.value.problems
    assert len(problems) == 1, caught.value
    assert (problems[0].file, problems[0].line, problems[0].path) == (str(path), 4, column)
    assert message in problems[0].message


def test_the_command_line_refuses_a_bad_log_with_file_and_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.csv"
    bad = GOOD.replace("09:30:00", "08:30:00")
    path.write_text(HEADER + GOOD + bad)
    assert main(["calibrate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3 end: end 2027-01-04T08:30:00 is before start" in err
    assert "Traceback" not in err


def test_a_missing_column_names_what_the_mapping_expected(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("Episode,Shot,Task\nep01,a,b\n")
    with pytest.raises(ScenarioError, match=r"missing column\(s\) 'stage' \(stage\)") as caught:
        calibrate(path)
    assert caught.value.problems[0].line == 1


def test_a_bad_mapping_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("columns:\n  episode: Episode\n  shots: Shot\n")
    with pytest.raises(ScenarioError) as caught:
        load_mapping(path)
    problem = caught.value.problems[0]
    assert (problem.line, problem.path) == (3, "columns.shots")


# --- the command line ---------------------------------------------------------------------


def test_the_command_line_writes_the_fragment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fitted.yaml"
    args = ["calibrate", str(HISTORY), "--mapping", str(MAPPING), "-o", str(out), "--no-plots"]
    assert main(args) == 0
    assert out.read_text().startswith("# Fitted by reelsim calibrate from history.csv")
    assert not (tmp_path / "fitted-plots").exists()  # the plots have their own test
    assert "fragment written to" in capsys.readouterr().err


def test_public_api() -> None:
    import simulator.planning.calibration

    assert sorted(simulator.planning.calibration.__all__) == [
        "Attempt",
        "Calibration",
        "Columns",
        "DistributionFit",
        "History",
        "HistoryMapping",
        "MIN_VALUES",
        "OptionFit",
        "ReleaseFit",
        "ShowFit",
        "StageFit",
        "calibrate",
        "load_mapping",
        "read_history",
    ]
    for name in simulator.planning.calibration.__all__:
        assert hasattr(simulator.planning.calibration, name)


# --- the statistics underneath ------------------------------------------------------------


def test_a_setup_is_separated_from_the_speed_per_frame() -> None:
    from simulator.planning._calibrate_fit import fit_per_frame

    rng = np.random.default_rng(3)
    frames = np.maximum(1, np.round(np.exp(np.log(80) + 0.6 * rng.standard_normal(800))))
    speed = np.exp(np.log(18) + 0.3 * rng.standard_normal(800))
    setup, fit = fit_per_frame(120.0 + frames * speed, frames)
    assert setup.setup_seconds is not None
    assert 120.0 in setup.setup_seconds
    assert fit.family == "lognormal"
    assert 18.0 in fit.parameters["median"]
    assert 0.3 in fit.parameters["sigma"]


def test_releases_at_once_and_as_a_poisson_stream_are_told_apart() -> None:
    from simulator.planning._calibrate_fit import fit_release

    rng = np.random.default_rng(4)
    at_once = fit_release({f"ep{k}": [24.0 * k] * 10 for k in range(5)})
    assert at_once.pattern == "all_at_once"
    stream = {f"ep{k}": list(24.0 * 7 * k + np.cumsum(rng.exponential(2.0, 30))) for k in range(20)}
    poisson = fit_release(stream)
    assert poisson.pattern == "poisson"
    assert poisson.shots_per_day is not None
    assert 12.0 in poisson.shots_per_day
