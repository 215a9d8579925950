"""Saving a configuration: the scenario with its changes, its results folder, its report.

The meeting leaves with what the command line makes: ``NAME-explore-K.yaml`` beside the
original scenario (so that the files it refers to, such as its prices, are found as
before; ``NAME-explore-K-2.yaml`` and so on when that name is taken: nothing saved before is
overwritten), and ``results/NAME-explore-K/`` with the results of ``simulate`` on the session's
seed and replications and the folder's ``report.html``. Every path is made here from the
scenario's folder and a configuration number; nothing from the page names a file.

**Comments stay where the loader can keep them.** A change that replaces a value written
on one line of the file (``gpus: 16  # reserved``) is made in the text itself: the value
is replaced and the line's comment kept, and every other line is left as it was. The text
is then loaded again and must read exactly as the scenario with the changes applied; when
it does not (a new key, a value written over several lines, an anchor), the whole scenario
is written out as data instead, with a header that says so, and no comment survives.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from simulator.errors import ReelsimError, UsageError
from simulator.files import StrPath, atomic_write
from simulator.folders import write_results
from simulator.report import write_report
from simulator.results import Work, simulate
from simulator.scenario import apply_overrides, load_scenario, load_yaml, load_yaml_file

__all__ = ["changed_text", "save_configuration"]

# A value on one line: quoted, or plain up to a comment or the line's end.
_VALUE = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^#\n]*?)(\s+#.*)?$""")


def _splice(text: str, data: Any, positions: Any, change: str) -> str | None:
    """``text`` with the value at ``change``'s path replaced on its line, or None."""
    path_text, _, value = change.partition("=")
    path: tuple[str | int, ...] = tuple(
        int(p) if p.isdigit() else p for p in path_text.strip().split(".")
    )
    if not positions.has(path) or "\n" in value:
        return None
    node = data
    for part in path:
        node = node[part]
    if isinstance(node, (dict, list)):
        return None
    where = positions.of(path)
    if where is None:
        return None
    line, column = where
    lines = text.split("\n")
    head, tail = lines[line - 1][: column - 1], lines[line - 1][column - 1 :]
    match = _VALUE.match(tail)
    if match is None or not match.group(1).strip():
        return None
    lines[line - 1] = head + value.strip() + (match.group(2) or "")
    return "\n".join(lines)


def changed_text(path: StrPath, changes: Sequence[str]) -> tuple[str, bool]:
    """The scenario file's text with ``changes`` applied, and whether its comments were
    kept (see the module's docstring)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data, positions = load_yaml_file(path)
    wanted = apply_overrides(data, changes)
    edited: str | None = text
    for change in changes:
        if edited is None:
            break
        edited = _splice(edited, data, positions, change)
        if edited is not None:
            data, positions = load_yaml(edited, str(path))
    if edited is not None and data == wanted:
        return edited, True
    header = (
        f"# {path.name} with these changes (written as data: the comments could not be kept):\n"
        + "".join(f"#   {c}\n" for c in changes)
    )
    return header + yaml.safe_dump(wanted, sort_keys=False, allow_unicode=True), False


def _free_stem(folder: Path, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``, …: the first that names no file or results
    folder yet (what an earlier session saved is never overwritten)."""
    for k in itertools.count(1):
        stem = base if k == 1 else f"{base}-{k}"
        if not (folder / f"{stem}.yaml").exists() and not (folder / "results" / stem).exists():
            return stem
    raise AssertionError("unreachable")  # pragma: no cover


def save_configuration(
    scenario: StrPath, number: int, changes: Sequence[str], work: Work
) -> dict[str, Any]:
    """Write configuration ``number`` (the scenario with ``changes``) as a scenario file, a
    results folder and its report, all inside the scenario's folder; what was written."""
    scenario = Path(scenario)
    folder = scenario.parent
    stem = _free_stem(folder, f"{scenario.stem}-explore-{number}")
    target = folder / f"{stem}.yaml"
    results = folder / "results" / stem
    text, kept = changed_text(scenario, changes)

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    atomic_write(target, write)
    try:
        loaded = load_scenario(target)
    except ReelsimError as error:  # the file must load as the configuration did
        raise UsageError(f"the saved scenario {target} does not load: {error}") from None
    run = simulate(loaded, work)
    write_results(run, results)
    report = write_report(results)
    return {
        "scenario": str(target.relative_to(folder)),
        "results": str(results.relative_to(folder)),
        "report": str(Path(report).relative_to(folder)),
        "comments_kept": kept,
    }
