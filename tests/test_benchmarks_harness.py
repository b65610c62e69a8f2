"""The benchmark harness runs end to end in --quick mode: every row module answers, the table is printed, nothing
is judged and RESULTS.md is left alone. Speed itself is never asserted here (benchmarks/run.py judges it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_run_prints_every_row_unjudged_and_writes_nothing() -> None:
    results = (ROOT / "benchmarks" / "RESULTS.md").read_bytes()
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    modules = sorted(p.stem for p in (ROOT / "benchmarks").glob("rows_*.py"))
    assert modules, "no row module"
    for name in modules:
        assert f"{name}: " in done.stderr, done.stderr
    table = [line for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert table and all(line.endswith("| not judged |") for line in table), done.stdout
    assert (ROOT / "benchmarks" / "RESULTS.md").read_bytes() == results
