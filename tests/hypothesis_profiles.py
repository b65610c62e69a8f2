"""The suite's Hypothesis profiles. A developer's run keeps Hypothesis's defaults (random examples, the example
database); ``CI`` in the environment (``.ci/run`` runs with ``CI=true``) loads ``ci``. To see what CI sees, run
with ``CI=true`` or ``--hypothesis-profile=ci``.

``ci`` changes no example count: every Hypothesis test of this suite names its own ``max_examples``, and CI is the
gate, so it runs as many as a developer does. It makes a CI run repeatable (``derandomize``: the same examples
every run, so a red CI is a regression anyone can reproduce, never an unlucky draw), never failed by a loaded
machine (``deadline=None``, no ``too_slow`` health check) and free of what earlier runs left (``database=None``).

Recent Hypothesis versions load a built-in ``ci`` profile of their own when they detect CI; this one replaces it
with the same settings, written here so that they hold with every Hypothesis the ``[test]`` extra allows and can
be read in the repository.
"""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def load(environ: Mapping[str, str]) -> str:
    """Load ``ci`` when ``CI`` is set (to anything but empty), else ``default``; the name loaded."""
    name = "ci" if environ.get("CI") else "default"
    settings.load_profile(name)
    return name
