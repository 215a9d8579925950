"""The ``reelsim`` command line: options, commands, rendering."""

from __future__ import annotations

from simulator.cli.commands import (
    main,
)

__all__ = [
    "main",
]
