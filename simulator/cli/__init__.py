"""The ``reelsim`` command line: options, commands, rendering, and the progress report
every long command shows."""

from __future__ import annotations

from simulator.cli._progress import (
    ProgressReport,
)
from simulator.cli.commands import (
    main,
)

__all__ = [
    "ProgressReport",
    "main",
]
