"""Planning on many replications: points and their evaluation, executors (local processes
or a Dask cluster), sweeps, staffing searches, comparisons on common random numbers,
sensitivity, calibration. Each takes a ``simulator.results.work.Work``: how many
replications, on which seed and engine, from where the season stands, where they run.
"""

from __future__ import annotations

from simulator.planning.calibration import (
    Calibration,
    calibrate,
)
from simulator.planning.comparison import (
    Comparison,
    compare,
)
from simulator.planning.evaluation import Plan, PointResult
from simulator.planning.executors import (
    DaskExecutor,
    Executor,
    LocalExecutor,
    SerialExecutor,
    executor_for,
    local_cluster,
    make_executor,
)
from simulator.planning.points import Point, Vary
from simulator.planning.sensitivity import (
    Factor,
    SensitivityResult,
    sensitivity,
)
from simulator.planning.staffing import (
    StaffingResult,
    staff,
)
from simulator.planning.sweeps import (
    SweepResult,
    sweep,
)

__all__ = [
    "Calibration",
    "Comparison",
    "DaskExecutor",
    "Executor",
    "Factor",
    "LocalExecutor",
    "Plan",
    "Point",
    "PointResult",
    "SensitivityResult",
    "SerialExecutor",
    "StaffingResult",
    "SweepResult",
    "Vary",
    "calibrate",
    "compare",
    "executor_for",
    "local_cluster",
    "make_executor",
    "sensitivity",
    "staff",
    "sweep",
]
