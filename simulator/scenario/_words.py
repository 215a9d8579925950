"""Words for problems: what was found, numbers as read, and the key probably meant."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from typing import Any

__all__ = ["describe", "number_text", "suggest"]


def describe(value: Any) -> str:
    """What was found, for a message: a short YAML-like rendering."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def suggest(word: str, choices: Sequence[str], *, always: bool = False) -> str:
    """'; did you mean 'x'?' — or, with no close match, the valid choices."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    listing = ", ".join(choices[:30]) + (", ..." if len(choices) > 30 else "")
    if close:
        hint = f"; did you mean {close[0]!r}?"
        return hint + (f" (valid keys: {listing})" if always and choices else "")
    return f"; valid keys: {listing}" if choices else ""
