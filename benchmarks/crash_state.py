"""The crash test at length: 50 write storms against ``serve --state``, each SIGKILLed after a random number of
acknowledged writes (seeded), each followed by a restart with the same command line and the checks of
tests/crash_storm.py (every acknowledged write present, nothing half-applied, the file loads, no id reused).

Run: .venv/bin/python benchmarks/crash_state.py [CYCLES] [SEED]   (prints one line per cycle and the totals)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from crash_storm import run, summary


def main() -> None:
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        ack = run(cycles, Path(tmp), seed=seed, echo=print)
    totals = ", ".join(f"{v} {k}" for k, v in summary(ack).items())
    print(f"{cycles} SIGKILLs, every check held: acknowledged and found again {totals}")
    print(f"in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
