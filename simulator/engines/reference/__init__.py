"""The reference engine: the season as a SimPy model, readable and complete.

``run_replication`` simulates one replication; the batch kernel must reproduce its result.
"""

from __future__ import annotations

from simulator.engines.reference.engine import run_replication

__all__ = ["run_replication"]
