"""Claiming a results folder: one writer at a time, and only the writer it belongs to.

A command that writes a results folder claims it first, before it computes anything:

* **A lock.** ``OUT/.reelsim.lock`` is locked with ``fcntl.flock`` while the folder is
  written. A second writer is refused at once, with the holder's process id. The lock
  belongs to the open file, so the operating system releases it when the writer ends, however
  it ends (a killed process included): the file stays, but no lock is ever left behind.
* **An owner.** The lock file also records what the folder is for: its kind (``run``,
  ``sweep``, ...), the fingerprints of its scenarios (seed set) and the seed. A writer for
  another kind, scenario or seed is refused with what to do instead; the same command is
  welcome, and resumes from the chunks already there. A folder written before owners were
  recorded is judged by its ``summary.json``. The file stays when the writer ends (the
  owner is part of the folder); only the holder's pid is cleared.

A path that cannot be a folder (a file, a device such as ``/dev/null``, a name too long,
a place without write permission) is refused here too, as bad input. ``write_failure``
says in words why the system refused a write, for every writer of a folder.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.errors import ReelsimError, UsageError
from simulator.files import StrPath
from simulator.folders.manifest import manifest_kind

__all__ = ["LOCK_NAME", "FolderOwner", "claim_folder", "write_failure"]

LOCK_NAME = ".reelsim.lock"

_BAD_PLACE = {
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "not permitted",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EEXIST: "something of another type is in the way (not a plain file or folder)",
    errno.EISDIR: "a folder is in the way",
}
"""Refusals a person fixes by choosing another place (exit 2)."""

_NO_ROOM = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is too large for the file system",
}


def write_failure(error: OSError, path: Path | str) -> ReelsimError:
    """The error to raise for a write the system refused: a ``UsageError`` (exit 2) when the
    place is wrong (read-only, no permission, a name too long, a file where a folder should
    be), a ``ReelsimError`` (exit 1) when the place is right but the write failed (a full
    disk, an I/O error)."""
    code = error.errno or 0
    if code in _BAD_PLACE:
        return UsageError(f"cannot write {path}: {_BAD_PLACE[code]}; choose another place")
    reason = _NO_ROOM.get(code, error.strerror or type(error).__name__)
    return ReelsimError(
        f"cannot write {path}: {reason}. Nothing half-written was left: make room and run "
        "the same command again (a run or sweep resumes from the chunks already written)"
    )


@dataclass(frozen=True)
class FolderOwner:
    """What a results folder holds: the kind of command, its scenarios, its seed."""

    kind: str
    scenarios: tuple[tuple[str, str], ...]
    """``(name, sha256)`` of each scenario as run (overrides applied, seed set); a sha256
    may be empty where an old summary did not record it."""
    seed: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "scenarios": [{"name": n, "sha256": s} for n, s in self.scenarios],
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: Any) -> FolderOwner | None:
        try:
            scenarios = tuple((str(s["name"]), str(s["sha256"])) for s in data["scenarios"])
            seed = data["seed"]
            return cls(str(data["kind"]), scenarios, None if seed is None else int(seed))
        except (KeyError, TypeError, ValueError):
            return None

    @classmethod
    def from_summary(cls, summary: Any) -> FolderOwner | None:
        """The owner a ``summary.json`` describes (``None`` when it does not say)."""
        if not isinstance(summary, dict) or not isinstance(summary.get("kind", ""), str):
            return None
        kind = manifest_kind(summary)
        sides = [summary.get("a"), summary.get("b")] if kind == "compare" else []
        scenarios = []
        for side in sides or [summary.get("scenario")]:
            if not isinstance(side, dict):
                return None
            scenarios.append((str(side.get("scenario", side.get("name", ""))), side.get("sha256")))
        seed = summary.get("seed")
        return cls(
            kind,
            tuple((n, s if isinstance(s, str) else "") for n, s in scenarios),
            seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        )

    def conflict(self, other: FolderOwner) -> str | None:
        """How ``other`` differs from this owner, in words (``None``: the same)."""
        if self.kind != other.kind:
            return f"it holds the results of a reelsim {other.kind}, not of a {self.kind}"
        if other.seed is not None and self.seed is not None and other.seed != self.seed:
            return f"it holds the results of seed {other.seed}, not {self.seed}"
        if len(self.scenarios) != len(other.scenarios):
            return "it holds the results of other scenarios"
        for (name, sha), (other_name, other_sha) in zip(
            self.scenarios, other.scenarios, strict=True
        ):
            if name != other_name:
                return f"it holds the results of scenario {other_name!r}, not {name!r}"
            if sha and other_sha and sha != other_sha:
                return (
                    f"it holds the results of scenario {name!r} with other values "
                    f"(sha256 {other_sha[:12]}…, now {sha[:12]}…)"
                )
        return None


def _refusal(out: Path, problem: str) -> UsageError:
    return UsageError(
        f"{out}: {problem}. Give another --out, or remove the folder to start it afresh."
    )


def _prepare(out: Path) -> None:
    try:
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out}: exists and is not a folder; give a folder")
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise write_failure(error, f"the results folder {out}") from None


def _holder(handle: int) -> str:
    try:
        data = json.loads(os.pread(handle, 4096, 0).decode())
        return f"pid {int(data['pid'])}"
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return "pid unknown"


def _recorded_owner(out: Path, handle: int) -> FolderOwner | None:
    try:
        recorded = FolderOwner.from_json(json.loads(os.pread(handle, 1 << 16, 0).decode()))
    except (OSError, ValueError, UnicodeDecodeError):
        recorded = None
    if recorded is not None:
        return recorded
    try:
        summary = json.loads((out / "summary.json").read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError):
        raise _refusal(
            out, "its summary.json cannot be read, so whose folder it is is unknown"
        ) from None
    return FolderOwner.from_summary(summary)


@contextlib.contextmanager
def claim_folder(out: StrPath, owner: FolderOwner) -> Iterator[None]:
    """Hold ``out`` for ``owner`` while the block runs (see the module docstring)."""
    out = Path(out)
    _prepare(out)
    try:
        handle = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise write_failure(error, f"in the results folder {out}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                f"{out} is being written by another reelsim process ({_holder(handle)}); "
                "wait for it to finish, or give another --out"
            ) from None
        recorded = _recorded_owner(out, handle)
        problem = owner.conflict(recorded) if recorded is not None else None
        if problem:
            raise _refusal(out, problem)
        _record(handle, out / LOCK_NAME, owner, os.getpid())
        try:
            yield
        finally:
            with contextlib.suppress(ReelsimError):
                _record(handle, out / LOCK_NAME, owner, None)  # held by no one now
    finally:
        os.close(handle)  # releases the lock


def _record(handle: int, path: Path, owner: FolderOwner, pid: int | None) -> None:
    text = json.dumps({**owner.as_json(), "pid": pid}, indent=2) + "\n"
    try:
        os.ftruncate(handle, 0)
        os.pwrite(handle, text.encode(), 0)
    except OSError as error:
        raise write_failure(error, path) from None
