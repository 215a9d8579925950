"""``reelsim export``: every kind of results folder as a workbook and as CSV files, read
back by a spreadsheet reader (pandas) and held against ``summary.json`` and the tables."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import Work, compare, load_scenario, simulate, staff, sweep
from simulator.cli.commands import main
from simulator.files import csv_safe_cell
from simulator.folders import export_results, write_results
from simulator.planning.sensitivity import sensitivity

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "demo.yaml"
HOSTILE = "-A1"
"""An episode name the schema allows and a spreadsheet would take for a formula."""
TABLES = {
    "run": ["replications", "timeseries", "waits"],
    "sweep": ["points"],
    "staff": ["configurations"],
    "compare": ["comparison"],
    "sensitivity": ["samples", "indices"],
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One results folder of each kind, made from the demo with a few replications."""
    root = tmp_path_factory.mktemp("folders")
    work = Work(replications=4, seed=3, threads=1)
    hostile = [f"shows.harbor-lights.episodes.0.name={HOSTILE}"]
    run = simulate(load_scenario(DEMO, hostile), work)
    write_results(run, root / "run", plots=False)
    sweep(DEMO, ["pools.h100.gpus=1,2"], out=root / "sweep", work=work, plots=False)
    people = "teams.supervisors.shifts.0.people=1:2"
    staff(DEMO, [people], target_risk=0.9, out=root / "staff", work=work, plots=False)
    compare(DEMO, DEMO, out=root / "compare", work=work, overrides_b=["pools.h100.gpus=3"])
    factors = ["pools.h100.gpus=1:3", "shot_stages.supervisor_review.catch_probability=0.7:0.9"]
    sensitivity(DEMO, factors, out=root / "sensitivity", work=work, samples=2, plots=False)
    return {kind: root / kind for kind in TABLES}


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as a spreadsheet holds it: no infinities (empty cells), text neutralised."""
    frame = frame.replace([np.inf, -np.inf], np.nan)
    for name in frame.columns:
        if frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name]):
            frame[name] = frame[name].map(csv_safe_cell).astype(object)
    return frame.reset_index(drop=True)


def _assert_table_equal(back: pd.DataFrame, table: pd.DataFrame) -> None:
    """``back`` (read from an export) holds ``table``'s values, column by column in order."""
    assert len(back) == len(table)
    expected = _comparable(table)
    for position, name in enumerate(expected.columns):
        got, want = back.iloc[:, position], expected[name]
        if pd.api.types.is_numeric_dtype(want) and not pd.api.types.is_bool_dtype(want):
            np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), rtol=1e-12)
        else:
            assert [str(v) for v in got] == [str(v) for v in want], name


def _headline(summary_sheet: pd.DataFrame) -> dict[str, tuple[object, float, float]]:
    rows = summary_sheet[summary_sheet["section"] == "headline"]
    return {
        r["item"]: (r["value"], r["interval low"], r["interval high"])
        for r in rows.to_dict(orient="records")
    }


def _close(value: object, expected: float | None) -> bool:
    if expected is None:  # summary.json's null: an unbounded bound, an empty cell
        return isinstance(value, float) and math.isnan(value)
    return math.isclose(float(value), expected, rel_tol=1e-12)  # type: ignore[arg-type]


def _check_headline(kind: str, headline: dict[str, tuple[object, float, float]], summary: dict):
    """The first sheet's headline numbers are summary.json's."""
    if kind == "run":
        risk = summary["season"]["p_any_miss"]
        value, low, high = headline["P(any episode misses)"]
        assert _close(value, risk["estimate"])
        assert _close(high, risk["high"])
        cost = summary["cost"]["total"]["p90"]
        value, low, high = headline["cost, 90th percentile"]
        assert _close(value, cost["estimate"])
        assert _close(low, cost["low"])
        assert _close(high, cost["high"])  # null in summary.json: an empty cell
        for episode in summary["episodes"]:
            value, low, high = headline[f"{csv_safe_cell(episode['id'])}: delivery, mean"]
            assert _close(value, episode["delivery_h"]["mean"]["estimate"])
        paid = summary["paid_utilisation"]["pool:h100"]
        value, low, high = headline[
            "utilisation of pool:h100: busy share of paid hours to the season end"
        ]
        assert _close(value, paid["estimate"])
        assert _close(high, paid["high"])
        in_system = summary["waits"]["time_in_system_h"]
        value, low, high = headline["shot time in system, mean"]
        assert _close(value, in_system["estimate"])
        in_stage = summary["waits"]["stages"]["stage:conform"]["time_in_stage_h"]
        value, low, high = headline["stage:conform: time in the stage per visit, mean"]
        assert _close(value, in_stage["estimate"])
        assert _close(high, in_stage["high"])
        queued = summary["waits"]["resources"]["pool:h100"]["queued_at_end"]
        value, low, high = headline["pool:h100: tasks still queued at the end"]
        assert _close(value, queued["estimate"])
    elif kind == "staff":
        chosen = summary["chosen"]
        value, low, high = headline["chosen: cost, mean"]
        assert _close(value, chosen["cost_mean"]["estimate"])
        assert _close(low, chosen["cost_mean"]["low"])
    elif kind == "compare":
        (row,) = [r for r in summary["differences"] if r["quantity"] == "cost_total"]
        value, low, high = headline["cost, total: A − B"]
        assert _close(value, row["difference"])
        assert _close(high, row["high"])
    elif kind == "sweep":
        assert headline["replications per point"][0] == summary["replications"]
        assert headline["points"][0] == len(summary["points"])
    else:
        assert headline["points"][0] == summary["points"]
        best = next(r for r in summary["indices"] if r["output"] == "cost_mean" and r["rank"] == 1)
        assert headline["drives cost_mean the most"][0] == best["factor"]


@pytest.mark.parametrize("kind", list(TABLES))
def test_xlsx_reads_back_as_summary_and_tables(folders: dict[str, Path], kind: str) -> None:
    folder = folders[kind]
    written = export_results(folder, "xlsx", folder.parent / f"{kind}.xlsx")
    sheets = pd.read_excel(written, sheet_name=None)
    assert list(sheets) == ["summary", *TABLES[kind]]
    summary = json.loads((folder / "summary.json").read_text())
    provenance = sheets["summary"][sheets["summary"]["section"] == "provenance"]
    facts = dict(zip(provenance["item"], provenance["value"], strict=True))
    assert facts["kind"] == kind
    assert facts["reelsim version"] == summary["reelsim_version"]
    assert int(facts["seed"]) == summary["seed"]
    _check_headline(kind, _headline(sheets["summary"]), summary)
    for table in TABLES[kind]:
        _assert_table_equal(sheets[table], pd.read_parquet(folder / f"{table}.parquet"))


@pytest.mark.parametrize("kind", list(TABLES))
def test_csv_reads_back_as_summary_and_tables(folders: dict[str, Path], kind: str) -> None:
    folder = folders[kind]
    written = export_results(folder, "csv", folder.parent / f"{kind}-csv")
    assert sorted(p.name for p in written.iterdir()) == sorted(
        f"{name}.csv" for name in ["summary", *TABLES[kind]]
    )
    summary = json.loads((folder / "summary.json").read_text())
    sheet = pd.read_csv(written / "summary.csv")
    assert _headline(sheet)  # the headline rows are there
    if kind == "run":
        risk = summary["season"]["p_any_miss"]
        value, _, high = _headline(sheet)["P(any episode misses)"]
        assert _close(value, risk["estimate"])
        assert _close(high, risk["high"])
    for table in TABLES[kind]:
        back = pd.read_csv(written / f"{table}.csv", keep_default_na=True)
        _assert_table_equal(back, pd.read_parquet(folder / f"{table}.parquet"))


def test_headers_say_units(folders: dict[str, Path]) -> None:
    sheets = pd.read_excel(export_results(folders["run"], "xlsx"), sheet_name=None)
    headers = list(sheets["replications"].columns)
    assert "delivery (hours from season start)" in headers
    assert "cost, total (USD)" in headers
    assert "escaped defects (count)" in headers
    points = list(pd.read_excel(export_results(folders["sweep"], "xlsx"), "points").columns)
    assert "P(any episode misses), interval high (probability)" in points
    assert "utilisation of pool:h100, busy share of available hours (share of capacity)" in points
    assert "pools.h100.gpus" in points  # a --vary path is its own header


def test_numbers_keep_their_values_and_show_their_units(folders: dict[str, Path]) -> None:
    """A probability stays 0.25 and shows as 25.0%; a cost shows thousands separators."""
    from openpyxl import load_workbook

    workbook = load_workbook(export_results(folders["sweep"], "xlsx"))
    sheet = workbook["points"]
    header = [cell.value for cell in sheet[1]]
    risk = sheet.cell(row=2, column=header.index("P(any episode misses) (probability)") + 1)
    cost = sheet.cell(row=2, column=header.index("cost, mean (USD)") + 1)
    table = pd.read_parquet(folders["sweep"] / "points.parquet")
    # openpyxl writes 16 significant digits: equal to the last bit but one
    assert risk.value == pytest.approx(table["p_any_miss"][0], rel=1e-15, abs=0)
    assert risk.number_format == "0.0%"
    assert cost.value == pytest.approx(table["cost_mean"][0], rel=1e-15, abs=0)
    assert cost.number_format == "#,##0"
    summary = workbook["summary"]
    units = {row[1]: (row[2], row[5]) for row in summary.iter_rows(min_row=2, values_only=True)}
    assert units["replications per point"] == (4, "count")


def test_hostile_text_is_neutralised(folders: dict[str, Path]) -> None:
    """An episode named like a formula is text in the workbook and in the CSV files."""
    from openpyxl import load_workbook

    written = export_results(folders["run"], "xlsx", folders["run"].parent / "hostile.xlsx")
    sheet = load_workbook(written)["replications"]
    episodes = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "'" + HOSTILE in episodes
    assert all(not str(e).startswith(("=", "+", "-", "@")) for e in episodes)
    kinds = {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row[1:2]}
    assert kinds == {"s"}  # text cells, never formulas
    csv = export_results(folders["run"], "csv", folders["run"].parent / "hostile-csv")
    text = (csv / "replications.csv").read_text(encoding="utf-8-sig")
    assert f",'{HOSTILE}," in text
    assert f",{HOSTILE}," not in text


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "+1"),  # a number written as text is a value, not a formula
        ("+A1", "'+A1"),
        ("-A1", "'-A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ep01", "ep01"),
        (-1.5, -1.5),
    ],
)
def test_csv_safe_cell(value: object, safe: object) -> None:
    assert csv_safe_cell(value) == safe


def test_cli_export_and_bad_folder(folders: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "sweep.xlsx"
    assert main(["export", str(folders["sweep"]), "--to", "xlsx", "-o", str(out)]) == 0
    assert pd.read_excel(out, sheet_name=None).keys() == {"summary", "points"}
    (tmp_path / "empty").mkdir()
    assert main(["export", str(tmp_path / "empty")]) == 2


def test_changed_table_is_refused(folders: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "changed"
    shutil.copytree(folders["compare"], copy)
    frame = pd.read_parquet(copy / "comparison.parquet")
    frame.assign(difference=frame["difference"] + 1).to_parquet(copy / "comparison.parquet")
    from simulator import UsageError

    with pytest.raises(UsageError, match=r"comparison\.parquet: changed"):
        export_results(copy, "xlsx")
