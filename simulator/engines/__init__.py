"""The two engines and what they return: ``choose_engine`` says which runs a model,
``run_replications`` runs it. The reference engine (``simulator.engines.reference``,
SimPy) and the batch kernel (``simulator.engines.kernel``) both count a replication into a
``RawReplication`` and, on request, record ``TraceEvent``s; ``account`` turns a raw record
into the ``ReplicationResult`` with the cost rules of DESIGN §1b, once for both.
"""

from __future__ import annotations

from simulator.engines.accounting import account
from simulator.engines.choice import (
    ENGINES,
    EngineChoice,
    choose_engine,
    run_replications,
)
from simulator.engines.kernel import (
    EVENT_CLASSES,
    TIE_KINDS,
    event_counts,
    run_batch,
    run_raw_batch,
    trace_replication,
)
from simulator.engines.raw import RawReplication
from simulator.engines.replication import (
    COST_CATEGORIES,
    ReplicationResult,
)
from simulator.engines.trace import Cause, Outcome, TraceEvent, TraceKind, stage_keys, stages

__all__ = [
    "COST_CATEGORIES",
    "ENGINES",
    "EVENT_CLASSES",
    "TIE_KINDS",
    "Cause",
    "EngineChoice",
    "Outcome",
    "RawReplication",
    "ReplicationResult",
    "TraceEvent",
    "TraceKind",
    "account",
    "choose_engine",
    "event_counts",
    "run_batch",
    "run_raw_batch",
    "run_replications",
    "stage_keys",
    "stages",
    "trace_replication",
]
