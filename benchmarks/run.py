"""Every speed figure of the project in one table, each beside its baseline measured in the same run.

Run from the checkout's root:

    .venv/bin/python benchmarks/run.py            # the full run: prints the table, writes benchmarks/RESULTS.md
    .venv/bin/python benchmarks/run.py --quick    # proves the harness (tiny sizes); judges nothing, writes nothing
    .venv/bin/python benchmarks/run.py --only state   # the rows of benchmarks/rows_state.py only

The rows come from the ``benchmarks/rows_*.py`` modules, each exposing ``rows(quick) -> list[Row]``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from table import Row, machine_line, render  # noqa: E402  (the row modules sit beside this script)

RESULTS = HERE / "RESULTS.md"


def row_modules(only: list[str] | None = None) -> list[str]:
    """The row modules' names, sorted; ``only`` keeps those whose name after ``rows_`` is listed."""
    names = sorted(p.stem for p in HERE.glob("rows_*.py"))
    return [n for n in names if only is None or n.removeprefix("rows_") in only]


def collect(quick: bool, only: list[str] | None = None) -> list[Row]:
    """Run every row module and gather its rows, in module order."""
    rows: list[Row] = []
    for name in row_modules(only):
        started = time.perf_counter()
        module = importlib.import_module(name)
        got = module.rows(quick)
        print(f"{name}: {len(got)} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        rows.extend(got)
    return rows


def results_page(rows: list[Row]) -> str:
    """RESULTS.md: the machine line, the table, and how many targets hold."""
    held = sum(r.holds for r in rows)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "# Benchmark results\n\n"
        f"Written by `benchmarks/run.py` ({when}). Machine: {machine_line()}.\n\n"
        "Every value sits beside its baseline measured in the same run; only the ratios compare across runs.\n\n"
        f"{render(rows, judged=True)}\n\n{held} of {len(rows)} targets hold.\n"
    )


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="prove the harness: tiny sizes, nothing judged")
    parser.add_argument("--only", action="append", help="run only these row modules (e.g. state); repeatable")
    args = parser.parse_args(argv)
    rows = collect(args.quick, args.only)
    if not rows:
        print("no rows: no benchmarks/rows_*.py module matched, or each that did skipped (see above)", file=sys.stderr)
        return 1
    print(f"machine: {machine_line()}")
    print(render(rows, judged=not args.quick))
    if not args.quick and args.only is None:
        RESULTS.write_text(results_page(rows))
        print(f"written to {RESULTS.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
