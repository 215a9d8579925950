"""``reelsim export``: a results folder as a workbook or CSV files
(``simulator.folders.export_results``)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from simulator.cli import _options as opt

__all__ = ["export"]


@click.command(
    epilog=opt.examples(
        "reelsim export results/demo",
        "reelsim export results/demo --to csv -o demo-csv",
    )
)
@click.argument("results_dir", type=opt.FOLDER)
@click.option(
    "--to",
    "to",
    type=click.Choice(["xlsx", "csv"]),
    default="xlsx",
    show_default=True,
    help="A workbook (one sheet per table) or a folder of CSV files (one per table).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="The workbook or CSV folder to write (default: RESULTS_DIR/export.xlsx or "
    "RESULTS_DIR/export/).",
)
def export(results_dir: Path, to: str, output: Path | None) -> None:
    """Export a results folder of any kind (run, sweep, staff, compare, sensitivity) for a
    spreadsheet: the headline numbers and provenance first, then one sheet per table, each
    column headed with its unit."""
    from simulator.folders.export import export_results

    written = export_results(results_dir, to, output)
    console = Console(stderr=True)
    console.print(f"export written to {written}", highlight=False)
    opt.next_step(console, f"open {written} in a spreadsheet")
