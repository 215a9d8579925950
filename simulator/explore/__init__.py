"""``reelsim explore``: a live planning session in the browser.

A local web page on the scenario a meeting plans with: its knobs, each change answered in
seconds on common random numbers with the paired difference against the plan the session
started from, a history of every configuration tried, and any of them saved as a scenario,
a results folder and a report. Built on the library's public calls only.
"""

from __future__ import annotations

from simulator.explore.app import create_app, serve
from simulator.explore.knobs import Knob, expand_shifts, scenario_knobs
from simulator.explore.saving import changed_text, save_configuration
from simulator.explore.session import Configuration, Session, answer_steps, refusal

__all__ = [
    "Configuration",
    "Knob",
    "Session",
    "answer_steps",
    "changed_text",
    "create_app",
    "expand_shifts",
    "refusal",
    "save_configuration",
    "scenario_knobs",
    "serve",
]
