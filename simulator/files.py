"""Writing files so that nothing is half-written, and fingerprints of files.

``atomic_write`` writes to a temporary name in the same folder, flushes to disk and renames
into place: a killed process leaves a file either complete or absent; a write the system
refuses (a full disk, a read-only folder, a name too long) is raised as an ``OSError``
that names the file, not its temporary name, and nothing is written over what is not a
plain file (a folder, a device such as ``/dev/null``, a pipe). ``file_sha256`` is the
fingerprint a results folder's manifest records for each file; ``json_safe`` turns the
numbers JSON cannot hold (infinities, NaN) into null; ``csv_safe_cell`` keeps a text cell
of a CSV file from being read as a formula by a spreadsheet.
"""

from __future__ import annotations

import errno
import hashlib
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["StrPath", "atomic_write", "csv_safe_cell", "file_sha256", "json_safe"]

StrPath = str | os.PathLike[str]
"""What every public function that takes a file or a folder accepts: a ``str`` or any
path-like object (``pathlib.Path``)."""


def atomic_write(path: StrPath, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` then move ``tmp`` to ``path`` in one step; a write the system
    refuses raises an ``OSError`` with its ``errno`` and ``path`` as its file name."""
    path = Path(path)
    tmp: Path | None = None
    try:
        if path.exists() and not path.is_file():  # a folder, a device, a pipe
            raise OSError(errno.EEXIST, "not a regular file", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes owner-only files; results are for sharing
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        raise OSError(error.errno, error.strerror or str(error), str(path)) from None
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text that starts like a formula (``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return) gets a leading ``'``, which spreadsheets show
    as text. Numbers stay numbers, and text that reads as a number (``-3``, ``+1.5e3``) is
    left as it is: it is a value, not a formula."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def json_safe(value: Any) -> Any:
    """JSON has no infinity: an unbounded or undefined number is written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def file_sha256(path: StrPath) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
