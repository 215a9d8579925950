"""The report: one self-contained HTML page of a results folder, for a planning meeting.

``reelsim report RESULTS_DIR -o report.html`` (or ``write_report(folder, out)``) reads a
folder that a command wrote and lays it out as a page people can decide from: the
question, the verdict, the headline numbers with their intervals, what they mean in plain
words, the plots, the tables, the assumptions and the provenance.

How it is put together, so that other kinds of folder plug in:

    ResultsFolder   the files: summary.json, the tables, the plots, the scenario as run,
                    each checked against the checksum summary.json recorded
    view            a function ResultsFolder → Page, chosen by summary.json's "kind":
                    VIEWS maps a kind to "module:function" ("run" →
                    simulator.report._run:run_page; sweep and staff pages are in
                    simulator.report._planning, compare and sensitivity pages in
                    simulator.report._compare). Any other kind gets an inventory page.
    Page            plain data: headlines, plain-language lines, sections of text, tables
                    and plots, provenance; every value already a formatted string
    template        templates/report.html.j2 lays out any Page the same way

The helpers below (``folder_plot``, ``provenance_rows``, ``files_table``) are for the
views; every figure on every page is formatted by ``simulator.report.words``, as the
terminal's are.

The page must open from a file share or an e-mail attachment, years later, on a machine
with no network: styles are inline, plots are inline ``data:`` URIs (SVG where the folder
has it, for print; PNG otherwise; drawn afresh from the tables when the folder has none),
there is no script, and a Content-Security-Policy forbids the browser to fetch anything.
The same folder gives the same bytes: nothing on the page depends on when it was written.
"""

from __future__ import annotations

import base64
import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from markupsafe import Markup, escape

from simulator._version import __version__
from simulator.errors import UsageError
from simulator.files import StrPath
from simulator.folders.read import ResultsFolder
from simulator.report.words import number, percent
from simulator.results.summary import Summary

__all__ = [
    "VIEWS",
    "Block",
    "Headline",
    "Page",
    "Plot",
    "Section",
    "Table",
    "Text",
    "Verdict",
    "build_page",
    "calendar_start",
    "data_uri",
    "file_warnings",
    "files_table",
    "folder_plot",
    "inventory_page",
    "provenance_rows",
    "render_html",
    "view_for",
    "write_report",
]

# --- the page, as plain data ---------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str
    kind: Literal["text"] = "text"


@dataclass(frozen=True)
class Table:
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    title: str = ""
    numeric: Sequence[bool] = ()
    """Per column: right-aligned figures."""
    note: str = ""
    kind: Literal["table"] = "table"

    def __post_init__(self) -> None:
        if not self.numeric:
            object.__setattr__(self, "numeric", [False] * len(self.columns))


@dataclass(frozen=True)
class Plot:
    title: str
    uri: str
    """The image as a ``data:`` URI: the page carries it."""
    caption: str = ""
    alt: str = ""
    kind: Literal["plot"] = "plot"


Block = Text | Table | Plot


@dataclass(frozen=True)
class Section:
    title: str
    anchor: str
    intro: str = ""
    blocks: Sequence[Block] = ()


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    interval: str = ""
    note: str = ""


@dataclass(frozen=True)
class Verdict:
    level: str
    """``on_time``, ``at_risk``, ``late`` or ``neutral``: the colour and its border."""
    word: str
    text: str


@dataclass(frozen=True)
class Page:
    title: str
    subtitle: str
    folder: str
    question: str = ""
    verdict: Verdict | None = None
    headlines: Sequence[Headline] = ()
    reading: Sequence[str] = ()
    sections: Sequence[Section] = ()
    provenance: Sequence[tuple[str, str]] = ()
    files: Sequence[Block] = ()
    warnings: Sequence[str] = ()
    generator: str = __version__


def calendar_start(summary: Summary, scenario: Any) -> date | None:
    if scenario is not None:
        start: date = scenario.calendar.start
        return start
    for ep in summary.episodes:
        return (ep.deadline - timedelta(hours=ep.deadline_h)).date()
    return None


# --- plots -----------------------------------------------------------------------------------


def data_uri(data: bytes, fmt: str) -> str:
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def folder_plot(folder: ResultsFolder, stem: str) -> str | None:
    """The folder's own plot file as a data URI: SVG first (it prints sharply), else PNG."""
    for fmt in ("svg", "png"):
        name = f"{stem}.{fmt}"
        if folder.usable(name):
            return data_uri((folder.path / name).read_bytes(), fmt)
    return None


# --- shared by the views ----------------------------------------------------------------


def provenance_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    scenario = summary.get("scenario", {})
    rows = [
        ("scenario", str(scenario.get("name", "?"))),
        ("scenario sha256", str(scenario.get("sha256", "?"))),
        ("kind", str(summary.get("kind", "run"))),
        ("reelsim version", str(summary.get("reelsim_version", "?"))),
        ("engine", f"{summary.get('engine', '?')} ({summary.get('engine_reason', '')})"),
        ("seed", str(summary.get("seed", "?"))),
        ("replications", f"{summary.get('replications', '?')}"),
        ("confidence level", percent(summary.get("confidence"), 0)),
    ]
    if "events" in summary:
        rows.append(("events simulated", f"{summary['events']:,}"))
    if "wall_seconds" in summary:
        rows.append(("wall time", f"{summary['wall_seconds']:.2f} s"))
    return rows


def files_table(folder: ResultsFolder) -> Table:
    words = {
        "ok": "as written by the run",
        "changed": "CHANGED since the run",
        "missing": "MISSING",
    }
    rows = [
        [name, words[status], folder.summary["files"][name]]
        for name, status in folder.file_status.items()
    ]
    return Table(
        ["file", "check", "sha256 recorded in summary.json"],
        rows,
        title="Files of the results folder",
    )


def file_warnings(folder: ResultsFolder) -> list[str]:
    out = [
        f"{name} is {status} since the run: figures drawn from it are left out"
        for name, status in folder.file_status.items()
        if status != "ok"
    ]
    return out + folder.warnings


# --- a folder of a kind with no view yet --------------------------------------------------


def inventory_page(folder: ResultsFolder) -> Page:
    """Any results folder: its provenance, its plots and its tables, as they are."""
    blocks: list[Block] = []
    listed = [Path(name) for name in folder.file_status if "/" not in name]
    for path in sorted(p for p in listed if p.suffix == ".svg") + sorted(
        p for p in listed if p.suffix == ".png"
    ):
        if path.suffix == ".png" and folder.usable(str(path.with_suffix(".svg"))):
            continue
        if folder.usable(path.name):
            data = data_uri((folder.path / path).read_bytes(), path.suffix[1:])
            blocks.append(Plot(path.stem.replace("_", " "), data, alt=path.stem))
    for path in sorted(p for p in listed if p.suffix == ".parquet"):
        frame = folder.table(path.name)
        if frame is None or frame.empty:
            continue
        head = frame.head(50)
        blocks.append(
            Table(
                [str(c) for c in head.columns],
                [[_cell(v) for v in row] for row in head.itertuples(index=False)],
                title=f"{path.name} ({len(frame):,} rows{', first 50' if len(frame) > 50 else ''})",
            )
        )
    name = str(folder.summary.get("scenario", {}).get("name", folder.path.name))
    return Page(
        title=f"{name}: {folder.kind} results",
        subtitle=f"A reelsim {folder.kind} folder, shown as it is (no dedicated view yet).",
        folder=folder.path.name,
        sections=[Section("Contents", "contents", blocks=blocks)] if blocks else [],
        provenance=provenance_rows(folder.summary),
        files=[files_table(folder)] if folder.file_status else [],
        warnings=file_warnings(folder),
    )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return number(value, 4) if abs(value) < 1e6 else f"{value:.4g}"
    return str(value)


VIEWS: dict[str, str] = {
    "run": "simulator.report._run:run_page",
    "sweep": "simulator.report._planning:sweep_page",
    "staff": "simulator.report._planning:staff_page",
    "compare": "simulator.report._compare:compare_page",
    "sensitivity": "simulator.report._compare:sensitivity_page",
}
"""The page of each kind of results folder, by summary.json's ``kind``, as
``module:function`` (imported when needed; the function takes a ``ResultsFolder`` and
returns a ``Page``). A kind not listed gets ``inventory_page``."""


# --- entry points ----------------------------------------------------------------------------


def view_for(kind: str) -> Callable[[ResultsFolder], Page]:
    """The page function for a kind of folder (``inventory_page`` when none is registered)."""
    if kind not in VIEWS:
        return inventory_page
    module_name, _, function = VIEWS[kind].partition(":")
    view: Callable[[ResultsFolder], Page] = getattr(importlib.import_module(module_name), function)
    return view


def build_page(folder: StrPath) -> Page:
    """The page of ``folder``. Its manifest is checked first (``ResultsFolder.open``); a
    value that passes the check but still cannot be laid out (a table that disagrees with
    it, say) refuses the folder as bad input too, rather than showing a wrong page."""
    folder = Path(folder)
    results = ResultsFolder.open(folder)
    try:
        return view_for(results.kind)(results)
    except (KeyError, IndexError, TypeError, ValueError, ArithmeticError, AttributeError) as error:
        raise UsageError(
            f"{folder / 'summary.json'}: the {results.kind} report cannot be laid out from "
            f"this folder ({type(error).__name__}: {error}); its summary or tables were "
            "changed after it was written. Rerun the command that wrote it."
        ) from None


_BREAKS = re.compile(r"([./_=])(?=[^\s\d])")


def breakable(text: object) -> Markup:
    """``text``, escaped, with a line-break opportunity after each dot, slash, underscore
    and equals sign that a word follows (never inside a number): a dotted path or a chunk's
    file name wraps in its card or table cell at its joints instead of widening it."""
    return Markup(_BREAKS.sub(r"\1<wbr>", str(escape(str(text)))))


def render_html(page: Page) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("simulator.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt field is an error, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["breakable"] = breakable
    return env.get_template("report.html.j2").render(page=page)


def write_report(
    folder: StrPath, out: StrPath | None = None, *, allow_changed: bool = False
) -> Path:
    """Write the report of ``folder`` to ``out`` (default: ``folder/report.html``).

    A folder whose files no longer match the checksums its summary.json recorded is
    refused: its numbers may not be the run's. ``allow_changed`` reports it anyway, with
    the changed files flagged and every figure drawn from them left out.
    """
    from simulator.files import atomic_write

    folder = Path(folder)
    out = None if out is None else Path(out)

    if not allow_changed:
        bad = {
            name: state
            for name, state in ResultsFolder.open(folder).file_status.items()
            if state != "ok"
        }
        if bad:
            listed = ", ".join(f"{name} ({state})" for name, state in bad.items())
            raise UsageError(
                f"{folder}: files differ from the checksums recorded in summary.json: {listed}."
                " Rerun to regenerate them, or pass --allow-changed to report what is intact."
            )
    target = out if out is not None else folder / "report.html"
    html = render_html(build_page(folder))

    def write(tmp: Path) -> None:
        tmp.write_text(html, encoding="utf-8")

    atomic_write(target, write)
    return target
