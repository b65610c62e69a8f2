"""State benchmark: what ``--state FILE`` costs. Write latency over real HTTP (create app, create key) against
``serve --state`` beside the in-memory server in the same run, and startup (process start to the first answer)
with a 10^4-app state file beside an empty one.

Run: .venv/bin/python benchmarks/bench_state.py   (prints figures and ratios; writes only in a temporary folder)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from crash_storm import Served

from wacht_mock import Backend, VirtualClock, parse_seed
from wacht_mock.store.sqlite import SqliteStore

SECRET = "sk_" + "B" * 43
WRITES = 300
BIG = 10_000


def _seed_file(folder: Path) -> Path:
    seed = folder / "seed.yaml"
    seed.write_text(f"deployments:\n  - id: 1\n    plan: growth\n    secret: {SECRET}\n")
    return seed


def write_latencies(url: str, tag: str) -> dict[str, list[float]]:
    """Milliseconds per create-app and per create-key request, one client, sequential."""
    out: dict[str, list[float]] = {"create app": [], "create key": []}
    with httpx.Client(base_url=url, headers={"authorization": f"Bearer {SECRET}"}, timeout=30) as http:
        # The backend API allows 1000 calls a minute: start each batch in a fresh window of the virtual clock.
        assert http.post("/_mock/clock", json={"advance_ms": 61_000}).status_code == 200
        for n in range(WRITES):
            body = {"app_slug": f"{tag}{n}", "name": "A", "key_prefix": "sk_a"}
            start = time.perf_counter()
            assert http.post("/api-auth/apps", json=body).status_code == 200
            out["create app"].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            assert http.post(f"/api-auth/apps/{tag}{n}/keys", json={"name": "k"}).status_code == 200
            out["create key"].append((time.perf_counter() - start) * 1000)
    return out


def startup_ms(*args: str, runs: int = 5) -> float:
    """Best of ``runs``: process start to the first answered health check."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        served = Served(*args)
        assert httpx.get(served.url + "/_mock/health").status_code == 200
        best = min(best, (time.perf_counter() - start) * 1000)
        served.stop()
    return best


def big_state(path: Path, seed: Path) -> None:
    apps = [{"app_slug": f"app{n}", "name": f"App {n}", "key_prefix": "sk_a"} for n in range(BIG)]
    document = {"deployments": [{"id": 1, "plan": "growth", "secret": SECRET, "apps": apps}]}
    SqliteStore(path).create(Backend(parse_seed(document), clock=VirtualClock()))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seed = _seed_file(folder)
        memory = Served("--seed", str(seed))
        stored = Served("--seed", str(seed), "--state", str(folder / "w.db"))
        try:
            write_latencies(memory.url, "warm")
            write_latencies(stored.url, "warm")
            in_memory = write_latencies(memory.url, "m")
            on_disk = write_latencies(stored.url, "s")
        finally:
            memory.stop()
            stored.stop()
        print(f"write latency over HTTP, {WRITES} sequential writes each (median / p95, ms):")
        for name in in_memory:
            mem, disk = in_memory[name], on_disk[name]
            p95 = lambda xs: statistics.quantiles(xs, n=20)[-1]  # noqa: E731
            print(
                f"  {name:<11} --state {statistics.median(disk):6.2f} / {p95(disk):6.2f}"
                f"   in memory {statistics.median(mem):6.2f} / {p95(mem):6.2f}"
                f"   ratio (median) {statistics.median(disk) / statistics.median(mem):5.2f}"
            )
        empty, big = folder / "empty.db", folder / "big.db"
        SqliteStore(empty).create(Backend(parse_seed({"deployments": [{"id": 1, "secret": SECRET}]})))
        big_state(big, seed)
        size = big.stat().st_size / 2**20
        no_state = startup_ms("--seed", str(seed))
        empty_ms = startup_ms("--state", str(empty))
        big_ms = startup_ms("--state", str(big))
        print("startup, process start to the first answer (best of 5):")
        print(f"  no --state                 {no_state:7.1f} ms")
        print(f"  --state, empty file        {empty_ms:7.1f} ms   ratio to no --state {empty_ms / no_state:5.2f}")
        label = f"--state, {BIG} apps ({size:.1f} MiB)"
        print(f"  {label:<26} {big_ms:7.1f} ms   ratio to the empty file {big_ms / empty_ms:5.2f}")


if __name__ == "__main__":
    main()
