"""Hypothesis profiles for tests of scenarios, engines and policies.

Two profiles, registered by ``register_profiles`` and chosen by ``load_profile``:

``ci``
    Derandomized: a red build fails the same way on every rerun, and prints the blob that
    reproduces the failure. Nothing is read from or written to an example database.
``dev``
    Explores new examples on every run and remembers failures in ``.hypothesis/`` (the
    database writes each example atomically, so parallel test processes can share it).

Both keep the default number of examples small (50 and 25) so a suite stays fast; a test
that needs more asks for it with its own ``@settings``. Neither has a deadline: timings on
shared machines vary too much for a per-example time limit to mean anything.

``load_profile()`` takes the profile named by the ``HYPOTHESIS_PROFILE`` environment
variable; where it is unset, ``ci`` when ``CI`` is set (as hosted CI services set it) and
``dev`` otherwise. A project's ``conftest.py`` needs one line::

    from simulator.testing import load_profile

    load_profile()
"""

from __future__ import annotations

import os

from hypothesis import settings

__all__ = ["PROFILES", "PROFILE_VARIABLE", "load_profile", "register_profiles"]

PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"
"""The environment variable that names the profile ``load_profile`` loads."""

PROFILES = ("ci", "dev")


def register_profiles() -> None:
    """Register the ``ci`` and ``dev`` profiles with hypothesis (loading neither)."""
    settings.register_profile(
        "ci", max_examples=50, deadline=None, derandomize=True, database=None, print_blob=True
    )
    settings.register_profile("dev", max_examples=25, deadline=None)


def load_profile(name: str | None = None) -> str:
    """Register the profiles and load ``name`` (by default the one the environment names,
    see the module's docstring); returns the name loaded."""
    if name is None:
        name = os.environ.get(PROFILE_VARIABLE) or ("ci" if os.environ.get("CI") else "dev")
    if name not in PROFILES:
        raise ValueError(
            f"unknown hypothesis profile {name!r} (from {PROFILE_VARIABLE}); "
            f"the profiles are {', '.join(PROFILES)}"
        )
    register_profiles()
    settings.load_profile(name)
    return name
