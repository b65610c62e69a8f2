"""The per-test cost of a fixture inside real pytest: a subprocess pytest run of N tests that each ask for one
fixture, timed around each test's set-up, call and teardown by a small plugin, minus the same for N empty tests.

Used by ``rows_inprocess.py``; run by itself it prints the three figures:
    .venv/bin/python benchmarks/fixture_cost.py [N]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TIMER = """
import time, json, os
import pytest

_spent = []

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    yield
    _spent.append(time.perf_counter() - start)

def pytest_sessionfinish(session):
    ordered = sorted(_spent[1:])  # the first test pays for imports
    with open(os.environ["FIXTURE_COST_OUT"], "w") as out:
        json.dump(ordered[len(ordered) // 2], out)
"""

BODIES = {
    "empty": "def test_{i}():\n    pass\n",
    "wacht_mock": "def test_{i}(wacht_mock):\n    pass\n",
    "respx_mock": 'def test_{i}(respx_mock):\n    respx_mock.get("https://example.test/").respond(200)\n',
}


def write_suite(folder: Path, kind: str, n: int) -> Path:
    """N tests of one kind in their own folder, with the timing plugin as their conftest."""
    suite = folder / kind
    suite.mkdir()
    (suite / "conftest.py").write_text(TIMER)
    (suite / f"test_{kind}.py").write_text("\n\n".join(BODIES[kind].format(i=i) for i in range(n)))
    return suite


def median_test_us(suite: Path) -> float:
    """The median time one test of the suite took, set-up and teardown included, in a fresh pytest process."""
    out = suite / "cost.json"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(suite)]
    env = {"FIXTURE_COST_OUT": str(out), "PATH": "", "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(command, check=True, capture_output=True, cwd=suite, env=env)
    return float(json.loads(out.read_text())) * 1e6


def fixture_costs(n: int, rounds: int) -> dict[str, float]:
    """Each suite's median per-test time in µs (the median over ``rounds`` runs, the suites interleaved)."""
    with tempfile.TemporaryDirectory() as tmp:
        suites = {kind: write_suite(Path(tmp), kind, n) for kind in BODIES}
        runs: dict[str, list[float]] = {kind: [] for kind in BODIES}
        for _ in range(rounds):
            for kind, suite in suites.items():
                runs[kind].append(median_test_us(suite))
    return {kind: statistics.median(values) for kind, values in runs.items()}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    got = fixture_costs(n, 3)
    for kind, us in got.items():
        print(f"{kind:<12}{us:9.1f} us per test   minus empty {us - got['empty']:9.1f} us")


if __name__ == "__main__":
    main()
