"""The suite's Hypothesis profiles. A developer's run keeps Hypothesis's defaults (random examples, the example
database); ``CI`` in the environment (``.ci/run`` runs with ``CI=true``) loads ``ci``. To see what CI sees, run
with ``CI=true`` or ``--hypothesis-profile=ci``.

``ci`` changes no example count: every Hypothesis test of this suite names its own ``max_examples``, and CI is the
gate, so it runs as many as a developer does. It makes a CI run repeatable (``derandomize``: the same examples
every run, so a red CI is a regression anyone can reproduce, never an unlucky draw), never failed by a loaded
machine (``deadline=None``) and free of what earlier runs left (``database=None``).
"""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)


def load(environ: Mapping[str, str]) -> str:
    """Load ``ci`` when ``CI`` is set (to anything but empty), else ``default``; the name loaded."""
    name = "ci" if environ.get("CI") else "default"
    settings.load_profile(name)
    return name
