"""The files a scenario may read, and reading them with limits.

A scenario names other files: a prices file (``prices``) and shot lists (``shows.<name>
.shot_list``). A scenario may come from someone else, so what it names is held to a
boundary (docs/security.md):

* the file must resolve, symbolic links followed, to a place inside the scenario's own
  folder (or below it), or inside a folder listed in the environment variable
  ``REELSIM_FILE_ROOTS`` (folders separated by ``os.pathsep``, ``:`` on Unix);
* it must be a regular file: a FIFO, a device (``/dev/zero``), a socket or a folder is
  refused before it is opened for reading, so reading never blocks or runs forever;
* it must be no larger than its kind's limit, checked before it is read and again while
  it is read (a file that grows meanwhile is cut off and refused).

Messages about a file that could not be read or parsed quote at most a short excerpt of
it, escaped (``excerpt``), never whole lines.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from simulator.files import StrPath

__all__ = [
    "FILE_ROOTS_VARIABLE",
    "ReadRefused",
    "excerpt",
    "read_regular_file",
    "referenced_file",
]

FILE_ROOTS_VARIABLE = "REELSIM_FILE_ROOTS"
"""The environment variable that names further folders a scenario may read files from."""


class ReadRefused(ValueError):
    """A file a scenario names cannot be read; the message says why, naming the file."""


def excerpt(text: str, limit: int = 24) -> str:
    """A short, escaped quotation of ``text`` (``'abc...'``), safe to print."""
    shown = text if len(text) <= limit else text[:limit] + "..."
    return ascii(shown)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _allowed_roots(base_dir: Path) -> list[Path]:
    roots = [base_dir.resolve()]
    for folder in os.environ.get(FILE_ROOTS_VARIABLE, "").split(os.pathsep):
        if folder.strip():
            roots.append(Path(folder.strip()).expanduser().resolve())
    return roots


def referenced_file(base_dir: Path, written: str, what: str) -> Path:
    """The file a scenario in ``base_dir`` names as ``written``, resolved; ``ReadRefused``
    (saying "no such {what}", or why it may not be read) otherwise."""
    if "\x00" in written:
        raise ReadRefused(f"the name of the {what} holds a NUL character")
    path = base_dir / written
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        raise ReadRefused(f"no such {what}: {path}") from None
    except (OSError, RuntimeError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ReadRefused(f"cannot open the {what} {path}: {reason}") from None
    roots = _allowed_roots(base_dir)
    if not any(resolved.is_relative_to(root) for root in roots):
        raise ReadRefused(
            f"the {what} {written!r} lies outside the scenario's folder ({roots[0]}); a "
            f"scenario may read only files in its own folder or below it, or under a folder "
            f"named in {FILE_ROOTS_VARIABLE}"
        )
    return resolved


def read_regular_file(path: StrPath, max_bytes: int, what: str) -> bytes:
    """The bytes of ``path``, a regular file of at most ``max_bytes``; ``ReadRefused``
    otherwise, decided before reading anything that is not a regular file."""
    try:
        info = os.stat(path)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ReadRefused(f"cannot read the {what} {path}: {reason}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ReadRefused(f"the {what} {path} is {_kind(info.st_mode)}, not a regular file")
    if info.st_size > max_bytes:
        raise ReadRefused(
            f"the {what} {path} is {info.st_size:,} bytes; the limit is {max_bytes:,} bytes"
        )
    try:
        # Non-blocking: should the name have become a FIFO since the check, opening it
        # returns at once; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ReadRefused(f"the {what} {path} is not a regular file")
            data = handle.read(max_bytes + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ReadRefused(f"cannot read the {what} {path}: {reason}") from None
    if len(data) > max_bytes:
        raise ReadRefused(f"the {what} {path} is over the limit of {max_bytes:,} bytes")
    return data
