"""Utilisation against both denominators, waits per resource, work still queued when the run
ends and the shots' time in system: worked out by hand on tiny seasons, on both engines,
and carried through chunks, the summary and the results folder (``waits.parquet``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from simulator import Work, compile_season, load_scenario
from simulator.engines.choice import run_replications
from simulator.errors import UsageError
from simulator.folders import ResultsFolder, write_results
from simulator.model.season import SeasonModel
from simulator.results import Summary, simulate, summarize
from simulator.results.chunks import chunk_frame, results_from_frame
from simulator.scenario import load_yaml
from simulator.scenario.load import parse_scenario
from simulator.scenario.schema import Scenario

DEMO = Path(__file__).parents[1] / "scenarios" / "demo.yaml"

# Four shots of one hour of rendering on one reserved GPU (10 frames of 360 s), then half
# an hour of review each, cut off by the horizon at 2.25 h; the season ends at the deadline,
# day 10 (240 h), and that is what the GPU and the supervisor are paid to.
CUT_OFF = """
name: cut-off
calendar: {start: 2027-01-04}
shows:
  s:
    episodes:
      - {name: e1, lock: "0h", deadline: "10d", shots: 4}
    frames_per_shot: 10
shot_stages:
  render:
    kind: gpu
    options: [{pool: gpu, seconds_per_frame: 360}]
  look: {kind: review, team: sup, minutes_per_shot: 30}
pools:
  gpu: {gpus: 1, price_per_gpu_hour: 2}
teams:
  sup: {around_the_clock: 1, hourly_rate: 10, overtime_rate: 30}
run: {horizon: "2.25h", seed: 1}
"""

# The same four shots on an on-demand pool of up to four GPUs, billed by the hour with a
# one-hour minimum, closing a lease after half an hour idle.
CLOUD = CUT_OFF.replace("2.25h", "20d").replace(
    "gpu: {gpus: 1, price_per_gpu_hour: 2}",
    "gpu: {kind: on_demand, gpus: 4, price_per_gpu_hour: 5, billing_increment: 1h, "
    "billing_minimum: 1h, idle_timeout: 0.5h}",
)


def scenario(text: str) -> Scenario:
    data, positions = load_yaml(text, "<test>")
    return parse_scenario(data, positions, source="<test>", base_dir=Path("."))


def model_of(text: str) -> SeasonModel:
    return compile_season(scenario(text))


@pytest.mark.parametrize("engine", ["reference", "kernel"])
def test_a_run_cut_off_at_the_horizon_worked_by_hand(engine: str) -> None:
    """The GPU renders shot 1 in [0, 1], shot 2 in [1, 2] (after waiting 1 h), shot 3 from
    2 h (after waiting 2 h) until the cut; shot 4 is still queued at the end, having waited
    2.25 h. The queue held 3 tasks for an hour, 2 for an hour, 1 for a quarter: 5.25
    task-hours, of which 0 + 1 + 2 were waited by the tasks that started. Shot 1 is reviewed
    in [1, 1.5] and is through at 1.5 h; shot 2's review is cut at 2.25 h."""
    (r,) = run_replications(model_of(CUT_OFF), range(1), engine)
    assert r.end_time == 2.25
    assert r.busy_hours == {"pool:gpu": 2.25, "team:sup": 0.75}
    # Over the run, the GPU was busy all its 2.25 hours, the supervisor a third of hers.
    assert r.available_hours == {"pool:gpu": 2.25, "team:sup": 2.25}
    assert r.utilisation("pool:gpu") == 1.0
    assert r.utilisation("team:sup") == pytest.approx(1 / 3)
    # Both are paid to the season end: 240 GPU-hours and 240 person-hours.
    assert r.paid_hours == {"pool:gpu": 240.0, "team:sup": 240.0}
    assert r.paid_utilisation("pool:gpu") == 2.25 / 240
    assert r.paid_utilisation("team:sup") == 0.75 / 240
    assert r.waits == {"pool:gpu": (3, 3.0), "team:sup": (2, 0.0)}
    assert r.queue_area == {"pool:gpu": 5.25, "team:sup": 0.0}
    assert r.waited_at_end("pool:gpu") == 2.25
    assert r.waited_at_end("team:sup") == 0.0
    assert r.queued == {"pool:gpu": 1, "team:sup": 0}
    assert r.flow == (1, 1.5)


@pytest.mark.parametrize("engine", ["reference", "kernel"])
def test_waits_and_times_per_stage_worked_by_hand(engine: str) -> None:
    """The same cut-off run, stage by stage. Render: shots 1, 2 and 3 start after waiting
    0, 1 and 2 h; shots 1 and 2 end their visits at 1 and 2 h, 1 and 2 h after arriving
    at 0 (shot 3 is still in service at the cut: in neither count); shot 4 is still queued,
    having waited 2.25 h. Look: shots 1 and 2 start on arrival, at 1 and 2 h; shot 1's
    visit ends at 1.5 h, half an hour after it arrived; nothing is queued there."""
    (r,) = run_replications(model_of(CUT_OFF), range(1), engine)
    assert r.stage_waits == {"stage:render": (3, 3.0), "stage:look": (2, 0.0)}
    assert r.stage_visits == {"stage:render": (2, 3.0), "stage:look": (1, 0.5)}
    assert r.stage_queued == {"stage:render": (1, 2.25), "stage:look": (0, 0.0)}
    # A stage's queue is its first option's: per resource, the stages add up.
    assert r.waits["pool:gpu"] == r.stage_waits["stage:render"]
    assert r.waited_at_end("pool:gpu") == r.stage_queued["stage:render"][1]


@pytest.mark.parametrize("engine", ["reference", "kernel"])
def test_a_cloud_pool_is_paid_for_the_unit_hours_its_leases_were_billed(engine: str) -> None:
    """Four GPUs are leased at once, each busy for an hour and closed after half an hour
    idle: 1.5 h, billed 2 h each, 8 GPU-hours (40 USD at 5 USD). The run ends at 3 h, when
    the last of the four reviews ends, so over the run the pool had 4 × 3 = 12 GPU-hours at
    its maximum: busy a third of them, but half of what was paid for."""
    (r,) = run_replications(model_of(CLOUD), range(1), engine)
    assert r.end_time == 3.0
    assert math.fsum(r.cost["cloud_gpu"]) == 40.0
    assert r.busy_hours["pool:gpu"] == 4.0
    assert r.available_hours["pool:gpu"] == 12.0
    assert r.paid_hours["pool:gpu"] == 8.0
    assert r.utilisation("pool:gpu") == pytest.approx(1 / 3)
    assert r.paid_utilisation("pool:gpu") == 0.5
    # The reviews queue behind each other: 0, 0.5, 1 and 1.5 h; shots are through at 1.5,
    # 2, 2.5 and 3 h after their release at 0.
    assert r.waits["team:sup"] == (4, 3.0)
    assert r.waited_at_end("team:sup") == 0.0
    assert r.flow == (4, 9.0)


def test_both_engines_count_the_work_still_queued_at_a_horizon_alike() -> None:
    """The demo cut off on its third day, reviews still queued: the engines' per-stage
    counts agree replication by replication, and add up to the waits per resource."""
    from simulator.engines import run_raw_batch
    from simulator.engines.reference.engine import run_raw
    from simulator.testing.agreement import raw_difference

    data, positions = load_yaml(DEMO.read_text(), str(DEMO))
    data["run"]["horizon"] = "3d"
    model = compile_season(parse_scenario(data, positions, source="<test>", base_dir=DEMO.parent))
    kernel = run_raw_batch(model, range(4))
    for raw in kernel:
        assert raw_difference(model, run_raw(model, raw.replication), raw) is None
        assert sum(raw.stage_queued) > 0
        assert sum(raw.stage_wait_count) == sum(raw.wait_count)
        assert math.isclose(math.fsum(raw.stage_wait_hours), math.fsum(raw.wait_hours))


def test_chunks_keep_paid_hours_waits_and_time_in_system() -> None:
    model = model_of(CUT_OFF)
    results = run_replications(model, range(2), "reference")
    back = results_from_frame(model, chunk_frame(model, results))
    for before, after in zip(results, back, strict=True):
        assert after.paid_hours == before.paid_hours
        assert after.waits == before.waits
        assert after.queue_area == before.queue_area
        assert after.queued == before.queued
        assert after.flow == before.flow
        assert after.stage_waits == before.stage_waits
        assert after.stage_visits == before.stage_visits
        assert after.stage_queued == before.stage_queued


def test_a_chunk_without_the_new_columns_is_refused_by_name() -> None:
    model = model_of(CUT_OFF)
    frame = chunk_frame(model, run_replications(model, range(1), "reference"))
    with pytest.raises(UsageError, match="paid_h:pool:gpu"):
        results_from_frame(model, frame.drop(columns=["paid_h:pool:gpu"]))


def test_the_folder_holds_waits_parquet_listed_in_its_manifest(tmp_path: Path) -> None:
    run = simulate(scenario(CUT_OFF), Work(replications=3, seed=1))
    summary = write_results(run, tmp_path, plots=False)
    manifest = json.loads((tmp_path / "summary.json").read_text())
    assert "waits.parquet" in manifest["files"]
    folder = ResultsFolder.open(tmp_path)
    assert folder.file_status["waits.parquet"] == "ok"
    waits = folder.table("waits.parquet")
    assert waits is not None
    assert sorted(waits["replication"].unique()) == [0, 1, 2]
    rows = waits.set_index(["replication", "measure", "key"])
    assert not rows.index.duplicated().any()

    def cell(rep: int, measure: str, key: str) -> tuple[float, float, float]:
        found = rows.loc[(rep, measure, key)]
        return (found["count"], found["hours"], found["mean_h"])

    for rep in range(3):  # a season without chance: every replication is the hand case
        assert cell(rep, "wait", "pool:gpu") == (3, 3.0, 1.0)
        assert cell(rep, "queued_at_end", "pool:gpu") == (1, 2.25, 2.25)
        assert cell(rep, "queued_at_end", "team:sup")[:2] == (0, 0.0)
        assert cell(rep, "wait", "stage:render") == (3, 3.0, 1.0)
        assert cell(rep, "time_in_stage", "stage:render") == (2, 3.0, 1.5)
        assert cell(rep, "time_in_stage", "stage:look") == (1, 0.5, 0.5)
        assert cell(rep, "queued_at_end", "stage:render") == (1, 2.25, 2.25)
        assert cell(rep, "time_in_system", "pipeline") == (1, 1.5, 1.5)
    assert set(waits["label"][waits["key"] == "stage:look"]) == {"look"}
    # The summary says the same, with intervals; and reads back as written.
    assert summary.paid_utilisation["pool:gpu"].estimate == 2.25 / 240
    assert summary.utilisation["pool:gpu"].estimate == 1.0
    assert summary.waits is not None
    gpu = summary.waits.resources["pool:gpu"]
    assert gpu.tasks_started == 3.0
    assert gpu.mean_wait_h is not None
    assert gpu.mean_wait_h.estimate == 1.0
    assert (gpu.waited_at_end_h.low, gpu.waited_at_end_h.high) == (2.25, 2.25)
    assert summary.waits.time_in_system_h is not None
    assert summary.waits.time_in_system_h.estimate == 1.5
    assert gpu.queued_at_end is not None
    assert (gpu.queued_at_end.estimate, gpu.queued_at_end.low) == (1.0, 1.0)
    render = summary.waits.stages["stage:render"]
    assert (render.tasks_started, render.visits) == (3.0, 2.0)
    assert render.mean_wait_h is not None
    assert render.mean_wait_h.estimate == 1.0
    assert render.time_in_stage_h is not None
    assert render.time_in_stage_h.estimate == 1.5
    assert (render.queued_at_end.estimate, render.waited_at_end_h.estimate) == (1.0, 2.25)
    look = summary.waits.stages["stage:look"]
    assert look.time_in_stage_h is not None
    assert look.time_in_stage_h.estimate == 0.5
    assert look.queued_at_end.high == 0.0
    assert folder.run_summary == Summary.from_json(summary.to_json())
    assert folder.run_summary.waits == summary.waits
    # The run's page says the same in words: the work still queued, the time per stage.
    from simulator.report.page import build_page, render_html
    from simulator.report.words import stage_rows, waits_rows

    render = ["render", "3.0", "1.0 h (1.0 h – 1.0 h)", "2.0", "1.5 h (1.5 h – 1.5 h)"]
    assert stage_rows(summary)[0][:6] == [*render, "1.0 (1.0 – 1.0)"]
    assert waits_rows(summary)[0][3] == "1.0 (1.0 – 1.0)"  # one task queued for the GPU
    html = render_html(build_page(tmp_path))
    assert "Waits and time per stage" in html
    assert "still queued at the end" in html


def test_the_summary_gives_waits_and_both_utilisations_with_intervals() -> None:
    summary = summarize(simulate(load_scenario(DEMO), Work(replications=12, seed=4)))
    assert summary.waits is not None
    assert set(summary.paid_utilisation) == set(summary.utilisation) == set(summary.waits.resources)
    for key, run in summary.utilisation.items():
        paid = summary.paid_utilisation[key]
        assert paid.n == run.n == 12
        assert 0.0 <= paid.low <= paid.estimate <= paid.high
        # The demo's GPUs and people are paid to the season end, after its last delivery.
        assert paid.estimate < run.estimate
    in_system = summary.waits.time_in_system_h
    assert in_system is not None
    assert 0.0 < in_system.low < in_system.estimate < in_system.high
    supervisors = summary.waits.resources["team:supervisors"].mean_wait_h
    assert supervisors is not None
    assert 0.0 <= supervisors.low < supervisors.high
    assert supervisors.n == 12
    assert list(summary.waits.stages) == [
        "stage:image_to_video",
        "stage:supervisor_review",
        "stage:conform",
    ]
    for stage in summary.waits.stages.values():
        in_stage = stage.time_in_stage_h
        assert in_stage is not None
        assert in_stage.n == 12
        assert 0.0 < in_stage.low <= in_stage.estimate <= in_stage.high
        assert stage.queued_at_end.estimate == 0.0  # the demo delivers every episode


def test_a_summary_written_before_waits_still_reads() -> None:
    summary = summarize(simulate(scenario(CUT_OFF), Work(replications=2, seed=1)))
    data = summary.to_json()
    del data["waits"], data["paid_utilisation"]
    old = Summary.from_json(data)
    assert old.waits is None
    assert old.paid_utilisation == {}
    assert old.utilisation == summary.utilisation


def test_a_chunk_on_disk_without_the_new_columns_is_refused_by_name(tmp_path: Path) -> None:
    """A sweep reads only the columns a summary needs: one that an earlier version did not
    write is named, not a reading error."""
    from simulator.results.chunks import chunk_keys, read_replications, write_chunk
    from simulator.results.summary import SummaryColumns

    model = model_of(CUT_OFF)
    (key,) = chunk_keys("0" * 64, 1, 0, 1, 1)
    frame = chunk_frame(model, run_replications(model, range(1), "reference"))
    write_chunk(tmp_path, key, frame.drop(columns=["waits_h:pool:gpu", "through_n"]))
    with pytest.raises(UsageError, match=r"lacks waits_h:pool:gpu, through_n: .*fresh --out"):
        read_replications(tmp_path, [key], SummaryColumns.chunk_columns(model))


def test_a_pool_no_task_ever_waited_for_writes_a_folder_that_reads_back(tmp_path: Path) -> None:
    # The demo with a spot pool that nothing uses: no task starts there, so it has no mean
    # wait (null in summary.json), and the folder must still open and report.
    text = CUT_OFF.replace(
        "pools:\n",
        "pools:\n  spare:\n    kind: spot\n    gpus: 2\n    price_per_gpu_hour: 1.0\n",
        1,
    )
    run = simulate(scenario(text), Work(replications=3, seed=1))
    summary = write_results(run, tmp_path, plots=False)
    assert summary.waits is not None
    assert summary.waits.resources["pool:spare"].mean_wait_h is None
    assert ResultsFolder.open(tmp_path).run_summary.waits == summary.waits
