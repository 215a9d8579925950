"""Words for problems: what was found, numbers as read, and the key probably meant."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from typing import Any

__all__ = ["closest_name", "describe", "number_text", "suggest"]


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


def closest_name(word: str, choices: Sequence[str]) -> str | None:
    """The choice closest to ``word``, or None when none is near. Names made of parts
    (``l40s-reserved``, ``h100-spot``) are matched by their first part first (the GPU),
    then by the parts they share, then by spelling: ``l40s-reserved`` is nearer ``l40s``
    than ``h100-reserved``."""

    def parts(text: str) -> list[str]:
        return [p for p in text.lower().replace("_", "-").split("-") if p]

    wanted = parts(word)
    if not wanted or not choices:
        return None

    def nearness(choice: str) -> tuple[bool, int, float]:
        theirs = parts(choice)
        same_head = bool(theirs) and theirs[0] == wanted[0]
        shared = len(set(theirs) & set(wanted))
        spelling = difflib.SequenceMatcher(None, word.lower(), choice.lower()).ratio()
        return same_head, shared, spelling

    best = max(choices, key=nearness)
    same_head, _, spelling = nearness(best)
    return best if same_head or spelling >= 0.6 else None
