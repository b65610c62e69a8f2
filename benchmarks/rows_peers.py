"""Peer rows: ``wacht-mock serve`` under load against two mock servers in its class, Stoplight Prism mocking the
contracts and WireMock with one stub per route, on the four live workloads (list apps, create app, create-409,
gateway check).

The peers, each run as shipped but for its request log: Prism 5 (``prism mock contracts/openapi.yaml``, and a
second Prism mocking ``contracts/gateway.yaml`` for the gateway check, since one Prism mocks one document; static
examples, its default; the create-409 requests add Prism's ``Prefer: code=409``) with ``-v silent``, since the
mock runs ``--quiet`` and Prism's default log (every request, and every response's contract violations) halves
its rate here. WireMock 3 standalone, run straight from the jar the npm package bundles (``java -jar``, so the
pid measured is the JVM's) with ``--disable-request-logging``, one stub per route (list apps, create app, the
check) plus one for the taken slug answering 409 (matched by JSONPath on the body), each answering a body of the
mock's shape and size (``live_app``'s, as the bare routes write). WireMock keeps its default unbounded request
journal, emptied through its admin API before every timed run, as the mock starts each run with an empty
journal: capping it instead (``--max-request-journal-entries 10000``, the mock's size) cut WireMock's rate
tenfold here, a handicap no user of it would choose, and turning it off would spare WireMock work the mock does.

Fairness: the same load generator as rows_server (autocannon through ``benchmarks/load.js``, one Node process, 50
connections, pinned to the second core; every server pinned to the first); only 2xx answers count (and the 409
the create-409 workload asks for); before anything is timed each server answers one request of each workload with
exactly that status, so a peer refusing a request (a 4xx from Prism's validation, say) fails the run instead of
posting a figure. The peers run on JITs (V8, HotSpot): each peer server is started once, warmed 15 s under the
load of all its workloads, and stays up for all its timed runs. The mock gets a fresh server per run as in
rows_server: CPython has no JIT (its specialising interpreter settles within a few requests; a 15 s warm-up
measured no gain for the mock's gateway check here, within the noise), and a fresh server keeps every run's
state the same (a create run adds thousands of apps that the next list run would
otherwise page through), where the peers have no state to grow. Runs are 5 s, the three servers taking turns
within every round (mock, Prism, WireMock per workload), medians of 3 rounds: about 4 minutes in all.

Install: the peers are the dev dependencies of ``benchmarks/package.json`` (~110 MB installed, Java 17+ for
WireMock). rows_server installs only autocannon (``npm ci --omit=dev``), so CI, whose harness test runs
``run.py --quick``, downloads no peer; a full run here installs them the first time (``npm ci --prefix
benchmarks``). ``--quick`` never installs them: without them it prints why and gives no rows; with them (or after
``npm ci --prefix benchmarks``) ``run.py --only peers --quick`` proves the path, 100 requests of each workload, no
warm-up.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from live_app import app_body, decision_body
from rows_server import (
    HERE,
    Run,
    Runner,
    _call,
    _install_load_generator,
    _load,
    _pinned,
    _wait_for,
    _workloads,
    compare_runs,
    measure,
)
from table import Row

MODULES = HERE / "node_modules"
PRISM = MODULES / ".bin" / "prism"
WIREMOCK = MODULES / "wiremock" / "build"
CONTRACTS = HERE.parent / "contracts"
WORKLOADS = ["list apps", "create app", "create-409", "gateway check"]
WARM_UP_SECONDS = 15
TARGETS = {"Prism": 3.0, "WireMock": 2.0}


@dataclass(frozen=True, slots=True)
class Target:
    """Where one workload goes on a peer: the server's URL and pid (for the CPU ``_load`` reads), and the path a
    DELETE to which empties its request journal before each run (``""``: it keeps none)."""

    url: str
    pid: int
    journal: str = ""


def missing_peers() -> str:
    """Why the peers cannot run here, or ``""`` when they can."""
    if not shutil.which("java"):
        return "WireMock needs Java (17 or later) on the PATH"
    if not PRISM.exists() or not list(WIREMOCK.glob("wiremock-standalone-*.jar")):
        return "Prism and WireMock are not installed (npm ci --prefix benchmarks installs them, ~110 MB)"
    return ""


def _install_peers() -> None:
    """The whole lockfile, peers included, the first time a full run needs them."""
    if missing_peers():
        npm = ["npm", "ci", "--prefix", str(HERE), "--no-audit", "--no-fund"]
        subprocess.run(npm, check=True, capture_output=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _process(argv: list[str]) -> Iterator[int]:
    """Start a peer pinned to the first core, its output discarded; yield its pid."""
    process = subprocess.Popen([*_pinned(0), *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _probe(url: str, request: dict[str, Any]) -> int:
    """The status one request of a workload gets (its ``[<id>]`` filled in once)."""
    body = request.get("body")
    data = body.replace("[<id>]", "probe").encode() if body else None
    call = urllib.request.Request(url + request["path"], data, request["headers"], method=request["method"])
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            status: int = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status


def _check_answers(name: str, targets: dict[str, Target], table: dict[str, list[dict[str, Any]]]) -> None:
    """Fail unless every workload's request is answered with what the load counts (2xx, or 409 for create-409)."""
    for workload, target in targets.items():
        for request in table[workload]:
            status = _probe(target.url, request)
            if not (status == 409 if workload == "create-409" else 200 <= status < 300):
                raise RuntimeError(f"{name} answers {workload} with {status}: its runs would count nothing")


def _prism_table() -> dict[str, list[dict[str, Any]]]:
    """The workloads as Prism is sent them: create-409 asks for the conflict with ``Prefer: code=409``."""
    table = _workloads("sk_live_unused")
    table["create-409"] = [{**r, "headers": {**r["headers"], "prefer": "code=409"}} for r in table["create-409"]]
    return table


@contextmanager
def _prism() -> Iterator[dict[str, Target]]:
    """Two Prisms, the backend API's and the gateway's contract, each ready to answer."""
    targets: dict[str, Target] = {}
    with ExitStack() as stack:
        for document, workloads in (("openapi.yaml", WORKLOADS[:3]), ("gateway.yaml", WORKLOADS[3:])):
            port = _free_port()
            argv = [str(PRISM), "mock", str(CONTRACTS / document), "-h", "127.0.0.1", "-p", str(port), "-v", "silent"]
            pid = stack.enter_context(_process(argv))
            url = f"http://127.0.0.1:{port}"
            first = _prism_table()[workloads[0]][0]
            _wait_for(url + first["path"], first["method"], json.loads(first.get("body", "null")), first["headers"])
            targets.update(dict.fromkeys(workloads, Target(url, pid)))
        yield targets


def _stubs() -> list[dict[str, Any]]:
    """One stub per route, and the taken slug's conflict (matched first), answering bodies of the mock's shape."""
    apps = {"data": [app_body(f"app-{i}", f"App {i}") for i in range(11)], "has_more": False, "limit": 50, "offset": 0}
    conflict = {"errors": [{"message": "Resource already exists", "code": 409}]}

    def stub(method: str, path: str, status: int, body: object, priority: int = 5, **match: Any) -> dict[str, Any]:
        response = {"status": status, "jsonBody": body, "headers": {"content-type": "application/json"}}
        return {"request": {"method": method, "urlPath": path, **match}, "response": response, "priority": priority}

    taken = [{"matchesJsonPath": "$[?(@.app_slug == 'taken')]"}]
    return [
        stub("GET", "/api-auth/apps", 200, apps),
        stub("POST", "/api-auth/apps", 200, app_body("b-1", "Bench")),
        stub("POST", "/api-auth/apps", 409, conflict, priority=1, bodyPatterns=taken),
        stub("POST", "/v1/authz/check", 200, decision_body("7351433748085933027", "/users")),
    ]


@contextmanager
def _wiremock() -> Iterator[dict[str, Target]]:
    """One WireMock (the JVM itself, from the bundled jar) holding the stubs, ready to answer."""
    jar = sorted(WIREMOCK.glob("wiremock-standalone-*.jar"))[-1]
    port = _free_port()
    with tempfile.TemporaryDirectory() as root:
        argv = ["java", "-jar", str(jar), "--port", str(port), "--bind-address", "127.0.0.1", "--root-dir", root]
        argv += ["--disable-banner", "--disable-request-logging"]
        with _process(argv) as pid:
            url = f"http://127.0.0.1:{port}"
            _wait_for(url + "/__admin/health")
            for stub in _stubs():
                _call(url + "/__admin/mappings", "POST", stub)
            yield dict.fromkeys(WORKLOADS, Target(url, pid, "/__admin/requests"))


def _empty_journal(target: Target) -> None:
    if target.journal:
        _call(target.url + target.journal, "DELETE")


def _peer_runner(
    targets: dict[str, Target], table: dict[str, list[dict[str, Any]]], connections: int, seconds: float
) -> Runner:
    """Runs workloads against a peer that stays up, each on the server that mocks it (one ``_load`` per server)."""

    def run(batch: list[str]) -> list[Run]:
        got: dict[str, Run] = {}
        for target in dict.fromkeys(targets[w] for w in batch):
            mine = [w for w in batch if targets[w] == target]
            _empty_journal(target)
            runs = _load(target.url, target.pid, [table[w] for w in mine], connections, seconds)
            got.update(zip(mine, runs, strict=True))
        return [got[w] for w in batch]

    return run


def _warm(targets: dict[str, Target], table: dict[str, list[dict[str, Any]]], connections: int) -> None:
    """Each peer server under the load of all its workloads, taking turns, for ``WARM_UP_SECONDS``."""
    for target in dict.fromkeys(targets.values()):
        requests = [r for w, t in targets.items() if t == target for r in table[w]]
        _load(target.url, target.pid, [requests], connections, WARM_UP_SECONDS)
        _empty_journal(target)


def rows(quick: bool) -> list[Row]:
    """Live requests per second of the mock against Prism's and WireMock's, one row per workload and peer."""
    why = missing_peers()
    if quick and why:
        print(f"rows_peers: skipped, {why}; `run.py --only peers --quick` proves them once installed", file=sys.stderr)
        return []
    _install_load_generator()
    _install_peers()
    connections, seconds, rounds = (10, 0, 1) if quick else (50, 5, 3)
    mock_argv = [sys.executable, "-m", "wacht_mock", "serve", "--port", "0", "--quiet"]
    tables = {"Prism": _prism_table(), "WireMock": _workloads("sk_live_unused")}
    runners: dict[str, Runner] = {"mock": partial(measure, "mock", mock_argv, connections=connections, seconds=seconds)}
    with _prism() as prism, _wiremock() as wiremock:
        for name, targets in (("Prism", prism), ("WireMock", wiremock)):
            _check_answers(name, targets, tables[name])
            if not quick:
                _warm(targets, tables[name], connections)
            runners[name] = _peer_runner(targets, tables[name], connections, seconds)
        got = compare_runs(runners, WORKLOADS, rounds, one_at_a_time=not quick)
    return [
        Row(f"live rps vs {peer}: {w}", got[w]["mock"].rps, peer, got[w][peer].rps, "req/s", target, "higher")
        for peer, target in TARGETS.items()
        for w in WORKLOADS
    ]


if __name__ == "__main__":
    from table import render

    quick = "--quick" in sys.argv
    print(render(rows(quick), judged=not quick))
