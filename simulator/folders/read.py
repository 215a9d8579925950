"""Reading a results folder: its manifest and the files it lists, each checked once.

A folder written by ``reelsim run``, ``sweep``, ``staff``, ``compare`` or ``sensitivity``
has a ``summary.json`` whose ``files`` map names each data file with its SHA-256
(``simulator.folders.write``). ``ResultsFolder`` reads the manifest, checks that it holds
what a reader reads (``simulator.folders.manifest``), and says, per file, whether it is
there and as written. A file the manifest does not list is never used, whatever its name:
it is not part of the results (a plot a previous run left, say).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.errors import UsageError
from simulator.files import StrPath, file_sha256
from simulator.folders.manifest import check_manifest, manifest_kind
from simulator.results.summary import Summary

__all__ = ["ResultsFolder"]


@dataclass
class ResultsFolder:
    """A results folder as written: its summary, its files, each checked once."""

    path: Path
    summary: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, path: StrPath) -> ResultsFolder:
        path = Path(path)
        manifest = path / "summary.json"
        if not manifest.is_file():
            raise UsageError(
                f"{path}: no summary.json here; give a folder written by reelsim run, sweep, "
                "staff, compare or sensitivity"
            )
        try:
            summary = json.loads(manifest.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
            raise UsageError(f"{manifest}: not a readable summary ({error})") from None
        except OSError as error:
            raise UsageError(f"{manifest}: cannot be read ({error.strerror})") from None
        check_manifest(summary, str(manifest))
        return cls(path, summary)

    @property
    def kind(self) -> str:
        return manifest_kind(self.summary)

    @cached_property
    def run_summary(self) -> Summary:
        """A run folder's summary, typed."""
        data = dict(self.summary)
        if "utilization" in data:  # the spelling of folders from earlier versions
            data["utilisation"] = data.pop("utilization")
        try:
            return Summary.from_json(data)
        except ValueError as error:
            raise UsageError(f"{self.path / 'summary.json'}: {error}") from None

    @cached_property
    def file_status(self) -> dict[str, str]:
        """Each file summary.json lists: ``ok``, ``changed`` or ``missing``."""
        status = {}
        for name, digest in sorted(self.summary.get("files", {}).items()):
            path = self.path / name
            try:
                status[name] = "ok" if file_sha256(path) == digest else "changed"
            except OSError:  # absent, a folder, or unreadable: not there as written
                status[name] = "missing"
        return status

    def usable(self, name: str) -> bool:
        """A file the manifest lists, there and as the run wrote it."""
        return self.file_status.get(name) == "ok"

    def table(self, name: str) -> pd.DataFrame | None:
        return pd.read_parquet(self.path / name) if self.usable(name) else None

    @cached_property
    def scenario(self) -> Any:
        """The scenario as run (``scenario.yaml``), or None when the folder lacks it."""
        from simulator.scenario.load import scenario_sha256
        from simulator.scenario.schema import Scenario

        if not self.usable("scenario.yaml"):
            return None
        try:
            scenario = Scenario.model_validate(
                yaml.safe_load((self.path / "scenario.yaml").read_text())
            )
        except Exception as error:  # a report shows what it can rather than refuse
            self.warnings.append(f"scenario.yaml could not be read ({type(error).__name__})")
            return None
        expected = self.summary.get("scenario", {}).get("sha256")
        if expected and scenario_sha256(scenario) != expected:
            self.warnings.append(
                "scenario.yaml is not the scenario this run used (its sha256 differs): the "
                "assumptions below may not match the numbers"
            )
        return scenario
