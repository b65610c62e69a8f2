"""Live-server rows: ``wacht-mock serve`` under load against bare Starlette routes on the same server stack, and
the start of ``serve`` against a bare uvicorn+Starlette app started the same way.

Fairness, on a 2-core machine: the load generator (autocannon, ``npm ci --prefix benchmarks``; one Node process,
50 connections) is pinned to the second core and the server to the first, so the generator never starves the
server; the mock and the bare app take turns within every round (a fresh server each run, so no run inherits
another's state); only 2xx answers (and the 409 a repeated slug must get) count as requests served; the mock runs
``serve --quiet`` (no request log); the bare routes read the body and answer JSON as the mock does. The backend
API's own rate limit (1,000 calls a minute) would answer most of the load with 429: a thread steps the mock's
virtual clock a minute every 0.02 s (a control-plane call, work the bare app is spared; stepping every 0.1 s capped
the mock at 10,000 requests a second and answered the rest 429).

Run on its own (``python benchmarks/rows_server.py --stacks [stack...] [workload...]``) it compares server stacks
instead: the mock and the bare app on asyncio+h11, uvloop+httptools and granian (where installed), interleaved,
medians of 3.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench_core import BARE_SERVER, byte_compile, start_ms
from table import Row, interleaved

from wacht_mock.ids import stable_deployment_secret

HERE = Path(__file__).resolve().parent
LOAD = HERE / "load.js"
SECRET = stable_deployment_secret(1)
JSON = {"content-type": "application/json"}
AUTH = {"authorization": f"Bearer {SECRET}"}


def _workloads(key: str) -> dict[str, list[dict[str, Any]]]:
    create = {"method": "POST", "path": "/api-auth/apps", "headers": {**AUTH, **JSON}}
    list_apps = {"method": "GET", "path": "/api-auth/apps", "headers": AUTH}
    fresh = {**create, "body": json.dumps({"app_slug": "b-[<id>]", "name": "Bench", "key_prefix": "sk_live"})}
    taken = {**create, "body": json.dumps({"app_slug": "taken", "name": "Taken", "key_prefix": "sk_live"})}
    body = {"principal": {"type": "api_key", "value": key}, "resource": "/users", "method": "GET"}
    check = {"method": "POST", "path": "/v1/authz/check", "headers": JSON, "body": json.dumps(body)}
    return {
        "list apps": [list_apps],
        "create app": [fresh],
        "create-409": [taken],
        "gateway check": [check],
        "mixed": [list_apps, fresh, taken, check, check, check],
    }


@dataclass(frozen=True, slots=True)
class Run:
    """One load run: 2xx answers per second, p99 latency (ms), server CPU per answered request (µs)."""

    rps: float
    p99: float
    cpu_us: float


def _pinned(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def _call(url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={**JSON, **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def _wait_for(url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None) -> None:
    """Call ``url`` until it answers 2xx (a server starting up refuses connections until then); 60 s at most."""
    deadline = time.monotonic() + 60
    while True:
        try:
            _call(url, method, body, headers)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@contextmanager
def _server(argv: list[str]) -> Iterator[tuple[str, int]]:
    """Start a server pinned to the first core; yield its URL and pid once /_mock/health answers 200."""
    process = subprocess.Popen([*_pinned(0), *argv], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        _wait_for(url + "/_mock/health")
        yield url, process.pid
    finally:
        process.terminate()
        process.communicate(timeout=10)


def _prepare_mock(url: str) -> str:
    """Ten apps to list, the slug every create-409 repeats, and a live key for the gateway check."""
    for i in range(10):
        _call(url + "/api-auth/apps", "POST", {"app_slug": f"app-{i}", "name": f"App {i}", "key_prefix": "sk"}, AUTH)
    _call(url + "/api-auth/apps", "POST", {"app_slug": "taken", "name": "Taken", "key_prefix": "sk"}, AUTH)
    key = _call(url + "/api-auth/apps/app-0/keys", "POST", {"name": "bench"}, AUTH)
    secret: str = key["secret"]
    return secret


@contextmanager
def _stepping_clock(url: str) -> Iterator[None]:
    """Step the mock's virtual clock a minute every 0.02 s, so its rate limits never answer the load."""
    stop = threading.Event()

    def step() -> None:
        while not stop.wait(0.02):
            _call(url + "/_mock/clock", "POST", {"advance_seconds": 61})

    thread = threading.Thread(target=step, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _load(url: str, pid: int, batch: list[list[dict[str, Any]]], connections: int, seconds: float) -> list[Run]:
    """One Node process running each request list of ``batch`` for ``seconds``; ``seconds == 0`` (``--quick``)
    sends 100 requests of each, all lists at once (it proves the path and measures nothing)."""
    size = {"duration": seconds} if seconds else {"amount": 100}
    jobs = [{"url": url, "connections": connections, "requests": requests, **size} for requests in batch]
    before = _cpu_seconds(pid)
    done = subprocess.run(
        [*_pinned(1), "node", str(LOAD)],
        input=json.dumps({"jobs": jobs, "parallel": not seconds}),
        capture_output=True,
        text=True,
        check=True,
    )
    cpu = _cpu_seconds(pid) - before
    got = json.loads(done.stdout)
    answered = max(sum(g["answered"] for g in got), 1)
    return [Run(g["ok"] / g["seconds"], g["p99"], cpu / answered * 1e6) for g in got]


def measure(which: str, argv: list[str], workloads: list[str], connections: int, seconds: float) -> list[Run]:
    """A run of each workload against one fresh server (the mock prepared, its clock stepped)."""
    with _server(argv) as (url, pid):
        key = _prepare_mock(url) if which == "mock" else "sk_live_unused"
        table = _workloads(key)
        batch = [table[w] for w in workloads]
        if which != "mock":
            return _load(url, pid, batch, connections, seconds)
        with _stepping_clock(url):
            return _load(url, pid, batch, connections, seconds)


def _median_runs(runs: list[Run]) -> Run:
    return Run(*(statistics.median(getattr(r, f) for r in runs) for f in ("rps", "p99", "cpu_us")))


Runner = Callable[[list[str]], list[Run]]
"""Runs the named workloads against one server and answers a run of each, in order."""


def compare_runs(
    runners: dict[str, Runner], workloads: list[str], rounds: int, one_at_a_time: bool
) -> dict[str, dict[str, Run]]:
    """Each workload's median run per runner over ``rounds`` rounds, the runners taking turns within every round.
    ``one_at_a_time`` gives each runner one workload per call (a full run); otherwise all of them at once
    (``--quick``)."""
    batches = [[w] for w in workloads] if one_at_a_time else [workloads]
    runs: dict[str, dict[str, list[Run]]] = {w: {name: [] for name in runners} for w in workloads}
    for _ in range(rounds):
        for batch in batches:
            for name, runner in runners.items():
                for w, run in zip(batch, runner(batch), strict=True):
                    runs[w][name].append(run)
    return {w: {name: _median_runs(r) for name, r in by_name.items()} for w, by_name in runs.items()}


def compare(
    argvs: dict[str, tuple[str, list[str]]], workloads: list[str], rounds: int, connections: int, seconds: float
) -> dict[str, dict[str, Run]]:
    """Each workload's median run per server over ``rounds`` rounds, the servers taking turns within every round.
    A full run starts a fresh server for every run, so no workload inherits another's state; ``seconds == 0``
    (``--quick``) runs every workload on one server per round."""
    runners: dict[str, Runner] = {
        name: partial(measure, which, argv, connections=connections, seconds=seconds)
        for name, (which, argv) in argvs.items()
    }
    return compare_runs(runners, workloads, rounds, one_at_a_time=bool(seconds))


def _install_load_generator() -> None:
    """autocannon, from the committed lockfile, the first time it is needed. ``--omit=dev`` leaves out the peers
    (Prism and WireMock, the lockfile's dev dependencies, ~110 MB): rows_peers installs them when it needs them."""
    if not (HERE / "node_modules" / "autocannon").is_dir():
        npm = ["npm", "ci", "--prefix", str(HERE), "--omit=dev", "--no-audit", "--no-fund"]
        subprocess.run(npm, check=True, capture_output=True)


def _serve_stack() -> str:
    """The stack ``serve`` runs on here (``wacht_mock.server.stack``)."""
    from wacht_mock.server import stack

    return "uvloop" if stack()[0] == "uvloop" else "asyncio"


def rows(quick: bool) -> list[Row]:
    """The live rows (rps, p99, CPU per request for each workload) and the startup row."""
    _install_load_generator()
    connections, seconds, rounds = (10, 0, 1) if quick else (50, 5, 3)
    py = sys.executable
    stack = _serve_stack()
    servers = {
        "mock": ("mock", [py, "-m", "wacht_mock", "serve", "--port", "0", "--quiet"]),
        "bare": ("bare", [py, str(HERE / "live_app.py"), "bare", stack]),
    }
    out: list[Row] = []
    bare_name = f"bare Starlette route, {stack}"
    workloads = list(_workloads(""))
    for workload, got in compare(servers, workloads, rounds, connections, seconds).items():
        mock, bare = got["mock"], got["bare"]
        out += [
            Row(f"live rps: {workload}", mock.rps, bare_name, bare.rps, "req/s", 0.7, "higher"),
            Row(f"p99 latency: {workload}", mock.p99, bare_name, bare.p99, "ms", 2, "lower"),
            Row(f"server CPU per request: {workload}", mock.cpu_us, bare_name, bare.cpu_us, "µs", 1.5, "lower"),
        ]
    byte_compile()  # both sides start from bytecode, as installed packages do
    starts = interleaved(
        1 if quick else 7,
        mock=lambda: start_ms([py, "-m", "wacht_mock", "serve", "--port", "0", "--quiet"], runs=1),
        bare=lambda: start_ms([py, "-c", BARE_SERVER], runs=1),
    )
    out.append(
        Row(
            "startup: process start to first 200",
            starts["mock"],
            "bare uvicorn+Starlette",
            starts["bare"],
            "ms",
            1.5,
            "lower",
        )
    )
    return out


STACKS = ("asyncio", "uvloop", "granian")


def compare_stacks(args: list[str], quick: bool = False) -> None:
    """Print the mock's and the bare app's figures on each stack named in ``args`` (all by default; granian only
    where it is installed), for the workloads named there (the gateway check by default)."""
    _install_load_generator()
    connections, seconds, rounds = (10, 0, 1) if quick else (50, 5, 3)
    py, app = sys.executable, str(HERE / "live_app.py")
    stacks = [s for s in STACKS if s in args] or list(STACKS)
    if "granian" in stacks and importlib.util.find_spec("granian") is None:
        print("granian is not installed (pip install granian): skipping its stack")
        stacks.remove("granian")
    servers = {f"{which} {s}": (which, [py, app, which, s]) for s in stacks for which in ("mock", "bare")}
    workloads = [a for a in args if a not in STACKS] or ["gateway check"]
    for workload, got in compare(servers, workloads, rounds, connections, seconds).items():
        for name, run in got.items():
            print(f"{workload:14} {name:14} {run.rps:8.0f} req/s  p99 {run.p99:6.1f} ms  cpu {run.cpu_us:6.0f} µs/req")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    if len(sys.argv) > 1 and sys.argv[1] == "--stacks":
        compare_stacks(sys.argv[2:])
    else:
        from table import render

        print(render(rows(quick="--quick" in sys.argv), judged="--quick" not in sys.argv))
