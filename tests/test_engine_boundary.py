"""The engine boundary: the raw record both engines return, the one accounting that costs
it, the typed trace events and the one resource key (DESIGN §3 "The engine boundary")."""

from __future__ import annotations

import dataclasses
import math
import typing
from pathlib import Path

import pytest

from kernels.layout import DEFINES, LAYOUT
from simulator import Work, compile_season, load_scenario
from simulator.engines.accounting import account, share
from simulator.engines.kernel import KERNEL_ONLY_OUTPUTS, OUTPUTS, output_sizes, pack
from simulator.engines.raw import RawReplication, days_until
from simulator.engines.reference.engine import run_raw
from simulator.engines.trace import Cause, Outcome, TraceEvent, TraceKind, stages
from simulator.model.resources import ResourceKey, resource_keys, resource_labels
from simulator.model.season import Resource, SeasonModel
from simulator.results.runs import TRACE_COLUMNS, simulate
from simulator.scenario import load_yaml
from simulator.scenario.load import parse_scenario
from simulator.testing.agreement import raw_difference

ROOT = Path(__file__).parents[1]
HYBRID = ROOT / "scenarios" / "season-hybrid.yaml"

SMALL = """
name: t
calendar: {start: 2027-01-04}
shows:
  s:
    episodes:
      - {name: e1, lock: "0h", deadline: "10d", shots: 2}
      - {name: e2, lock: "0h", deadline: "4d", shots: 1}
    frames_per_shot: 10
shot_stages:
  render:
    kind: gpu
    options: [{pool: gpu, seconds_per_frame: 360}, {pool: burst, seconds_per_frame: 360}]
  look: {kind: review, team: sup, minutes_per_shot: 30}
pools:
  gpu: {gpus: 2, price_per_gpu_hour: 2}
  burst: {kind: on_demand, gpus: 4, price_per_gpu_hour: 5}
teams:
  sup: {around_the_clock: 1, hourly_rate: 10, overtime_rate: 30}
penalties: {escaped_defect: 100, failed_shot: 1000, late_per_day: 240}
run: {horizon: "30d", seed: 1}
"""


def small() -> SeasonModel:
    data, positions = load_yaml(SMALL, "<test>")
    return compile_season(parse_scenario(data, positions, source="<test>", base_dir=Path(".")))


# --- the kernel's outputs are the raw record's fields -----------------------------------


def test_every_kernel_output_is_a_named_field_of_the_raw_record() -> None:
    fields = {f.name: f for f in dataclasses.fields(RawReplication)}
    assert set(OUTPUTS) == set(fields) - {"replication"}
    slots = [name for name in LAYOUT["rs_header"] if name.startswith(("RS_H_OD_", "RS_H_OI_"))]
    assert sorted([*OUTPUTS.values(), *KERNEL_ONLY_OUTPUTS]) == sorted(slots)
    hints = typing.get_type_hints(RawReplication)
    for name, slot in OUTPUTS.items():
        counts = "int" in str(hints[name])
        assert slot.startswith("RS_H_OI_" if counts else "RS_H_OD_"), (name, slot)


@pytest.mark.parametrize("path", [HYBRID, None], ids=["hybrid", "small"])
def test_the_output_rows_hold_each_field_at_its_offset_and_size(path: Path | None) -> None:
    """Laid end to end by offset, the fields (and the kernel's own counts) fill the output
    rows exactly: each one is as long as the raw record says."""
    model = compile_season(load_scenario(path)) if path else small()
    packed = pack(model)
    sizes = {OUTPUTS[name]: n for name, n in output_sizes(model, packed.n_days).items()}
    sizes["RS_H_OI_STATUS"] = 1
    sizes["RS_H_OI_CLASS_COUNTS"] = DEFINES["RS_N_CLASSES"]
    sizes["RS_H_OI_TIES"] = DEFINES["RS_N_TIES"]
    for prefix, words in (("RS_H_OD_", "RS_H_OUT_D_WORDS"), ("RS_H_OI_", "RS_H_OUT_I_WORDS")):
        slots = sorted((s for s in sizes if s.startswith(prefix)), key=packed.header)
        at = 0
        for slot in slots:
            assert packed.header(slot) == at, slot
            at += sizes[slot]
        assert at == packed.header(words)


# --- accounting ---------------------------------------------------------------------------


def test_a_shared_cost_goes_to_episodes_by_their_busy_hours() -> None:
    assert share(90.0, [1.0, 2.0, 0.0]) == [30.0, 60.0, 0.0]
    assert share(90.0, [0.0, 0.0, 0.0]) == [30.0, 30.0, 30.0]  # nobody used it: evenly
    assert share(90.0, []) == []


def _raw(model: SeasonModel, **changes: object) -> RawReplication:
    n_res = len(resource_keys(model))
    raw = RawReplication(
        replication=7,
        end=48.0,
        events=10,
        delivered=[30.0, 120.0],
        pool_busy=[[3.0, 1.0], [0.0, 0.0]],
        pool_billed_cost=[0.0, 12.5],
        team_busy=[[1.0, 0.0]],
        team_overtime=[2.0],
        wait_count=[3, 0, 2],
        wait_hours=[1.5, 0.0, 4.0],
        queue_area=[1.5, 0.0, 4.0],
        busy_bins=[[24.0, 12.0]] * n_res,
        queue_bins=[[6.0, 0.0]] * n_res,
        flow_count=3,
        flow_hours=9.0,
        escaped=[1, 0],
        failed=[0, 2],
        reworks=[0, 0],
        caught=[0, 0],
        attempts=[2, 1],
        frames=[20, 10],
        preemptions=[0, 1],
        gpu_failures=[2, 3],
        stage_wait_count=[3, 2],
        stage_wait_hours=[1.5, 4.0],
        stage_visits=[2, 1],
        stage_visit_hours=[5.0, 1.0],
        stage_queued=[2, 1],
        stage_queued_hours=[0.5, 0.25],
        down_hours=[5.0, 0.0],
        repair_wait_hours=[1.25, 0.0],
        crew_repairs=[2, 0],
    )
    return dataclasses.replace(raw, **changes)  # type: ignore[arg-type]


def test_accounting_applies_the_cost_rules_of_the_design() -> None:
    model = small()
    r = account(model, _raw(model))
    # Reserved: 2 GPUs x 2 USD over [0, max(end 48 h, season end 10 d = 240 h)], shared
    # 3:1 by busy unit-hours.
    assert r.cost["reserved_gpu"] == [2 * 2.0 * 240.0 * 0.75, 2 * 2.0 * 240.0 * 0.25]
    # Cloud: what the leases were billed; nobody used it, so evenly.
    assert r.cost["cloud_gpu"] == [6.25, 6.25]
    # People: one person around the clock for 240 h at 10 USD; overtime 2 h at 30 USD.
    assert r.cost["people"] == [2400.0, 0.0]
    assert r.cost["overtime"] == [60.0, 0.0]
    # e2 (deadline 4 d = 96 h) delivered at 120 h: 24 h late at 10 USD an hour.
    assert r.lateness_hours == [0.0, 24.0]
    assert r.cost["lateness"] == [0.0, 240.0]
    assert r.cost["failed_shots"] == [0.0, 2000.0]
    assert r.cost["escaped_defects"] == [100.0, 0.0]
    assert r.busy_hours == {"pool:gpu": 4.0, "pool:burst": 0.0, "team:sup": 1.0}
    assert r.available_hours["pool:gpu"] == 2 * 48.0
    assert r.daily_busy["team:sup"] == [1.0, 0.5]  # areas over 24 h days
    assert r.waits["team:sup"] == (2, 4.0)
    assert (r.replication, r.events, r.flow) == (7, 10, (3, 9.0))
    assert (r.preemptions, r.gpu_failures) == (1, 5)
    # Per stage, by its key; tasks still queued per resource are those of the stages whose
    # first option it is (render's is the gpu pool, even with burst as a second option).
    assert r.stage_waits == {"stage:render": (3, 1.5), "stage:look": (2, 4.0)}
    assert r.stage_visits == {"stage:render": (2, 5.0), "stage:look": (1, 1.0)}
    assert r.stage_queued == {"stage:render": (2, 0.5), "stage:look": (1, 0.25)}
    assert r.queued == {"pool:gpu": 2, "pool:burst": 0, "team:sup": 1}
    assert r.down_hours == {"pool:gpu": 5.0, "pool:burst": 0.0}
    assert r.repair_wait_hours == {"pool:gpu": 1.25, "pool:burst": 0.0}
    assert r.crew_repairs == 2


def test_an_episode_not_delivered_pays_lateness_to_the_horizon() -> None:
    model = small()
    r = account(model, _raw(model, delivered=[30.0, math.nan]))
    assert r.lateness_hours[1] == model.horizon - model.episodes[1].deadline
    assert math.isnan(r.delivery[1])


def test_the_daily_bins_cover_the_days_the_run_touched() -> None:
    assert [days_until(t) for t in (0.0, 1.0, 24.0, 24.5, 48.0)] == [1, 1, 1, 2, 2]
    model = small()
    raw = run_raw(model, 0)
    assert all(len(bins) == days_until(raw.end) for bins in raw.busy_bins + raw.queue_bins)


# --- naming a difference --------------------------------------------------------------------


def test_a_difference_in_the_raw_record_is_named_by_its_accumulator() -> None:
    model = compile_season(load_scenario(HYBRID))
    raw = run_raw(model, 0)
    assert raw_difference(model, raw, dataclasses.replace(raw)) is None
    spot = next(p for p in model.pools if p.name == "h100-spot")
    billed = list(raw.pool_billed_cost)
    billed[spot.index] += 1.0
    found = raw_difference(model, raw, dataclasses.replace(raw, pool_billed_cost=billed))
    assert found == (
        f"replication 0: billed cost of closed cloud leases (USD) of pool h100-spot: "
        f"a {raw.pool_billed_cost[spot.index]!r} != b {billed[spot.index]!r}"
    )
    busy = [list(row) for row in raw.pool_busy]
    busy[0][1] *= 1 + 1e-12  # within RELATIVE
    assert raw_difference(model, raw, dataclasses.replace(raw, pool_busy=busy)) is None
    busy[0][1] += 1.0
    found = raw_difference(model, raw, dataclasses.replace(raw, pool_busy=busy), ("CPU", "GPU"))
    episode = model.episodes[1].name
    assert f"busy unit-hours of pool {model.pools[0].name}, episode {episode}: CPU " in str(found)
    bins = [list(b) for b in raw.queue_bins]
    bins[-1][0] += 1.0
    found = raw_difference(model, raw, dataclasses.replace(raw, queue_bins=bins))
    assert f"of team {model.teams[-1].name} on day 0:" in str(found)
    visits = list(raw.stage_visits)
    visits[-1] += 1
    found = raw_difference(model, raw, dataclasses.replace(raw, stage_visits=visits))
    assert f"visits whose service ended of stage {stages(model)[-1].name}: a " in str(found)


# --- resource keys ----------------------------------------------------------------------------


def test_a_resource_key_is_a_value_with_one_label() -> None:
    model = small()
    keys = resource_keys(model)
    assert keys == (
        ResourceKey(Resource.POOL, 0),
        ResourceKey(Resource.POOL, 1),
        ResourceKey(Resource.TEAM, 0),
    )
    assert resource_labels(model) == ["pool:gpu", "pool:burst", "team:sup"]
    assert [k.position(model) for k in keys] == [0, 1, 2]
    assert sorted([keys[2], keys[0], keys[1]]) == list(keys)  # pools sort before teams
    assert {ResourceKey(Resource.TEAM, 0): 1}[keys[2]] == 1
    assert keys[1].name(model) == "burst"


# --- trace events -----------------------------------------------------------------------------


def test_the_trace_is_typed_events_with_resources_and_stages() -> None:
    model = small()
    trace: list[TraceEvent] = []
    run_raw(model, 0, trace=trace)
    starts = [e for e in trace if e.kind == TraceKind.START]
    assert [stages(model)[e.stage].name for e in starts if e.stage is not None] == [
        "render",
        "render",
        "render",
        "look",
        "look",
        "look",
    ]
    # Two shots on the reserved GPUs, one burst to the cloud; every review by the team.
    assert [e.resource for e in starts].count(resource_keys(model)[1]) == 1
    assert {e.resource for e in starts} == set(resource_keys(model))
    ends = [e for e in trace if e.kind == TraceKind.END]
    assert all(e.started is not None and e.started <= e.time for e in ends)
    delivered = [e.task for e in trace if e.kind == TraceKind.DELIVERED]
    assert sorted(delivered) == [model.n_shots, model.n_shots + 1]


def test_the_kernel_trace_codes_are_the_trace_event_types() -> None:
    """Causes and outcomes are read from the kernel source by name: each one there is one
    of the trace events' (a cause added to the kernel alone fails here)."""
    causes = {name.removeprefix("RS_CAUSE_") for name in DEFINES if name.startswith("RS_CAUSE_")}
    assert causes == {cause.name for cause in Cause}
    outcomes = {name.removeprefix("RS_OUT_") for name in LAYOUT["rs_outcome"]}
    assert outcomes == {outcome.name for outcome in Outcome}


def test_the_trace_table_keeps_typed_columns_and_a_sentence() -> None:
    run = simulate(load_scenario(HYBRID), Work(replications=1, engine="reference"), trace=True)
    frame = run.trace_frame()
    assert tuple(frame.columns) == TRACE_COLUMNS
    assert len(frame) == len(run.traces[0])
    starts = frame[frame["event"] == "start"]
    labels = set(resource_labels(run.model))
    assert set(starts["resource"]) <= labels
    assert set(starts["stage"]) <= {st.name for st in stages(run.model)}
    first = starts.iloc[0]
    assert first["detail"].startswith(f"task {first['task']} {first['stage']} on ")
    assert frame["detail"].str.len().min() > 0
    ends = frame[frame["event"] == "end"]
    assert set(ends["outcome"]) <= {"done", "failed", "rejected", "approved"}
    assert str(frame["task"].dtype) == "Int64"
    reworks = frame[frame["event"] == "rework"]
    assert len(reworks) > 0
    shot_stage_names = {st.name for st in run.model.shot_stages}
    assert set(reworks["back_to"]) <= shot_stage_names
    assert frame.loc[frame["event"] != "rework", "back_to"].isna().all()
