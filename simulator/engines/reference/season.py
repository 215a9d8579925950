"""One replication of a season, as a SimPy model.

The ``Season`` holds the state of one replication (shots, tasks, units, slots, costs) and
the handlers that change it. Timing lives in SimPy: shot releases, service, back-offs,
provisioning, idle timers, failure-and-repair cycles, spot preemptions and shift changes
are timeouts and plain generator processes; every change of state they cause is posted to
the ``Agenda``, which runs the changes due at one instant in the order DESIGN §1b fixes,
then calls ``end_of_round``: dispatch, provisioning decisions, idle releases.

The flow of shots and tasks is here: releases, stages, attempts, reviews and rework,
deliveries. The resources are run by collaborators that the ``Season`` makes and holds,
each given in its constructor exactly what it uses and calling the others only through
their named methods (SimPy's style: plain objects and processes, collaborators passed in):

* ``service`` (``simulator.engines.reference.service``): the waiting room, dispatch,
  service and interruptions, and the monitors of busy units and waiting tasks;
* ``failures`` (``simulator.engines.reference.failures``): GPU failures and repairs;
* ``cloud`` (``simulator.engines.reference.cloud``): provisioning, leases, idle releases
  and spot preemption;
* ``shifts`` (``simulator.engines.reference.shifts``): review-team head counts and
  overtime.

Each state object (a pool, a unit, a team, a slot, a task) is shared, not copied: the
season makes the pools and teams, and hands them to the collaborators that change them.

Randomness is addressed (``simulator.draws``): every draw is a pure function of the seed,
the replication and what it is for, so the order in which this code asks for draws does
not matter, and the batch kernel sees the same draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import partial

import simpy

from simulator.distributions import Constant
from simulator.draws import Purpose, Stream, pack_sub, uniform, uniforms
from simulator.engines.reference.agenda import Action, Agenda, EventClass
from simulator.engines.reference.cloud import CloudPools
from simulator.engines.reference.failures import GpuFailures
from simulator.engines.reference.resources import PoolState, Slot, TeamState, Unit
from simulator.engines.reference.service import MAX_PASS, Service
from simulator.engines.reference.shifts import Shifts
from simulator.engines.reference.tasks import Shot, Task
from simulator.engines.reference.tracing import end_event
from simulator.engines.trace import Outcome, TraceEvent, TraceKind
from simulator.model.policies import IndexPolicy, QueuePolicy, TaskFeatures
from simulator.model.season import (
    EpisodeModel,
    EpisodeStatus,
    Option,
    PoolKind,
    ReleasePattern,
    Resource,
    SeasonModel,
    ShotStatus,
    StageKind,
    StageModel,
)

__all__ = ["Season"]

_THROUGH_SERVICE = {EventClass.COMPLETION, EventClass.RELEASE, EventClass.BACKOFF}


class Season:
    """The state of one replication, the handlers of the flow of its shots, and the
    collaborators that run its resources: ``service`` (queueing, dispatch, service),
    ``failures``, ``cloud`` and ``shifts``, each given what it uses."""

    def __init__(
        self,
        model: SeasonModel,
        replication: int,
        *,
        policies: Mapping[str, QueuePolicy] | None = None,
        trace: list[TraceEvent] | None = None,
        on_round: Callable[[Season], None] | None = None,
    ) -> None:
        self.model = model
        self.on_round = on_round
        """Called with the season at the end of every round (invariant checks in tests)."""
        self.rep = replication
        self.seed = model.seed
        self.env = simpy.Environment(initial_time=model.now)
        self.agenda = Agenda(self.env, self._end_of_round)
        self.trace = trace
        n_ep = model.n_episodes
        self.pools = [PoolState(p, busy_by_episode=[0.0] * n_ep) for p in model.pools]
        for pool in self.pools:
            pool.units = [Unit(pool, k) for k in range(pool.model.gpus)]
        self.teams = [TeamState(t, busy_by_episode=[0.0] * n_ep) for t in model.teams]
        for team in self.teams:
            team.slots = [Slot(team, k) for k in range(team.model.max_people)]
        overrides = dict(policies or {})
        self.pool_policy: list[QueuePolicy] = [
            overrides.get(p.name, IndexPolicy(p.policy)) for p in model.pools
        ]
        self.team_policy: list[QueuePolicy] = [
            overrides.get(t.name, IndexPolicy(t.policy)) for t in model.teams
        ]
        self.shots: list[Shot] = []
        self.shots_left = [ep.n_shots for ep in model.episodes]
        self.delivered = [math.nan] * n_ep
        self.escaped = [0] * n_ep
        self.failed_shots = [0] * n_ep
        self.reworks = [0] * n_ep
        self.caught = [0] * n_ep
        self.frames = [0] * n_ep
        self.n_delivered = 0
        self.finished = self.env.event()
        self._remaining_known: dict[tuple[int, int], float] = {}
        """``_remaining_after`` by (stage, frames): shots share frame counts."""
        self.flow_count = 0
        self.flow_hours = 0.0
        """Shots through the pipeline and their hours from release to through."""
        self._assemble(trace)

    def _assemble(self, trace: list[TraceEvent] | None) -> None:
        """Make the collaborators, each given exactly what it uses."""
        model = self.model
        # Cloud units that became idle in this round: their idle timers start at its end.
        newly_idle: list[Unit] = []
        self.service = Service(
            self.env,
            self.agenda,
            model=model,
            pools=self.pools,
            teams=self.teams,
            complete=self._complete,
            newly_idle=newly_idle,
            trace=trace,
            seed=self.seed,
            replication=self.rep,
        )
        self.failures = GpuFailures(
            self.env,
            self.agenda,
            interrupt=self.service.interrupt,
            newly_idle=newly_idle,
            trace=trace,
            seed=self.seed,
            replication=self.rep,
            pools=self.pools,
            teams=self.teams,
            team_busy=self._team_busy,
        )
        self.cloud = CloudPools(
            self.env,
            self.agenda,
            model=model,
            pools=self.pools,
            waiting=self.service.waiting,
            failures=self.failures,
            interrupt=self.service.interrupt,
            newly_idle=newly_idle,
            trace=trace,
            seed=self.seed,
            replication=self.rep,
        )
        self.shifts = Shifts(
            self.env,
            self.agenda,
            teams=self.teams,
            horizon=model.horizon,
            interrupt=self.service.interrupt,
            trace=trace,
            pause_repair=self.failures.pause_repair,
        )

    def _team_busy(self, team: TeamState, delta: int) -> None:
        """A repair team's people at work change by ``delta`` (its busy monitor)."""
        key = self.service.team_keys[team.model.index]
        self.service.busy[key].add(float(self.env.now), delta)

    # --- set-up ---------------------------------------------------------------------

    def run(self) -> float:
        """Simulate to the last delivery or the horizon; return the end time."""
        self._schedule_releases()
        self.shifts.start()
        for pool in self.pools:
            if pool.model.kind == PoolKind.RESERVED:
                for unit in pool.units:
                    unit.leased = unit.ready = True
                    self.failures.arm(unit)
        self.cloud.start()
        # A round at the start even in a season with nothing due then (min_gpus, shifts).
        self.agenda.post(EventClass.SHIFT_CHANGE, (-1,), lambda: None)
        # The horizon is a moment of the season, whenever the run starts.
        horizon = self.env.timeout(self.model.horizon - self.model.now)
        self.env.run(until=simpy.AnyOf(self.env, [self.finished, horizon]))
        return float(self.env.now)

    def _stream(self, purpose: Purpose, owner: int, sub: int) -> Stream:
        return Stream(self.seed, self.rep, purpose, owner, sub)

    def _u(self, purpose: Purpose, owner: int, sub: int) -> float:
        return uniform(self.seed, self.rep, purpose, owner, sub)

    def _chance(self, p: float, purpose: Purpose, owner: int, sub: int) -> bool:
        """``u < p`` for the addressed uniform u. A draw whose outcome is certain is not
        made: draws are addressed, so skipping one changes no other."""
        if p <= 0.0:
            return False
        if p >= 1.0:
            return True
        return self._u(purpose, owner, sub) < p

    def _remaining_after(self, stage: int, frames: int) -> float:
        """Mean hours of the shot stages after ``stage`` and of every episode stage, each on
        its first option, added left to right (the kernel adds in the same order)."""
        known = self._remaining_known.get((stage, frames))
        if known is not None:
            return known
        total = 0.0
        for st in self.model.shot_stages[stage + 1 :]:
            total += st.options[0].mean_hours(frames)
        for st in self.model.episode_stages:
            total += st.options[0].mean_hours(0.0)
        self._remaining_known[(stage, frames)] = total
        return total

    # --- releases -------------------------------------------------------------------

    def _schedule_releases(self) -> None:
        """Create every shot (its frames and release) and put the season where it stands."""
        m = self.model
        start, now = m.start, m.now
        due: list[tuple[float, int]] = []
        """(time, shot id) of the releases to come."""
        for ep in m.episodes:
            releases = self._release_times(ep)
            for k, frames in enumerate(self._frame_counts(ep)):
                sid, release = ep.first_shot + k, releases[k]
                shot = Shot(sid, ep.index, frames, release)
                self.shots.append(shot)
                self.frames[ep.index] += frames
                status = start.shot_status[sid] if start is not None else ShotStatus.NOT_STARTED
                if status == ShotStatus.NOT_STARTED:
                    # The instant a timeout of ``release - now`` would fall on.
                    due.append((now + max(release - now, 0.0), sid))
                elif status == ShotStatus.AT_STAGE:
                    assert start is not None
                    shot.stage, shot.pass_ = start.shot_stage[sid], start.shot_pass[sid]
                    shot.attempt = start.shot_attempt[sid]
                    self.agenda.at(0.0, EventClass.RELEASE, (sid,), partial(self._release, sid))
                else:  # through or failed before now: done with the pipeline
                    shot.through = status == ShotStatus.THROUGH
                    shot.failed = status == ShotStatus.FAILED
                    self.shots_left[ep.index] -= 1
        for ep in m.episodes:
            key = (m.n_shots + ep.index,)
            ep_status = start.episode_status[ep.index] if start is not None else EpisodeStatus.OPEN
            if ep_status == EpisodeStatus.DELIVERED:
                assert start is not None
                self.delivered[ep.index] = start.episode_delivered[ep.index]
                self.n_delivered += 1
            elif ep_status == EpisodeStatus.AT_STAGE:
                assert start is not None
                self.agenda.at(
                    0.0,
                    EventClass.RELEASE,
                    key,
                    self._episode_resumes(ep.index, start.episode_stage[ep.index]),
                )
            elif self.shots_left[ep.index] == 0:  # no shots, or all of them done before now
                self.agenda.at(
                    ep.lock - now, EventClass.RELEASE, key, self._episode_ready(ep.index)
                )
        due.sort()
        self.agenda.feed(due, EventClass.RELEASE, self._release)
        if self.n_delivered == m.n_episodes:
            self.finished.succeed()

    def _frame_counts(self, ep: EpisodeModel) -> list[int]:
        """Each shot's frames: from the starting state, the scenario's list, or drawn."""
        start, first = self.model.start, ep.first_shot
        frames = list(ep.fixed_frames) or [0] * ep.n_shots
        if isinstance(ep.frames, Constant):  # draws nothing: no stream to make
            frames = [max(1, math.floor(ep.frames.value + 0.5))] * ep.n_shots
        elif ep.frames is not None:
            for k in range(ep.n_shots):
                if start is None or not start.shot_frames[first + k]:
                    x = ep.frames.sample(self._stream(Purpose.FRAMES, first + k, 0))
                    frames[k] = max(1, math.floor(x + 0.5))
        if start is not None:
            for k in range(ep.n_shots):
                frames[k] = start.shot_frames[first + k] or frames[k]
        return frames

    def _release_times(self, ep: EpisodeModel) -> list[float]:
        """Each shot's release: uniform in the window after the lock, a Poisson stream from
        the lock, or at the lock."""
        if ep.release == ReleasePattern.ALL_AT_ONCE:
            return [ep.lock] * ep.n_shots
        shots = range(ep.first_shot, ep.first_shot + ep.n_shots)
        draws = uniforms(self.seed, self.rep, Purpose.RELEASE, shots, 0)
        if ep.release == ReleasePattern.WINDOW:
            return [ep.lock + u * ep.window for u in draws]
        times, t = [], ep.lock
        for u in draws:
            t += -math.log(u) / ep.shots_per_hour
            times.append(t)
        return times

    def _release(self, shot_id: int) -> None:
        if self.trace is not None:
            self.trace.append(TraceEvent(float(self.env.now), TraceKind.RELEASE, task=shot_id))
        self._enter_stage(self.shots[shot_id])

    def _episode_resumes(self, episode: int, stage: int) -> Action:
        return lambda: self._enqueue_episode_stage(episode, stage)

    def _episode_ready(self, episode: int) -> Action:
        return lambda: self._shots_through(episode)

    # --- flow of a shot -------------------------------------------------------------

    def _enter_stage(self, shot: Shot) -> None:
        """Queue the shot at its current stage, skipping reviews it is not sampled for."""
        stages = self.model.shot_stages
        while shot.stage < len(stages):
            st = stages[shot.stage]
            if st.kind == StageKind.REVIEW:
                sub = pack_sub(st.index, min(shot.pass_, MAX_PASS), 0)
                if not self._chance(st.sample_rate, Purpose.REVIEW_SAMPLE, shot.id, sub):
                    shot.stage += 1
                    continue
            self.service.enqueue(self._shot_task(shot, st, shot.attempt))
            return
        shot.through = True
        self.flow_count += 1
        self.flow_hours += float(self.env.now) - shot.release
        self._shot_done(shot)

    def _shot_task(self, shot: Shot, st: StageModel, attempt: int) -> Task:
        ep = self.model.episodes[shot.episode]
        expected = st.options[0].mean_hours(shot.frames)
        remaining = expected + self._remaining_after(st.index, shot.frames)
        return self._task(
            shot.id, shot.episode, shot, st, shot.pass_, attempt, ep.deadline, expected, remaining
        )

    def _task(
        self,
        task_id: int,
        episode: int,
        shot: Shot | None,
        st: StageModel,
        pass_: int,
        attempt: int,
        deadline: float,
        expected: float,
        remaining: float,
    ) -> Task:
        now = float(self.env.now)
        ep = self.model.episodes[episode]
        policy = self._policy_for(st.options[0])
        if type(policy) is IndexPolicy:  # weighs numbers alone: no features to build
            key = policy.key_of(now, deadline, ep.priority, expected, remaining)
        else:
            features = TaskFeatures(
                now, deadline, ep.priority, expected, remaining, task_id, episode, st.name
            )
            key = policy.key(features)
        return Task(task_id, episode, shot, st, pass_, attempt, key, now, deadline, remaining)

    def _policy_for(self, option: Option) -> QueuePolicy:
        if option.resource == Resource.POOL:
            return self.pool_policy[option.index]
        return self.team_policy[option.index]

    def _shot_done(self, shot: Shot) -> None:
        self.shots_left[shot.episode] -= 1
        if self.shots_left[shot.episode] == 0:
            self._shots_through(shot.episode)

    def _shots_through(self, episode: int) -> None:
        if self.model.episode_stages:
            self._enqueue_episode_stage(episode, 0)
        else:
            self._deliver(episode)

    def _enqueue_episode_stage(self, episode: int, stage: int) -> None:
        m = self.model
        st = m.episode_stages[stage]
        expected = st.options[0].mean_hours(0.0)
        remaining = expected
        for later in m.episode_stages[stage + 1 :]:
            remaining += later.options[0].mean_hours(0.0)
        deadline = m.episodes[episode].deadline
        task = self._task(
            m.n_shots + episode, episode, None, st, 0, 0, deadline, expected, remaining
        )
        self.service.enqueue(task)

    def _deliver(self, episode: int) -> None:
        now = float(self.env.now)
        self.delivered[episode] = now
        ep = self.model.episodes[episode]
        self.escaped[episode] = sum(
            1
            for s in self.shots[ep.first_shot : ep.first_shot + ep.n_shots]
            if s.through and s.defects
        )
        if self.trace is not None:
            self.trace.append(
                TraceEvent(now, TraceKind.DELIVERED, task=self.model.n_shots + episode)
            )
        self.n_delivered += 1
        if self.n_delivered == self.model.n_episodes and not self.finished.triggered:
            self.finished.succeed()

    # --- outcomes of service ----------------------------------------------------------

    def _complete(self, task: Task) -> None:
        """A task's service ended (its units or slot are free again): what comes next."""
        st = task.stage
        if st.kind == StageKind.EPISODE:
            self._record_end(task, Outcome.DONE)
            nxt = st.index + 1
            if nxt < len(self.model.episode_stages):
                self._enqueue_episode_stage(task.episode, nxt)
            else:
                self._deliver(task.episode)
            return
        shot = task.shot
        assert shot is not None
        if st.kind == StageKind.GPU and (st.failure_probability or st.defect_probability):
            sub = pack_sub(st.index, min(task.pass_, MAX_PASS), task.attempt)
            if self._chance(st.failure_probability, Purpose.ATTEMPT_FAILURE, shot.id, sub):
                self._record_end(task, Outcome.FAILED)
                self._attempt_failed(shot, st)
                return
            if self._chance(st.defect_probability, Purpose.DEFECT, shot.id, sub):
                shot.defects |= 1 << st.index
        elif st.kind == StageKind.REVIEW:
            if self._rejects(shot, st):
                self._record_end(task, Outcome.REJECTED)
                self._rework(shot, st)
                return
            self._record_end(task, Outcome.APPROVED)
        if st.kind != StageKind.REVIEW:
            self._record_end(task, Outcome.DONE)
        # A success, a passed review or a finished fallback: on to the next stage.
        shot.stage += 1
        shot.attempt = 0
        self._enter_stage(shot)

    def _record_end(self, task: Task, outcome: Outcome) -> None:
        if self.trace is not None:
            self.trace.append(end_event(self.model, float(self.env.now), task, outcome))

    def _attempt_failed(self, shot: Shot, st: StageModel) -> None:
        shot.attempt += 1
        if self.trace is not None:
            failed = TraceKind.ATTEMPT_FAILED
            now = float(self.env.now)
            self.trace.append(
                TraceEvent(now, failed, task=shot.id, stage=st.index, attempt=shot.attempt)
            )
        if shot.attempt < st.max_attempts:
            if st.backoff > 0.0:
                self.agenda.at(
                    st.backoff,
                    EventClass.BACKOFF,
                    (shot.id,),
                    lambda: self.service.enqueue(self._shot_task(shot, st, shot.attempt)),
                )
            else:
                self.service.enqueue(self._shot_task(shot, st, shot.attempt))
        elif st.fallback >= 0:
            fb = self.model.fallbacks[st.fallback]
            self.service.enqueue(self._fallback_task(shot, st, fb))
        else:
            shot.failed = True
            self.failed_shots[shot.episode] += 1
            if self.trace is not None:
                now = float(self.env.now)
                self.trace.append(
                    TraceEvent(now, TraceKind.SHOT_FAILED, task=shot.id, stage=st.index)
                )
            self._shot_done(shot)

    def _fallback_task(self, shot: Shot, st: StageModel, fb: StageModel) -> Task:
        # A fallback's stage index is that of the GPU stage it stands in for, so its draw
        # address (FALLBACK, shot, stage, pass) names the stage the artists redo.
        stand_in = StageModel(st.index, fb.name, StageKind.FALLBACK, fb.options)
        ep = self.model.episodes[shot.episode]
        expected = fb.options[0].mean_hours(shot.frames)
        remaining = expected + self._remaining_after(st.index, shot.frames)
        return self._task(
            shot.id, shot.episode, shot, stand_in, shot.pass_, 0, ep.deadline, expected, remaining
        )

    def _rejects(self, shot: Shot, st: StageModel) -> bool:
        round_ = shot.rounds.get(st.index, 0)
        if 0 <= st.max_rounds <= round_:
            return False
        sub = pack_sub(st.index, min(shot.pass_, MAX_PASS), 0)
        p = st.catch_probability if shot.defects else st.reject_probability(round_)
        return self._chance(p, Purpose.REVIEW_VERDICT, shot.id, sub)

    def _rework(self, shot: Shot, st: StageModel) -> None:
        shot.rounds[st.index] = shot.rounds.get(st.index, 0) + 1
        shot.pass_ += 1
        self.reworks[shot.episode] += 1
        if shot.defects:
            self.caught[shot.episode] += 1
        target = st.rework_target(shot.defects)
        shot.defects &= (1 << target) - 1  # rework to S clears the flags of S and later
        shot.stage = target
        shot.attempt = 0
        if self.trace is not None:
            now = float(self.env.now)
            rework = TraceEvent(now, TraceKind.REWORK, task=shot.id, stage=st.index, back_to=target)
            self.trace.append(rework)
        self._enter_stage(shot)

    # --- rounds ---------------------------------------------------------------------

    def _end_of_round(self, idle_releases: list[Action]) -> None:
        self.failures.start_repairs()
        # Completions, releases and back-offs free capacity and queue work only through the
        # service, which notes where; any other event may have freed capacity anywhere.
        self.service.dispatch(everywhere=not self.agenda.classes <= _THROUGH_SERVICE)
        if self.cloud.pools:  # idle releases and idle units are cloud units'
            self.cloud.end_of_round(idle_releases)
        if self.on_round is not None:
            self.on_round(self)

    # --- end of run -----------------------------------------------------------------

    def close(self, end: float) -> None:
        """Book the busy time of work still in service (a run cut off at the horizon), then
        close open leases (billed with rounding) and overtime."""
        self.service.close(end)
        self.cloud.close()
        self.shifts.close(end)
        self.failures.close(end)
