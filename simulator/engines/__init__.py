"""The two engines and what they return: ``choose_engine`` says which runs a model,
``run_replications`` runs it; the reference engine (``simulator.engines.reference``, SimPy)
and the batch kernel (``simulator.engines.kernel``) return the same ``ReplicationResult``.
"""

from __future__ import annotations

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
    trace_replication,
)
from simulator.engines.replication import (
    COST_CATEGORIES,
    ReplicationResult,
)

__all__ = [
    "COST_CATEGORIES",
    "ENGINES",
    "EVENT_CLASSES",
    "TIE_KINDS",
    "EngineChoice",
    "ReplicationResult",
    "choose_engine",
    "event_counts",
    "run_batch",
    "run_replications",
    "trace_replication",
]
