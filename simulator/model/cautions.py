"""Settings worth a second look before a run: defaults that are risky, and values that make
the simulation do something a planner rarely means. ``reelsim validate`` shows them.

* a review that rejects every clean shot at every round (``reject_probability`` 1, or a
  list ending in 1) with no ``max_rounds``: every shot it sees loops until the horizon;
* a review that sends shots back with no ``max_rounds`` (the default): a shot may go
  round any number of times, where a contract usually caps the rounds;
* cloud pools with ``policy.burst.wait`` 0 (the default): a cloud unit is leased the
  moment any task waits, however briefly.
"""

from __future__ import annotations

from simulator.scenario.schema import ReviewStage, Scenario

__all__ = ["cautions"]


def _days(hours: float) -> str:
    return f"{hours / 24.0:g} days"


def cautions(scenario: Scenario) -> list[str]:
    """One line for each setting worth a second look, naming its path."""
    found = []
    for name, stage in scenario.shot_stages.items():
        if not isinstance(stage, ReviewStage) or stage.rework_to is None:
            continue
        if stage.max_rounds is not None:
            continue
        reject = stage.reject_probability
        last = reject[-1] if isinstance(reject, tuple) else reject
        path = f"shot_stages.{name}"
        if last >= 1.0 and stage.sample_rate >= 1.0:
            found.append(
                f"{path}: reject_probability is 1 and max_rounds is not set: every shot is "
                f"sent back at every round and loops until the horizon (run.horizon, "
                f"{_days(scenario.run.horizon)}); set max_rounds"
            )
        else:
            found.append(
                f"{path}.max_rounds is not set (the default): a shot may be sent back any "
                "number of times; set it to the rounds of revisions the work allows"
            )
    cloud = [name for name, pool in scenario.pools.items() if pool.kind != "reserved"]
    burst = scenario.policy.burst
    if cloud and burst.wait == 0.0:
        written = "as written" if "wait" in burst.model_fields_set else "the default"
        found.append(
            f"policy.burst.wait is 0s ({written}): a cloud GPU ({', '.join(cloud)}) is "
            "leased the moment any task waits, however briefly (whatever policy.burst.slack "
            "says); set a wait such as 30m"
        )
    return found
