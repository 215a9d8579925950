"""A results folder as a workbook or as CSV files, for the people who meet over a
spreadsheet.

``export_results(folder, to="xlsx")`` reads a folder written by ``reelsim run``,
``sweep``, ``staff``, ``compare`` or ``sensitivity`` (each file checked against its
SHA-256 in ``summary.json``) and writes:

- ``xlsx``: one workbook; its first sheet, ``summary``, holds the headline numbers and the
  provenance (``simulator.folders._headline``), then one sheet per table of the folder
  (``replications``, ``timeseries``, ``waits``; ``points``; ``configurations``; ``comparison``;
  ``samples`` and ``indices``), each column headed with what it is and its unit
  ("delivery (hours from season start)", "cost, total (USD)"). Probabilities and shares
  keep their values (0.25) and are shown as percentages; costs with thousands separators.
- ``csv``: a folder of the same tables, one CSV file each, ``summary.csv`` first.

The replications' chunk files under ``replications/`` are not exported: they are the raw
rows behind a planning folder's tables. A number that summary.json writes as null or a table
holds as infinite or NaN (an unbounded interval, a ratio with nothing to divide) is an
empty cell. Text cells are neutralised against formula injection (``csv_safe_cell``): a
scenario's names reach the sheets, and a spreadsheet must never run them.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.errors import UsageError
from simulator.files import atomic_write, csv_safe_cell
from simulator.folders._columns import NUMBER_FORMATS, column, quantity_unit
from simulator.folders._headline import HEADLINE_COLUMNS, headline_rows
from simulator.folders.read import ResultsFolder

__all__ = ["EXPORT_FORMATS", "export_results"]

EXPORT_FORMATS = ("xlsx", "csv")
KINDS = ("run", "sweep", "staff", "compare", "sensitivity")
SHEET_ROWS = 1_048_576
"""A worksheet's most rows, its header included."""


@dataclass(frozen=True)
class _Table:
    """A table as exported: its name (sheet or file), its headed columns, and the number
    format of each column (None: the row's unit says, or none)."""

    name: str
    frame: pd.DataFrame
    formats: list[str | None]


def _cell(value: Any) -> Any:
    """A value as a spreadsheet cell: plain Python, empty for a number that is not finite,
    text neutralised."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or (not isinstance(value, str | bool | int | float) and pd.isna(value)):
        return None
    return csv_safe_cell(value)


def _headed(name: str, frame: pd.DataFrame) -> _Table:
    """A folder's table with each column headed by what it is and its unit."""
    if "quantity" in frame.columns:  # compare's table: one quantity, one unit per row
        frame = frame.assign(unit=[quantity_unit(q) for q in frame["quantity"]])
    columns = [column(str(name)) for name in frame.columns]
    headers: list[str] = []
    for original, col in zip(frame.columns, columns, strict=True):
        header = col.header if col.header not in headers else f"{col.header} [{original}]"
        headers.append(csv_safe_cell(header))
    headed = frame.set_axis(headers, axis=1)
    return _Table(name, headed, [c.number_format for c in columns])


def _tables(folder: ResultsFolder) -> list[_Table]:
    """The summary sheet, then the folder's tables in the order its manifest lists them."""
    kind = folder.kind
    if kind not in KINDS:
        raise UsageError(
            f"{folder.path}: a results folder of kind {kind!r} cannot be exported; give one "
            f"written by reelsim {', '.join(KINDS)}"
        )
    rows = headline_rows(kind, folder.summary, folder.path)
    summary = pd.DataFrame(list(rows), columns=list(HEADLINE_COLUMNS))
    tables = [_Table("summary", summary, [None] * len(HEADLINE_COLUMNS))]
    for name in folder.summary.get("files", {}):
        if "/" in name or not name.endswith(".parquet"):
            continue
        frame = folder.table(name)
        if frame is None:
            raise UsageError(
                f"{folder.path / name}: {folder.file_status.get(name, 'missing')} since the "
                "folder was written (its sha256 in summary.json differs); run it again"
            )
        tables.append(_headed(name.removesuffix(".parquet"), frame))
    return tables


def _write_xlsx(tables: list[_Table], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        frame = table.frame
        if len(frame) + 1 > SHEET_ROWS:
            raise UsageError(
                f"{table.name} has {len(frame):,} rows, more than a worksheet holds "
                f"({SHEET_ROWS - 1:,}); export with --to csv"
            )
        sheet = workbook.create_sheet(table.name)
        sheet.freeze_panes = "A2"
        for index, header in enumerate(frame.columns, start=1):
            width = min(48, max(10, len(str(header)) + 2))
            sheet.column_dimensions[get_column_letter(index)].width = width
        header_cells = []
        for header in frame.columns:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        units = list(frame["unit"]) if "unit" in frame.columns else None
        for number, values in enumerate(frame.itertuples(index=False, name=None)):
            row_format = NUMBER_FORMATS.get(units[number]) if units is not None else None
            cells: list[Any] = []
            for value, column_format in zip(values, table.formats, strict=True):
                value = _cell(value)
                number_format = column_format or row_format
                if number_format is None or isinstance(value, str | bool) or value is None:
                    cells.append(value)
                    continue
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                cells.append(cell)
            sheet.append(cells)
    atomic_write(path, workbook.save)


def _write_csv(tables: list[_Table], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for table in tables:
        frame = table.frame.copy()
        for name in frame.columns:
            frame[name] = [_cell(value) for value in frame[name]]

        def write(tmp: Path, frame: pd.DataFrame = frame) -> None:
            # With a byte-order mark, a spreadsheet opens the file as UTF-8 (μ*, "A − B").
            frame.to_csv(tmp, index=False, encoding="utf-8-sig")

        atomic_write(folder / f"{table.name}.csv", write)


def export_results(
    results_dir: str | os.PathLike[str],
    to: str = "xlsx",
    output: str | os.PathLike[str] | None = None,
) -> Path:
    """Export a results folder ``to`` ``xlsx`` (one workbook) or ``csv`` (a folder of CSV
    files); return what was written: ``output``, by default ``RESULTS_DIR/export.xlsx`` or
    the folder ``RESULTS_DIR/export``."""
    if to not in EXPORT_FORMATS:
        raise UsageError(f"export to {to!r}: expected one of {', '.join(EXPORT_FORMATS)}")
    folder = ResultsFolder.open(Path(results_dir))
    tables = _tables(folder)
    default = folder.path / ("export.xlsx" if to == "xlsx" else "export")
    written = Path(output) if output is not None else default
    if to == "xlsx":
        _write_xlsx(tables, written)
    else:
        _write_csv(tables, written)
    return written
