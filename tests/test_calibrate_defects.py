"""Calibration of defect and catch probabilities from a tracker's defect column.

The history is drawn from the model's Bernoulli structure with known defect, catch and
reject probabilities and a fixed seed; calibration must recover each inside its interval
when defects found after delivery are recorded, fit only caught defects per review (defect
× catch) when they are not, say which numbers stay assumptions, and refuse a defect value
it cannot read, or one where none can be, at its row.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from simulator.cli.commands import main
from simulator.errors import ScenarioError
from simulator.model.compiler import compile_season
from simulator.planning.calibration import Calibration, HistoryMapping, calibrate
from simulator.scenario import load_yaml, load_yaml_file
from simulator.scenario.load import parse_scenario

EXAMPLES = Path(__file__).parents[1] / "scenarios" / "examples"
KNOWN = EXAMPLES / "known.yaml"
HISTORY = EXAMPLES / "history.csv"
MAPPING = EXAMPLES / "history-mapping.yaml"
HEADER = "episode,shot,stage,start,end,frames,outcome,resource\n"
GOOD = "ep01,ep01_0010,image_to_video,2027-01-04T09:00:00,2027-01-04T09:30:00,96,done,h100\n"

DEFECT = {"image_to_video": 0.10, "upscale": 0.06}
REVIEWS = {  # sample rate, reject (clean shots) per round, max rounds, rework to, catch
    "supervisor_review": (1.0, (0.30, 0.15), 2, "image_to_video", 0.70),
    "lead_spot_check": (0.5, (0.10,), None, "upscale", 0.50),
}
PIPELINE = ("image_to_video", "upscale", "supervisor_review", "lead_spot_check")
DEFECT_STAGES = HistoryMapping(
    shot_stages={s: s for s in PIPELINE}, show="tidewater", found_after_delivery=True
)


class _Shot:
    """One shot's rows in the tracker's log, each task starting a minute after the last."""

    def __init__(self, n: int, frames: int, rows: list[list[str]]) -> None:
        self.episode = f"ep{n // 100 + 1:02d}"
        self.code, self.frames, self.rows = f"{self.episode}_{n % 100:04d}", frames, rows
        self.clock = datetime(2027, 1, 4) + timedelta(minutes=37 * n)

    def log(self, stage: str, minutes: float, outcome: str, defect: str) -> None:
        end = self.clock + timedelta(minutes=minutes)
        start_text, end_text = f"{self.clock:%Y-%m-%dT%H:%M:%S}", f"{end:%Y-%m-%dT%H:%M:%S}"
        self.rows.append(
            [self.episode, self.code, stage, start_text, end_text, str(self.frames), outcome]
        )
        self.rows[-1].append(defect)
        self.clock = end + timedelta(minutes=1)


def _defect_rows(
    shots: int,
    seed: int,
    *,
    escapes: bool,
    values: tuple[str, str] = ("yes", "no"),
    reviews: dict[str, tuple[float, tuple[float, ...], int | None, str, float]] = REVIEWS,
    pipeline: tuple[str, ...] = PIPELINE,
) -> tuple[list[list[str]], dict[str, list[int]]]:
    """A tracker's rows drawn from the model's Bernoulli structure (docs/model.md): a done
    GPU attempt leaves a flag with its stage's defect probability; a review rejects a
    flagged shot with its catch probability and a clean one with the round's reject
    probability, approves all after max_rounds rejections, and a rework clears the flags of
    its target and later stages. The defect column says which rejections caught a defect
    and, with ``escapes``, which delivered shots carried one. Also returned, per review: the
    reviews in which a rejection was possible, and how many of them saw a flagged shot."""
    rng = np.random.default_rng(seed)
    rows: list[list[str]] = []
    truth = {r: [0, 0] for r in reviews}
    for n in range(shots):
        shot = _Shot(n, max(1, round(rng.lognormal(math.log(80), 0.5))), rows)
        flags = dict.fromkeys(pipeline, False)
        rounds = dict.fromkeys(reviews, 0)
        k = 0
        while k < len(pipeline):
            stage = pipeline[k]
            if stage in DEFECT:
                flags[stage] = bool(rng.random() < DEFECT[stage])
                shot.log(stage, 1 + shot.frames * rng.lognormal(math.log(15), 0.3) / 60, "done", "")
                k += 1
                continue
            sample, rejects, max_rounds, target, catch = reviews[stage]
            if rng.random() >= sample:
                k += 1
                continue
            r, flagged, v = rounds[stage], any(flags.values()), rng.random()
            forced = max_rounds is not None and r >= max_rounds
            if not forced:
                truth[stage][0] += 1
                truth[stage][1] += flagged
            rejected = not forced and v < (catch if flagged else rejects[min(r, len(rejects) - 1)])
            minutes = 0.5 + rng.exponential(4.0)
            if rejected:
                shot.log(stage, minutes, "rejected", values[0] if flagged else values[1])
                rounds[stage] += 1
                k = pipeline.index(target)
                flags.update(dict.fromkeys(pipeline[k:], False))
            else:
                shot.log(stage, minutes, "approved", "")
                k += 1
        if escapes and any(flags.values()):
            rows[-1][-1] = values[0]
    return rows, truth


def _write_defect_history(path: Path, rows: list[list[str]], defect_column: str) -> Path:
    header = ["episode", "shot", "stage", "start", "end", "frames", "outcome", defect_column]
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")
    return path


DEFECT_COMPARED = 9
DEFECT_LEVEL = 1.0 - 0.05 / DEFECT_COMPARED
"""Nine numbers compared below (two defect and two catch probabilities, the supervisor's
clean-shot reject probability in its two rounds and the lead's in the three it sees often
enough to write), each interval at 1 − 0.05/9 so that all cover together with probability
at least 95%."""


@pytest.fixture(scope="module")
def with_escapes(tmp_path_factory: pytest.TempPathFactory) -> Calibration:
    rows, _ = _defect_rows(4000, 17, escapes=True)
    path = _write_defect_history(tmp_path_factory.mktemp("d") / "h.csv", rows, "defect")
    return calibrate(path, DEFECT_STAGES, level=DEFECT_LEVEL)


def test_defect_and_catch_probabilities_are_recovered_within_their_intervals(
    with_escapes: Calibration,
) -> None:
    fitted, missed, compared = with_escapes, [], 0
    for stage, d in DEFECT.items():
        iv = fitted.stage(stage).defect_probability
        assert iv is not None, fitted.stage(stage).defect_note
        compared += 1
        if d not in iv:
            missed.append(f"{stage}.defect_probability {d}: [{iv.low:.4g}, {iv.high:.4g}]")
    for stage, (_, rejects, max_rounds, _, catch) in REVIEWS.items():
        st = fitted.stage(stage)
        assert st.catch_probability is not None, st.defect_note
        assert st.max_rounds_value == max_rounds
        # A round seen often enough is written; the known list's last value repeats.
        assert len(st.reject_probability) >= len(rejects)
        for what, iv, known in [
            ("catch_probability", st.catch_probability, catch),
            *(
                (f"reject_probability[{r}]", iv, rejects[min(r, len(rejects) - 1)])
                for r, iv in enumerate(st.reject_probability)
            ),
        ]:
            compared += 1
            if known not in iv:
                missed.append(f"{stage}.{what} {known}: [{iv.low:.4g}, {iv.high:.4g}]")
    assert not missed, "\n".join(missed)
    assert compared == DEFECT_COMPARED
    # Everything the model needs is fitted: what stays assumed is what no log holds.
    assert [a for a in fitted.assumptions if "defect" in a or "catch" in a] == [
        a for a in fitted.assumptions if "found after delivery to be recorded" in a
    ]


def test_fitted_defects_paste_into_the_scenario_and_validate(with_escapes: Calibration) -> None:
    text = with_escapes.fragment()
    for line in text.splitlines():
        if line.strip().startswith(("defect_probability:", "catch_probability:")):
            assert "n=" in line, line
            assert "interval [" in line, line
    fragment, _ = load_yaml(text, "fitted.yaml")
    stages = fragment["shot_stages"]
    assert stages["image_to_video"]["defect_probability"] > 0
    assert stages["lead_spot_check"]["catch_probability"] > 0
    data, positions = load_yaml_file(KNOWN)
    for name, stage in data["shot_stages"].items():
        for key in ("defect_probability", "catch_probability", "reject_probability"):
            if key in stages[name]:
                stage[key] = stages[name][key]
    scenario = parse_scenario(data, positions, source=str(KNOWN), base_dir=KNOWN.parent)
    model = {s.name: s for s in compile_season(scenario).shot_stages}
    assert model["upscale"].defect_probability == stages["upscale"]["defect_probability"]
    supervisor = model["supervisor_review"]
    assert supervisor.catch_probability == stages["supervisor_review"]["catch_probability"]


def test_without_escapes_only_defect_times_catch_is_fitted(tmp_path: Path) -> None:
    rows, truth = _defect_rows(2000, 18, escapes=False)
    path = _write_defect_history(tmp_path / "h.csv", rows, "defect")
    mapping = DEFECT_STAGES.model_copy(update={"found_after_delivery": False})
    fitted = calibrate(path, mapping, level=1.0 - 0.05 / 2)
    for stage, (_, _, _, _, catch) in REVIEWS.items():
        st = fitted.stage(stage)
        reviews, flagged = truth[stage]
        assert st.catch_probability is None
        assert st.caught_per_review is not None
        assert st.caught_per_review.n == reviews
        # Caught per review estimates the share of reviews that saw a defect times catch.
        assert flagged / reviews * catch in st.caught_per_review
    assert all(fitted.stage(s).defect_probability is None for s in DEFECT)
    assumed = "\n".join(fitted.assumptions)
    assert "image_to_video defect_probability: a defect no review caught is never seen" in assumed
    assert (
        "supervisor_review catch_probability: only caught defects per review is fitted" in assumed
    )
    text = fitted.fragment()
    assert "# defect_probability: NOT FITTED" in text
    assert "# caught defects per review (defect × catch)" in text


def test_stages_always_redone_together_get_their_joint_defect_chance(tmp_path: Path) -> None:
    # Both reviews send a shot back to the start: no observation separates the two models.
    lead = REVIEWS["lead_spot_check"]
    reviews = {**REVIEWS, "lead_spot_check": (*lead[:3], "image_to_video", lead[4])}
    rows, _ = _defect_rows(1500, 20, escapes=True, reviews=reviews)
    fitted = calibrate(_write_defect_history(tmp_path / "h.csv", rows, "defect"), DEFECT_STAGES)
    joint = 1.0 - (1.0 - DEFECT["image_to_video"]) * (1.0 - DEFECT["upscale"])
    for stage in DEFECT:
        st = fitted.stage(stage)
        assert st.defect_probability is None
        note = st.defect_note
        assert "only the chance that image_to_video and upscale together leave" in note
        low, high = (float(x) for x in note.split("interval [")[1].rstrip("])").split(", "))
        assert low <= joint <= high
    assert fitted.stage("lead_spot_check").catch_probability is not None


def test_a_review_between_gpu_stages_gets_only_defect_times_catch(tmp_path: Path) -> None:
    # The supervisor looks at the generated shot before the upscale: a defect it passes may
    # be caught later, or a later catch may be the upscaler's; its approvals select shots.
    pipeline = ("image_to_video", "supervisor_review", "upscale", "lead_spot_check")
    rows, _ = _defect_rows(1500, 21, escapes=True, pipeline=pipeline)
    mapping = DEFECT_STAGES.model_copy(update={"shot_stages": {s: s for s in pipeline}})
    fitted = calibrate(_write_defect_history(tmp_path / "h.csv", rows, "defect"), mapping)
    supervisor = fitted.stage("supervisor_review")
    assert supervisor.catch_probability is None
    assert supervisor.caught_per_review is not None
    assert "a GPU stage follows this review" in supervisor.defect_note
    generate = fitted.stage("image_to_video")
    assert generate.defect_probability is None
    assert "only through supervisor_review" in generate.defect_note
    # A lead's note sends the shot to the upscaler alone: its draws are seen cleanly.
    lead, upscale = fitted.stage("lead_spot_check"), fitted.stage("upscale")
    assert lead.catch_probability is not None
    assert REVIEWS["lead_spot_check"][4] in lead.catch_probability
    assert upscale.defect_probability is not None
    assert DEFECT["upscale"] in upscale.defect_probability


def test_a_reason_column_is_read_through_the_mapping(tmp_path: Path) -> None:
    rows, _ = _defect_rows(300, 19, escapes=True, values=("Artefact", "Creative"))
    path = _write_defect_history(tmp_path / "h.csv", rows, "Retake Reason")
    flags, _ = _defect_rows(300, 19, escapes=True)
    plain = _write_defect_history(tmp_path / "f.csv", flags, "defect")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "columns: {defect: Retake Reason}\n"
        "shot_stages: {" + ", ".join(f"{s}: {s}" for s in PIPELINE) + "}\n"
        "show: tidewater\n"
        "defect_values:\n"
        "  defect: [Artefact, Flicker]\n"
        "  no_defect: Creative\n"
        "found_after_delivery: true\n"
    )
    by_reason, by_flag = calibrate(path, mapping), calibrate(plain, DEFECT_STAGES)
    for stage in REVIEWS:
        assert by_reason.stage(stage).catch_probability == by_flag.stage(stage).catch_probability
        assert by_reason.stage(stage).catch_probability is not None


def test_a_malformed_defect_value_is_refused_with_file_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.csv"
    header = HEADER.strip() + ",defect\n"
    path.write_text(
        header + GOOD.strip() + ",\n" + GOOD.replace("0010", "0020").strip() + ",maybe\n"
    )
    with pytest.raises(ScenarioError) as caught:
        calibrate(path)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.path) == (str(path), 3, "defect")
    assert "unknown defect value 'maybe'" in problem.message
    assert main(["calibrate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3 defect: unknown defect value 'maybe'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("escapes", "message"),
    [
        (False, "set found_after_delivery: true in the mapping"),
        (True, "a defect on an approval: only a rejection"),
    ],
)
def test_a_defect_where_none_can_be_is_refused_at_its_row(
    tmp_path: Path, escapes: bool, message: str
) -> None:
    rows = [
        [
            "ep01",
            "s1",
            "image_to_video",
            "2027-01-04T09:00:00",
            "2027-01-04T09:30:00",
            "96",
            "done",
            "",
        ],
        [
            "ep01",
            "s1",
            "supervisor_review",
            "2027-01-04T10:00:00",
            "2027-01-04T10:05:00",
            "96",
            "approved",
            "yes" if not escapes else "",
        ],
        [
            "ep01",
            "s1",
            "lead_spot_check",
            "2027-01-04T11:00:00",
            "2027-01-04T11:05:00",
            "96",
            "approved",
            "" if not escapes else "no",
        ],
    ]
    if escapes:
        rows[1][-1] = "yes"  # an approval followed by another review: not the delivered row
    else:
        rows = rows[:2]
    path = _write_defect_history(tmp_path / "log.csv", rows, "defect")
    mapping = DEFECT_STAGES.model_copy(update={"found_after_delivery": escapes})
    with pytest.raises(ScenarioError) as caught:
        calibrate(path, mapping)
    problem = caught.value.problems[0]
    assert (problem.line, problem.path) == (3, "defect")
    assert message in problem.message
