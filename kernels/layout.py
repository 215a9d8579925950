"""The kernel's array layout, read from the kernel source itself.

The batch kernel takes flat arrays: an int64 model block whose first slots (the *header*)
hold sizes and offsets, a float64 model block, per-replication scratch words and outputs.
Which slot means what is written once, as C enums at the top of ``reelsim_kernel.c``; this
module parses those enums so that the host code that fills the arrays uses the very same
numbers as the kernel that reads them. An enum member written ``RS_H_N_SHOTS,`` takes the
previous value plus one, ``RS_H_VERSION = 0,`` the value given.

    from kernels.layout import LAYOUT
    LAYOUT["rs_header"]["RS_H_N_SHOTS"]   # -> 1

A table's rows are laid out by column name (``Columns``), so a row that misses a column
or names one the kernel does not have is refused rather than shifted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TypeVar

__all__ = [
    "DEFINES",
    "KERNEL_SOURCE",
    "LAYOUT",
    "Columns",
    "Enums",
    "parse_defines",
    "parse_enums",
    "source_text",
]

KERNEL_SOURCE = Path(__file__).with_name("reelsim_kernel.c")
"""The single kernel source, compiled for CPU at install time and for GPUs by NVRTC."""

Enums = dict[str, dict[str, int]]

_ENUM = re.compile(r"enum\s+(\w+)\s*\{(.*?)\};", re.DOTALL)
_MEMBER = re.compile(r"^\s*(\w+)\s*(?:=\s*(-?\w+))?\s*,?\s*(?:/\*.*\*/)?\s*$")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_DEFINE = re.compile(r"^#define\s+(RS_\w+)\s+(\d+)\s*$", re.MULTILINE)


def parse_enums(text: str) -> Enums:
    """Every ``enum name { ... };`` of a C source: name -> {member: value}."""
    enums: Enums = {}
    for match in _ENUM.finditer(text):
        name, body = match.group(1), _COMMENT.sub("", match.group(2))
        members: dict[str, int] = {}
        value = -1
        for raw in body.split(","):
            item = raw.strip()
            if not item:
                continue
            m = _MEMBER.match(item)
            if m is None:
                raise ValueError(f"cannot read enum {name} member {item!r} in the kernel source")
            value = int(m.group(2), 0) if m.group(2) is not None else value + 1
            members[m.group(1)] = value
        enums[name] = members
    return enums


def parse_defines(text: str) -> dict[str, int]:
    """The integer ``#define RS_NAME value`` constants of a C source."""
    return {m.group(1): int(m.group(2)) for m in _DEFINE.finditer(text)}


@cache
def source_text() -> str:
    """The kernel source, as given to the compilers."""
    return KERNEL_SOURCE.read_text(encoding="utf-8")


LAYOUT: Enums = parse_enums(source_text())
"""Every enum of the kernel source: name -> {member: value}."""

DEFINES: dict[str, int] = parse_defines(source_text())
"""The kernel's integer constants (``RS_LAYOUT_VERSION``, ``RS_EVENT_WORDS``, ...)."""


_V = TypeVar("_V", int, float)


class Columns:
    """The columns of one kernel table, named after its enum's members.

    ``rs_episode_i`` has the members ``RS_EI_FIRST_SHOT = 0``, ``RS_EI_N_SHOTS``, ...,
    ``RS_EI_SIZE``: its columns are ``first_shot``, ``n_shots``, ... in that order, and
    ``row(first_shot=..., n_shots=..., ...)`` lays one row out, refusing a row that misses a
    column or names one the table does not have.
    """

    def __init__(self, enum: str, members: Mapping[str, int] | None = None) -> None:
        members = LAYOUT[enum] if members is None else members
        size = [name for name in members if name.endswith("_SIZE")]
        if len(size) != 1:
            raise ValueError(f"kernel enum {enum} has no single ..._SIZE member: {size}")
        prefix = size[0].removesuffix("SIZE")
        by_value = sorted((v, name) for name, v in members.items() if name != size[0])
        if [v for v, _ in by_value] != list(range(members[size[0]])) or not all(
            name.startswith(prefix) for _, name in by_value
        ):
            raise ValueError(f"kernel enum {enum}: columns must be {prefix}... numbered 0, 1, ...")
        self.enum = enum
        self.names = tuple(name.removeprefix(prefix).lower() for _, name in by_value)
        self._name_set = frozenset(self.names)

    def row(self, **values: _V) -> list[_V]:
        """One row: a value for every column, by name, in the kernel's column order."""
        if values.keys() != self._name_set:
            missing = [n for n in self.names if n not in values]
            extra = sorted(values.keys() - self._name_set)
            raise ValueError(
                f"a row of {self.enum}: missing column(s) {missing}, unknown column(s) {extra}"
            )
        return [values[name] for name in self.names]
