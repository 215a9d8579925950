"""The scenario language: what a planner writes, as frozen pydantic models.

A scenario is one YAML file describing a studio's season (or a slate of shows that share
GPU pools and review teams)::

    calendar      start date and studio holidays: hours from the start map to dates
    shows         per show, its episodes: picture lock (release), delivery deadline,
                  shots and frames per shot
    shot_stages   the pipeline every shot passes, in order: GPU stages (models on pools)
                  and review stages (a team, or a QC model on a pool) that send shots back
    episode_stages  conform, final QC, compliance: once all of an episode's shots are through
    pools         GPUs: reserved, on-demand or spot, with prices, failures and repairs
    teams         people on shifts with hourly and overtime rates
    policy        how queues are ordered, which pool takes a task, when to burst to cloud
    penalties     escaped defects, failed shots, lateness
    run           seed, replications, horizon, confidence level

These models hold the file as written (durations already in hours, dates as dates).
``simulator.model.season`` turns a validated scenario into the flat, index-based season model
that both engines run. Cross-references between parts (a stage naming a pool) are checked
by ``check_references`` so that each problem carries the path of the value at fault.

Units live in key names (``seconds_per_frame``, ``price_per_gpu_hour``) or in the value
of a duration (``"90s"``, ``"4h"``, ``"3d"``): see ``simulator.units``. Every value has a
range, beside its key here or in its type (``_values``), so that no value a scenario may
hold can overflow a sum, stall a sampler or outgrow a draw address.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simulator.distributions import DistributionSpec
from simulator.scenario._calendars import Calendar, Holidays, PublicHolidays, Shift, TimeZone
from simulator.scenario._shows import Episode, EpisodeSeries, Release, ShotRecord, Show
from simulator.scenario._values import (
    MAX_PREEMPTIONS_PER_GPU_HOUR,
    MIN_HOURS_BETWEEN_FAILURES,
    BillingIncrement,
    Description,
    Duration,
    Frozen,
    Label,
    MeanAtLeast,
    Money,
    Name,
    Probability,
    Title,
    Weight,
)

__all__ = [
    "BUILTIN_POLICIES",
    "REWORK_TO_ORIGIN",
    "Burst",
    "Calendar",
    "Episode",
    "EpisodeSeries",
    "EpisodeStage",
    "Failures",
    "Fallback",
    "GpuOption",
    "GpuStage",
    "IndexWeights",
    "Penalties",
    "Policy",
    "Pool",
    "PublicHolidays",
    "Release",
    "RepairCrew",
    "ReviewStage",
    "RunSettings",
    "Scenario",
    "Shift",
    "ShotRecord",
    "Show",
    "Team",
]


# --- resources ------------------------------------------------------------------------


class Failures(Frozen):
    """GPU failures and repairs, per unit. A failure loses the work in flight."""

    time_between_failures_hours: Annotated[
        DistributionSpec, AfterValidator(MeanAtLeast(MIN_HOURS_BETWEEN_FAILURES, "h"))
    ]
    """Hours a unit runs from ready or repaired to its next failure."""
    repair_hours: DistributionSpec
    """Hours a failed unit is down."""


class RepairCrew(Frozen):
    """Who repairs a pool's failed units, which wait in failure order; give one of the two."""

    repairers: Annotated[int, Field(ge=1, le=65_535)] | None = None
    """How many units can be under repair at once, at any hour."""
    team: Name | None = None
    """A team whose people on duty are the repairers (it works on no stage)."""


class IndexWeights(Frozen):
    """A queue key as a weighted sum of task features (all in hours, priority unitless).

    The waiting task with the smallest key goes first. ``fifo`` is ``arrival: 1``,
    ``edf`` is ``deadline: 1``, ``priority`` is ``priority: -1``, ``sjf`` is
    ``expected_work: 1`` and ``least_slack`` is ``deadline: 1, remaining_work: -1``.
    """

    arrival: Weight = 0.0
    """Weight of the time the task entered the queue."""
    deadline: Weight = 0.0
    """Weight of the task's episode deadline."""
    priority: Weight = 0.0
    """Weight of the episode's priority (negative: larger goes first)."""
    expected_work: Weight = 0.0
    """Weight of the task's mean hours on its stage's first option."""
    remaining_work: Weight = 0.0
    """Weight of the mean hours of this and every later stage."""


BUILTIN_POLICIES: dict[str, IndexWeights] = {
    "fifo": IndexWeights(arrival=1.0),
    "edf": IndexWeights(deadline=1.0),
    "priority": IndexWeights(priority=-1.0),
    "sjf": IndexWeights(expected_work=1.0),
    "least_slack": IndexWeights(deadline=1.0, remaining_work=-1.0),
}

QueuePolicy = Literal["fifo", "edf", "priority", "sjf", "least_slack"] | IndexWeights


class Pool(Frozen):
    """Identical GPUs with one hourly price.

    ``reserved``: ``gpus`` units, paid every hour of the season.
    ``on_demand`` / ``spot``: up to ``gpus`` units, provisioned when work waits, paid from
    provisioning to release (rounded up to ``billing_increment``, at least
    ``billing_minimum``), released after ``idle_timeout``; ``min_gpus`` stay provisioned.
    ``spot`` units are preempted at ``preemptions_per_gpu_hour`` per provisioned unit-hour,
    ``preemption_batch`` units at a time, after ``preemption_notice``.
    """

    label: Label = ""
    """What people call it, shown instead of its name in the terminal, plots and reports."""

    kind: Literal["reserved", "on_demand", "spot"] = "reserved"
    """``reserved`` (owned or committed), ``on_demand`` or ``spot`` (cloud)."""
    gpu: Title = ""
    """What the GPU is, for people ("H100 80GB SXM")."""
    gpus: Annotated[int, Field(ge=0, le=65_535)]
    """Reserved: how many GPUs. Cloud: the most that may be leased at once."""
    min_gpus: Annotated[int, Field(ge=0, le=65_535)] = 0
    """Cloud: units kept leased even when idle."""
    price_per_gpu_hour: Money | None = None
    """USD per GPU-hour (filled from ``price`` when that is given)."""
    price: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """A key into the scenario's ``prices`` file; loading fills ``price_per_gpu_hour``
    from it (when both are written they must agree)."""
    billing_increment: BillingIncrement = 1.0 / 3600.0
    """Cloud: leases are billed in whole increments of this."""
    billing_minimum: Duration = 1.0 / 60.0
    """Cloud: the least a lease is billed."""
    provisioning_delay: Duration = 0.0
    """Cloud: from the lease (billing starts) to the unit being usable."""
    idle_timeout: Duration = 1.0 / 6.0
    """Cloud: a unit idle this long is released."""
    preemptions_per_gpu_hour: Annotated[float, Field(ge=0.0, le=MAX_PREEMPTIONS_PER_GPU_HOUR)] = 0.0
    """Spot: preemptions per leased, ready unit-hour."""
    preemption_notice: Duration = 1.0 / 30.0
    """Spot: warning before a preempted unit is taken."""
    preemption_batch: Annotated[int, Field(ge=1, le=65_535)] = 1
    """Spot: units one preemption takes (the most recently leased)."""
    failures: Failures | None = None
    """Unit failures and repairs; none if omitted."""
    repair: RepairCrew | None = None
    """Reserved: who repairs failed units; if omitted, each unit at once, on its own."""
    policy: QueuePolicy | None = None
    """This pool's queue order; default: the scenario's ``policy.queue``."""

    @model_validator(mode="after")
    def _kind_fields(self) -> Pool:
        cloud = self.kind != "reserved"
        if not cloud and self.min_gpus:
            raise ValueError("'min_gpus' applies only to on_demand and spot pools")
        if self.min_gpus > self.gpus:
            raise ValueError(f"min_gpus ({self.min_gpus}) exceeds gpus ({self.gpus})")
        if self.kind != "spot" and self.preemptions_per_gpu_hour:
            raise ValueError("'preemptions_per_gpu_hour' applies only to spot pools")
        if self.repair is not None and (cloud or self.failures is None):
            raise ValueError("'repair' applies only to reserved pools with 'failures'")
        if self.repair and (self.repair.repairers is None) == (self.repair.team is None):
            raise ValueError("'repair' takes either 'repairers' or 'team'")
        if self.price_per_gpu_hour is None and self.price is None:
            raise ValueError("give 'price_per_gpu_hour' or a 'price' key from the prices file")
        return self


class Team(Frozen):
    """People who review or fix shots, paid for scheduled hours (overtime at its rate)."""

    label: Label = ""
    """What people call it, shown instead of its name in the terminal, plots and reports."""

    shifts: Annotated[tuple[Shift, ...], Field(max_length=100)] | None = None
    """The team's weekly shifts (or give ``around_the_clock``)."""
    around_the_clock: Annotated[int, Field(ge=0, le=10_000)] | None = None
    """People on duty at all hours, instead of ``shifts``."""
    holidays: Holidays = ()
    """Days off for this team besides the calendar's holidays: a list of dates, or a
    country's or region's public holidays, ``{country: PH}`` (with optional ``dates``)."""
    time_zone: TimeZone | None = None
    """IANA time zone of the team's shifts ('Asia/Manila'), daylight saving included;
    default: the calendar's zone."""
    utc_offset_hours: Annotated[float, Field(ge=-12.0, le=14.0)] | None = None
    """A fixed offset for the shifts instead of ``time_zone``: local time minus UTC."""
    hourly_rate: Money
    """USD per scheduled person-hour, busy or not."""
    overtime_rate: Money | None = None
    """Default: 1.5 × ``hourly_rate``."""
    max_overtime: Duration = 2.0
    """Work in hand at a shift's end is finished in overtime if no more than this is left;
    otherwise it pauses."""
    policy: QueuePolicy | None = None
    """This team's queue order; default: the scenario's ``policy.queue``."""

    @model_validator(mode="after")
    def _one_schedule(self) -> Team:
        if (self.shifts is None) == (self.around_the_clock is None):
            raise ValueError("give exactly one of 'shifts' and 'around_the_clock'")
        return self

    @field_validator("utc_offset_hours")
    @classmethod
    def _offset_or_zone(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and info.data.get("time_zone") is not None:
            raise ValueError("give one of 'time_zone' and 'utc_offset_hours', not both")
        return value


# --- the pipeline ---------------------------------------------------------------------


class GpuOption(Frozen):
    """One way to run a GPU stage: a pool, a gang size and the speed at that size."""

    pool: Name
    """The pool this option runs on."""
    gang: Annotated[int, Field(ge=1, le=1024)] = 1
    """GPUs held together by one task, all from this pool."""
    seconds_per_frame: DistributionSpec
    """Wall-clock seconds per frame for the whole gang."""
    setup: Duration = 0.0
    """Fixed time per attempt (model load, data staging)."""


class Fallback(Frozen):
    """Manual work by a team when a model's attempts run out."""

    team: Name
    """The team that does the shot by hand."""
    minutes_per_shot: DistributionSpec
    """Minutes of manual work per shot."""


class GpuStage(Frozen):
    """A model run on each shot, on one of its options."""

    label: Label = ""
    """What people call it, shown instead of its name in the terminal, plots and reports."""

    kind: Literal["gpu"]
    """``gpu``."""
    model: Title = ""
    """What the model is, for people ("Wan2.1 I2V-14B 720p")."""
    options: Annotated[tuple[GpuOption, ...], Field(min_length=1, max_length=255)]
    """Where and how fast the model runs; a task takes the best free option."""
    failure_probability: Probability = 0.0
    """Chance that an attempt fails (noticed at its end); it is then retried."""
    max_attempts: Annotated[int, Field(ge=1, le=1000)] = 3
    """Attempts before the fallback (or before the shot counts as failed)."""
    backoff: Duration = 0.0
    """Wait after a failed attempt before the retry joins the queue."""
    fallback: Fallback | None = None
    """Without a fallback a shot whose attempts run out is counted as failed."""
    defect_probability: Probability = 0.0
    """Chance that a successful attempt leaves a latent defect no machine notices."""


REWORK_TO_ORIGIN = "origin"
"""``rework_to: origin``: back to the stage that left the defect (no stage may be so named)."""


class ReviewStage(Frozen):
    """People (a team) or a QC model (a pool) look at shots and send some back."""

    label: Label = ""
    """What people call it, shown instead of its name in the terminal, plots and reports."""

    kind: Literal["review"]
    """``review``."""
    team: Name | None = None
    """People who review."""
    pool: Name | None = None
    """A QC model's GPUs that review."""
    gang: Annotated[int, Field(ge=1, le=1024)] = 1
    """GPUs one review holds (a review on a pool)."""
    minutes_per_shot: DistributionSpec | None = None
    """Review time per shot."""
    seconds_per_frame: DistributionSpec | None = None
    """Review time per frame (a QC model)."""
    sample_rate: Probability = 1.0
    """Fraction of shots reviewed at all."""
    catch_probability: Probability = 0.0
    """Chance that a shot with a latent defect is rejected."""
    reject_probability: (
        Probability | Annotated[tuple[Probability, ...], Field(min_length=1, max_length=256)]
    ) = 0.0
    """Chance that a clean shot is rejected (a note); a list gives it per round, the last
    value repeating."""
    max_rounds: Annotated[int, Field(ge=0, le=255)] | None = None
    """After this many rejections by this stage a shot is approved as it is."""
    rework_to: Name | None = None
    """The earlier shot stage a rejected shot goes back to; or ``origin``: the earliest stage
    whose latent defect the shot still carries, and for a shot with none (a note) the last
    GPU stage before the review."""

    @model_validator(mode="after")
    def _one_reviewer_one_time(self) -> ReviewStage:
        if (self.team is None) == (self.pool is None):
            raise ValueError("give exactly one of 'team' (people) and 'pool' (a QC model)")
        if (self.minutes_per_shot is None) == (self.seconds_per_frame is None):
            raise ValueError("give exactly one of 'minutes_per_shot' and 'seconds_per_frame'")
        if self.team is not None and self.gang != 1:
            raise ValueError("'gang' applies only to a review on a pool")
        rejects = self.catch_probability > 0 or any(p > 0 for p in self.reject_probabilities)
        if rejects and self.rework_to is None:
            raise ValueError(
                "a review that can reject needs 'rework_to' (an earlier stage, or origin)"
            )
        return self

    @property
    def reject_probabilities(self) -> tuple[float, ...]:
        p = self.reject_probability
        return p if isinstance(p, tuple) else (p,)


ShotStage = Annotated[GpuStage | ReviewStage, Field(discriminator="kind")]


class EpisodeStage(Frozen):
    """Work on a whole episode once all its shots are through (conform, final QC,
    compliance). Episode stages run in order and send nothing back."""

    label: Label = ""
    """What people call it, shown instead of its name in the terminal, plots and reports."""

    team: Name | None = None
    """People who do the stage."""
    pool: Name | None = None
    """GPUs that do the stage."""
    gang: Annotated[int, Field(ge=1, le=1024)] = 1
    """GPUs the stage holds (on a pool)."""
    hours_per_episode: DistributionSpec
    """Hours of work per episode."""

    @model_validator(mode="after")
    def _one_resource(self) -> EpisodeStage:
        if (self.team is None) == (self.pool is None):
            raise ValueError("give exactly one of 'team' and 'pool'")
        if self.team is not None and self.gang != 1:
            raise ValueError("'gang' applies only to a stage on a pool")
        return self


# --- policy, money, run ---------------------------------------------------------------


class Burst(Frozen):
    """When cloud units are provisioned for waiting work."""

    wait: Duration = 0.0
    """Provision once the task at the head has waited this long (0: at once)..."""
    slack: Duration | None = None
    """...or once its slack (deadline minus now minus remaining work) is under this."""
    budget_usd: Money | None = None
    """No new cloud unit once billed cloud spend would pass this."""


class Policy(Frozen):
    queue: QueuePolicy = "fifo"
    """The default queue order: a built-in name or index weights."""
    pool_rule: Literal["cheapest", "fastest", "listed"] = "listed"
    """Among free options of a task: cheapest per task, fastest, or in listed order."""
    burst: Burst = Burst()
    """When to lease cloud GPUs for waiting work."""


class Penalties(Frozen):
    escaped_defect: Money = 0.0
    """Per shot delivered with a latent defect."""
    failed_shot: Money = 0.0
    """Per shot whose attempts ran out with no fallback."""
    late_per_day: Money = 0.0
    """Per episode per day late, charged pro rata per hour."""


class RunSettings(Frozen):
    seed: Annotated[int, Field(ge=0, lt=2**64)] = 0
    """The seed of every draw (0 to 2**64 - 1)."""
    replications: Annotated[int, Field(ge=1, le=100_000_000)] = 100
    """Replications a run makes unless told otherwise."""
    horizon: Duration = 365.0 * 24.0
    """A replication stops here; episodes not delivered are reported as such."""
    confidence: Annotated[float, Field(gt=0.5, lt=1.0)] = 0.95
    """Level of every interval reported (0.95: 95%)."""


class Scenario(Frozen):
    """A whole scenario file."""

    name: Name
    """The scenario's name (results folders are named after it)."""
    description: Description = ""
    """What the scenario is for, for people."""
    prices: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    """A prices file (relative to the scenario) that pools' ``price`` keys refer to."""
    calendar: Calendar
    """The season's dates and holidays."""
    shows: Annotated[dict[Name, Show], Field(min_length=1, max_length=1000)]
    """The shows of the season (or slate), by name."""
    shot_stages: Annotated[dict[Name, ShotStage], Field(min_length=1, max_length=255)]
    """The pipeline every shot passes, in order."""
    episode_stages: Annotated[dict[Name, EpisodeStage], Field(max_length=255)] = {}
    """Work on each whole episode once its shots are through, in order."""
    pools: Annotated[dict[Name, Pool], Field(max_length=255)] = {}
    """GPU pools by name."""
    teams: Annotated[dict[Name, Team], Field(max_length=1000)] = {}
    """Teams of people by name."""
    policy: Policy = Policy()
    """Queue order, pool choice and cloud bursting."""
    penalties: Penalties = Penalties()
    """What defects, failed shots and lateness cost."""
    run: RunSettings = RunSettings()
    """Seed, replications, horizon and confidence level."""
