"""The one table every benchmark row goes into: a figure, its baseline measured in the same run, the ratio, the
target and whether it holds.

A row module (``benchmarks/rows_*.py``) exposes ``rows(quick: bool) -> list[Row]``. ``quick`` proves the harness
(tiny sizes, one round) and never judges speed: ``run.py --quick`` prints the table with "not judged".
"""

from __future__ import annotations

import gc
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Literal

Better = Literal["lower", "higher"]


@dataclass(frozen=True, slots=True)
class Row:
    """One figure of the table. ``target`` is the ratio the issue sets; ``better`` says which way it holds
    (``lower``: ratio ≤ target, e.g. cost per request; ``higher``: ratio ≥ target, e.g. requests per second)."""

    figure: str
    value: float
    baseline_name: str
    baseline: float
    unit: str
    target: float
    better: Better
    note: str = ""

    @property
    def ratio(self) -> float:
        """``value / baseline``."""
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def holds(self) -> bool:
        """Whether the ratio meets the target."""
        return self.ratio <= self.target if self.better == "lower" else self.ratio >= self.target


def median_of(rounds: int, measure: Callable[[], float]) -> float:
    """The median of ``rounds`` measurements, garbage collected before each and kept out of the timed window."""
    values = []
    for _ in range(rounds):
        gc.collect()
        gc.disable()
        try:
            values.append(measure())
        finally:
            gc.enable()
    return statistics.median(values)


def per_call_us(fn: Callable[[], object], calls: int) -> float:
    """Microseconds per call of ``fn`` over ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def interleaved(rounds: int, **measures: Callable[[], float]) -> dict[str, float]:
    """Each measure's median over ``rounds`` rounds, run in turn within every round, so a noisy moment on a shared
    machine falls on all of them alike."""
    values: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            gc.collect()
            gc.disable()
            try:
                values[name].append(measure())
            finally:
                gc.enable()
    return {name: statistics.median(v) for name, v in values.items()}


def machine_line() -> str:
    """Cores, Python and the library versions the figures depend on."""
    import os

    versions = []
    for name in ("starlette", "uvicorn", "httpx", "respx", "pydantic", "uvloop", "httptools", "orjson"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, " + ", ".join(versions)


def render(rows: list[Row], *, judged: bool) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| figure | value | baseline | ratio | target | holds? |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        sign = "≤" if r.better == "lower" else "≥"
        holds = ("yes" if r.holds else "**no**") if judged else "not judged"
        note = f" ({r.note})" if r.note else ""
        lines.append(
            f"| {r.figure}{note} | {r.value:.4g} {r.unit} | {r.baseline_name}: {r.baseline:.4g} {r.unit} "
            f"| {r.ratio:.2f}x | {sign} {r.target:g}x | {holds} |"
        )
    return "\n".join(lines)
