"""The reference engine: the season as a SimPy model, readable and complete.

``run_raw`` simulates one replication and returns what it counted; ``run_replication``
also accounts for its costs. The batch kernel must reproduce both.
"""

from __future__ import annotations

from simulator.engines.reference.engine import run_raw, run_replication

__all__ = ["run_raw", "run_replication"]
