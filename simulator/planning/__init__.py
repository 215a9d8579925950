"""Planning on many replications: executors (local processes or a Dask cluster), sweeps,
staffing searches, comparisons on common random numbers, sensitivity, calibration.
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
from simulator.planning.executors import (
    DaskExecutor,
    Executor,
    LocalExecutor,
    SerialExecutor,
    local_cluster,
    make_executor,
)
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
    Point,
    SweepResult,
    Vary,
    sweep,
)

__all__ = [
    "Calibration",
    "Comparison",
    "DaskExecutor",
    "Executor",
    "Factor",
    "LocalExecutor",
    "Point",
    "SensitivityResult",
    "SerialExecutor",
    "StaffingResult",
    "SweepResult",
    "Vary",
    "calibrate",
    "compare",
    "local_cluster",
    "make_executor",
    "sensitivity",
    "staff",
    "sweep",
]
