"""A replication's memory in the batch kernel: where its scratch arrays and its outputs lie.

The kernel allocates nothing: the host lays out one replication's working memory (8-byte
words) and its outputs before anything runs, and writes the offsets into the header
(``simulator.engines.packing``). The event heap and the task records are the parts whose
size depends on the run: their first sizes are estimated here from the model.
"""

from __future__ import annotations

from kernels.layout import DEFINES, LAYOUT
from simulator.model.season import PoolKind, ReleasePattern, SeasonModel

__all__ = ["first_heap_capacity", "first_task_capacity", "output_layout", "scratch_layout"]


def scratch_layout(**n: int) -> dict[str, int]:
    """Header slots of a replication's scratch: the word offset of each array (every array
    starts on a word; int32 arrays take half words, 16-bit ones quarter words, bytes an
    eighth), the scratch's size, and the room of the heap, the idle list and the task
    records. ``drawn_releases`` is how many shots have a release time drawn per replication
    (all or none: a shot released all at once with its episode is released at the lock),
    ``ordered_releases`` how many shots the release streams order (all or none: without a
    starting state or a window, the shots are in release order already)."""
    slots: dict[str, int] = {}
    at = 0

    def words(name: str, count: int) -> None:
        nonlocal at
        slots[name] = at
        at += count

    def halves(name: str, count: int) -> None:
        words(name, (count + 1) // 2)

    def quarters(name: str, count: int) -> None:
        words(name, (count + 3) // 4)

    def eighths(name: str, count: int) -> None:
        words(name, (count + 7) // 8)

    task_d = len(LAYOUT["rs_task_d"]) - 1
    task_i = len(LAYOUT["rs_task_i"]) - 1
    task_h = len(LAYOUT["rs_task_h"]) - 1
    halves("RS_H_S_SHOT_FRAMES", n["n_shots"])
    words("RS_H_S_SHOT_RELEASE", n["drawn_releases"])
    for name in ("STAGE", "ATTEMPT", "FLAG"):
        quarters(f"RS_H_S_SHOT_{name}", n["n_shots"])
    eighths("RS_H_S_SHOT_STATE", n["n_shots"])
    halves("RS_H_S_SHOT_PASS", n["n_shots"])
    eighths("RS_H_S_SHOT_ROUNDS", n["n_shots"] * n["n_reviews"])
    # task records for task_capacity tasks at once, and a spare one
    words("RS_H_S_TASK_D", (n["task_capacity"] + 1) * task_d)
    halves("RS_H_S_TASK_I", (n["task_capacity"] + 1) * task_i)
    quarters("RS_H_S_TASK_H", (n["task_capacity"] + 1) * task_h)
    halves("RS_H_S_TASK_RECORD", n["n_tasks"])
    halves("RS_H_S_TASK_FREE", n["task_capacity"])
    halves("RS_H_S_WAIT_COUNT", n["n_res"])
    halves("RS_H_S_WAIT_HEAD", n["n_res"])
    halves("RS_H_S_WAIT_LISTS", n["wait_total"])
    words("RS_H_S_UNIT_D", n["n_units"] * (len(LAYOUT["rs_unit_d"]) - 1))
    halves("RS_H_S_UNIT_I", n["n_units"] * (len(LAYOUT["rs_unit_i"]) - 1))
    words("RS_H_S_UNIT_L", n["n_units"] * (len(LAYOUT["rs_unit_l"]) - 1))
    words("RS_H_S_POOL_D", n["n_pools"] * (len(LAYOUT["rs_pool_state_d"]) - 1))
    halves("RS_H_S_POOL_I", n["n_pools"] * (len(LAYOUT["rs_pool_state_i"]) - 1))
    words("RS_H_S_SLOT_D", n["n_slots"])
    halves("RS_H_S_SLOT_I", n["n_slots"])
    halves("RS_H_S_TEAM_I", n["n_teams"] * (len(LAYOUT["rs_team_state_i"]) - 1))
    words("RS_H_S_MONITOR_D", 2 * n["n_res"] * (len(LAYOUT["rs_monitor_d"]) - 1))
    halves("RS_H_S_EPISODE_I", n["n_eps"])
    halves("RS_H_S_IDLE", n["idle_capacity"])
    halves("RS_H_S_RELEASE_ORDER", n["ordered_releases"])
    halves("RS_H_S_RELEASE_NEXT", 2 * n["n_eps"])
    words("RS_H_S_HEAP", n["heap_capacity"] * DEFINES["RS_EVENT_WORDS"])
    slots["RS_H_SCRATCH_WORDS"] = max(at, 1)
    slots["RS_H_HEAP_CAPACITY"] = n["heap_capacity"]
    slots["RS_H_IDLE_CAPACITY"] = n["idle_capacity"]
    slots["RS_H_TASK_CAPACITY"] = n["task_capacity"]
    return slots


def output_layout(
    *, n_eps: int, n_pools: int, n_teams: int, n_days: int, n_stages: int
) -> dict[str, int]:
    """Header slots of a replication's outputs: offsets within out_d and out_i, and their
    sizes. The per-stage outputs of layout version 4 come after the older ones."""
    slots: dict[str, int] = {}
    n_res = n_pools + n_teams
    at = 0
    for name, count in (
        ("RS_H_OD_END", 1),
        ("RS_H_OD_DELIVERED", n_eps),
        ("RS_H_OD_POOL_BUSY", n_pools * n_eps),
        ("RS_H_OD_POOL_BILLED", n_pools),
        ("RS_H_OD_TEAM_BUSY", n_teams * n_eps),
        ("RS_H_OD_TEAM_OVERTIME", n_teams),
        ("RS_H_OD_WAIT_HOURS", n_res),
        ("RS_H_OD_QUEUE_AREA", n_res),
        ("RS_H_OD_BUSY_BINS", n_res * n_days),
        ("RS_H_OD_QUEUE_BINS", n_res * n_days),
        ("RS_H_OD_FLOW_HOURS", 1),
        ("RS_H_OD_STAGE_WAIT_HOURS", n_stages),
        ("RS_H_OD_STAGE_VISIT_HOURS", n_stages),
        ("RS_H_OD_STAGE_QUEUED_HOURS", n_stages),
        ("RS_H_OD_DOWN_HOURS", n_pools),
        ("RS_H_OD_REPAIR_WAIT_HOURS", n_pools),
    ):
        slots[name] = at
        at += count
    slots["RS_H_OUT_D_WORDS"] = at
    at = 0
    for name, count in (
        ("RS_H_OI_STATUS", 1),
        ("RS_H_OI_EVENTS", 1),
        ("RS_H_OI_ESCAPED", n_eps),
        ("RS_H_OI_FAILED", n_eps),
        ("RS_H_OI_REWORKS", n_eps),
        ("RS_H_OI_CAUGHT", n_eps),
        ("RS_H_OI_ATTEMPTS", n_eps),
        ("RS_H_OI_FRAMES", n_eps),
        ("RS_H_OI_WAIT_COUNT", n_res),
        ("RS_H_OI_FLOW_COUNT", 1),
        ("RS_H_OI_PREEMPTIONS", n_pools),
        ("RS_H_OI_FAILURES", n_pools),
        ("RS_H_OI_CLASS_COUNTS", DEFINES["RS_N_CLASSES"]),
        ("RS_H_OI_TIES", DEFINES["RS_N_TIES"]),
        ("RS_H_OI_STAGE_WAIT_COUNT", n_stages),
        ("RS_H_OI_STAGE_VISITS", n_stages),
        ("RS_H_OI_STAGE_QUEUED", n_stages),
        ("RS_H_OI_CREW_REPAIRS", n_pools),
    ):
        slots[name] = at
        at += count
    slots["RS_H_OUT_I_WORDS"] = at
    return slots


def first_task_capacity(model: SeasonModel) -> int:
    """First estimate of the tasks in progress at once (released and not yet through).

    An episode released all at once, or over a window, puts all its shots in progress
    within hours, so the largest such episode and some room is a floor; beyond it, a
    sixteenth of the tasks and some room, and all of a small season's. A replication that
    needs more records is run again with twice the room, as one that fills the heap is
    (the most in progress: 203 of 2,010 tasks in 2,000 replications of season-hybrid, 264
    laid out; 110 of 123 in 1,000 of onprem-repairs, all laid out; 125 of 200,002 in 20
    of the M/M/3)."""
    at_once = max(
        (ep.n_shots for ep in model.episodes if ep.release != ReleasePattern.POISSON),
        default=0,
    )
    return max(at_once + 64, (model.n_shots + model.n_episodes) // 16 + 64, 256)


def first_heap_capacity(model: SeasonModel, n_units: int, task_capacity: int) -> int:
    """First estimate of the events pending at once: what can be live, and room for the
    voided events that wait in the heap until their time.

    Live: a completion or a back-off per task in progress (``task_capacity``); the next shot
    release and the episode's own per episode (shot releases wait in a stream per
    episode); a failure, a repair, a provisioning and an idle timer per unit; a notice and
    a take per pool; a head-count step per team, and the first round's event.
    Voided: every change of a spot pool's exposure posts a new preemption notice and voids
    the last, which still waits until its time, weeks ahead at the rates seen; 32 a
    preemptible GPU. Voided completions, failures and idle timers: 64. On season-hybrid
    that is 1,583 events; the most pending in 2,000 replications was 1,455, nearly all of
    them voided notices (1,157 of 1,313 at one replication's peak).
    A replication that fills the heap anyway is run again with twice the room."""
    preemptible = sum(
        p.gpus for p in model.pools if p.kind == PoolKind.SPOT and p.preemptions_per_gpu_hour > 0.0
    )
    live = (
        task_capacity
        + 2 * model.n_episodes
        + 4 * n_units
        + 2 * len(model.pools)
        + len(model.teams)
        + 1
    )
    return live + 32 * preemptible + 64
