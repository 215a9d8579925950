"""Shared test settings.

Hypothesis profiles: ``ci`` (chosen when the ``CI`` environment variable is set) is
derandomized, so that a red build fails the same way on a rerun, and prints the blob that
reproduces a failure; ``dev`` explores new examples on every run (and remembers failures
in ``.hypothesis/``). Both keep the default number of examples small so the suite stays
fast; tests that need more ask for it with their own ``@settings``. No deadline: timings on
shared machines vary too much for a per-example time limit to mean anything.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
