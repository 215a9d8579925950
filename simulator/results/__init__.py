"""What runs produce: ``simulate`` and its ``Run``, the ``Work`` that says how replications
run, resumable chunks of replications, tables and the typed summary with its intervals
(``summarize`` → ``Summary``).
"""

from __future__ import annotations

from simulator.results.runs import (
    Run,
    simulate,
)
from simulator.results.summary import (
    RISK_LIMIT,
    VERDICTS,
    CostSummary,
    DefectSummary,
    DistributionSummary,
    EpisodeSummary,
    RunProvenance,
    SeasonSummary,
    Summary,
    SummaryColumns,
    Verdict,
    summarize,
    summarize_columns,
    verdict_for,
)
from simulator.results.tables import (
    replications_frame,
)
from simulator.results.work import (
    Progress,
    Work,
)

__all__ = [
    "RISK_LIMIT",
    "VERDICTS",
    "CostSummary",
    "DefectSummary",
    "DistributionSummary",
    "EpisodeSummary",
    "Progress",
    "Run",
    "RunProvenance",
    "SeasonSummary",
    "Summary",
    "SummaryColumns",
    "Verdict",
    "Work",
    "replications_frame",
    "simulate",
    "summarize",
    "summarize_columns",
    "verdict_for",
]
