"""The HTML report: one self-contained page per results folder, for a planning meeting."""

from __future__ import annotations

from simulator.report.page import (
    Page,
    build_page,
    render_html,
    write_report,
)

__all__ = [
    "Page",
    "build_page",
    "render_html",
    "write_report",
]
