"""Write the training models of the profile-guided build (``make training-models``).

Packs example scenarios into the ``*.model`` files beside this script (format in
``train.py``), which ``setup.py`` runs the kernel on between its two profile-guided
builds. Run again whenever packing or the kernel's layout changes:
``tests/test_kernel_pgo.py`` fails while the stored files differ from what this writes.

    python pgo/write_models.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from kernels.layout import DEFINES, LAYOUT
from simulator import compile_season, load_scenario
from simulator.engines.packing import pack

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train import TrainingModel  # type: ignore[import-not-found]  # the script beside

ROOT = Path(__file__).resolve().parents[1]
FOLDER = Path(__file__).resolve().parent
MM3_CUSTOMERS = 20_000
"""The M/M/3 of the benchmarks, shortened from 200,000 customers to keep the file small."""
TRAINING = {
    # name: (scenario, overrides, replications)
    "season-hybrid": ("scenarios/season-hybrid.yaml", [], 4),
    "season-shift-left": ("scenarios/season-shift-left.yaml", [], 2),
    "season-full-auto": ("scenarios/season-full-auto.yaml", [], 2),
    "onprem-repairs": ("scenarios/onprem-repairs.yaml", [], 10),
    "two-sites": ("scenarios/examples/two-sites.yaml", [], 10),
    "mm3": (
        "benchmarks/scenarios/mm3.yaml",
        [
            f"shows.queue.episodes.0.shots={MM3_CUSTOMERS // 2}",
            f"shows.queue.episodes.1.shots={MM3_CUSTOMERS // 2}",
        ],
        2,
    ),
}
FIRST_REPLICATION = 0


def training_models() -> dict[str, bytes]:
    """Every training model's file name and the bytes it should hold."""
    header = LAYOUT["rs_header"]
    files = {}
    for name, (scenario, overrides, replications) in TRAINING.items():
        packed = pack(compile_season(load_scenario(ROOT / scenario, overrides)))
        mi = np.ascontiguousarray(packed.mi, dtype="<i8")
        md = np.ascontiguousarray(packed.md, dtype="<f8")
        model = TrainingModel(
            layout_version=DEFINES["RS_LAYOUT_VERSION"],
            replications=replications,
            first=FIRST_REPLICATION,
            scratch_words=int(mi[header["RS_H_SCRATCH_WORDS"]]),
            out_d_words=int(mi[header["RS_H_OUT_D_WORDS"]]),
            out_i_words=int(mi[header["RS_H_OUT_I_WORDS"]]),
            status_column=int(mi[header["RS_H_OI_STATUS"]]),
            mi=mi.tobytes(),
            md=md.tobytes(),
        )
        files[f"{name}.model"] = model.to_bytes()
    return files


def main() -> None:
    files = training_models()
    for old in FOLDER.glob("*.model"):
        if old.name not in files:
            old.unlink()
    for name, data in files.items():
        (FOLDER / name).write_bytes(data)
        print(f"{FOLDER / name}: {len(data):,} bytes")


if __name__ == "__main__":
    main()
