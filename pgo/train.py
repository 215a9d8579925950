"""The training run of the profile-guided build: a built kernel extension on stored models.

``setup.py`` builds ``kernels._cpu`` once with ``-fprofile-generate``, runs this script on
that build (the profile is written when the process exits), then builds it again with
``-fprofile-use``. The models are the ``*.model`` files beside this script, packed from
example scenarios by ``write_models.py`` (``make training-models``). The script needs
only the standard library, since an isolated install has nothing else: the arrays are
``array.array`` buffers, read straight from the files.

    python pgo/train.py EXTENSION LAYOUT_VERSION MODEL...

prints one line of JSON: the replications run and a SHA-256 of every output row, in order, so
that two builds can be held against each other. Exits 1, with the reason, when a model's
layout version is not ``LAYOUT_VERSION`` (stale models) or a replication did not finish.

A model file, little-endian: the 8 bytes ``RSTRAIN1``; eight int64s (the kernel's layout
version, the replications to run, the first replication number, the scratch words per
replication, the int64 and float64 output words per replication, the status column of
the int64 outputs, and the length of the int64 model block ``mi``); then, compressed with
zlib, ``mi`` followed by the float64 model block ``md``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
import sys
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

MAGIC = b"RSTRAIN1"
HEADER = struct.Struct("<8s8q")


@dataclass(frozen=True)
class TrainingModel:
    """One stored model and the replications to run on it."""

    layout_version: int
    replications: int
    first: int
    scratch_words: int
    out_d_words: int
    out_i_words: int
    status_column: int
    mi: bytes
    md: bytes

    def to_bytes(self) -> bytes:
        head = HEADER.pack(
            MAGIC,
            self.layout_version,
            self.replications,
            self.first,
            self.scratch_words,
            self.out_d_words,
            self.out_i_words,
            self.status_column,
            len(self.mi) // 8,
        )
        return head + zlib.compress(self.mi + self.md, 9)


def read_model(path: Path) -> TrainingModel:
    data = path.read_bytes()
    if len(data) < HEADER.size or data[:8] != MAGIC:
        raise ValueError(f"{path.name}: not a training model")
    _magic, version, reps, first, scratch, d_words, i_words, status, n_mi = HEADER.unpack_from(data)
    blocks = zlib.decompress(data[HEADER.size :])
    mi, md = blocks[: 8 * n_mi], blocks[8 * n_mi :]
    return TrainingModel(version, reps, first, scratch, d_words, i_words, status, mi, md)


def load_extension(path: Path) -> ModuleType:
    """The extension module built at ``path`` (outside any package)."""
    spec = importlib.util.spec_from_file_location("_cpu", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_model(extension: ModuleType, model: TrainingModel) -> tuple[bytes, bytes, int]:
    """Its replications on one thread: the output rows (float64, int64) and the worst status."""
    n = model.replications
    mi, md = array("q"), array("d")
    mi.frombytes(model.mi)
    md.frombytes(model.md)
    reps = array("q", range(model.first, model.first + n))
    out_d = array("d", bytes(8 * n * model.out_d_words))
    out_i = array("q", bytes(8 * n * model.out_i_words))
    scratch = array("q", bytes(8 * model.scratch_words))
    extension.run(mi, md, reps, out_d, out_i, scratch, 1)
    statuses = [out_i[r * model.out_i_words + model.status_column] for r in range(n)]
    return out_d.tobytes(), out_i.tobytes(), max(statuses, default=0)


def main(argv: list[str]) -> int:
    if sys.byteorder != "little" or array("q").itemsize != 8 or array("d").itemsize != 8:
        print("the stored models are little-endian int64 blocks", file=sys.stderr)
        return 1
    extension = load_extension(Path(argv[0]))
    version = int(argv[1])
    digest = hashlib.sha256()
    replications = 0
    for name in argv[2:]:
        model = read_model(Path(name))
        if model.layout_version != version:
            print(
                f"{Path(name).name}: layout version {model.layout_version}, the kernel's is "
                f"{version}: stale (make training-models)",
                file=sys.stderr,
            )
            return 1
        out_d, out_i, status = run_model(extension, model)
        if status != 0:
            print(f"{Path(name).name}: a replication ended with status {status}", file=sys.stderr)
            return 1
        digest.update(out_d)
        digest.update(out_i)
        replications += model.replications
    print(json.dumps({"replications": replications, "sha256": digest.hexdigest()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
