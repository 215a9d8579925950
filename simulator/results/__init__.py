"""What runs produce: ``simulate`` and its ``Run``, resumable chunks of replications, tables
and the summary with its intervals.
"""

from __future__ import annotations

from simulator.results.runs import (
    Run,
    simulate,
)
from simulator.results.summary import (
    SummaryColumns,
    VERDICTS,
    summarize,
    summarize_columns,
    verdict_for,
)
from simulator.results.tables import (
    replications_frame,
)

__all__ = [
    "Run",
    "SummaryColumns",
    "VERDICTS",
    "replications_frame",
    "simulate",
    "summarize",
    "summarize_columns",
    "verdict_for",
]
