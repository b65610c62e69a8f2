"""Fuzz ``wacht-mock serve`` against its own contracts with Schemathesis, every check on, and judge what it finds.

    python scripts/fuzz_contracts.py --requests 10000 --seed 1

Starts ``wacht-mock serve --port 0`` as a subprocess, then runs Schemathesis's engine (every check; the examples,
coverage and fuzzing phases) with ``contracts/openapi.yaml`` (the backend routes, with the deployment's Bearer
secret) and ``contracts/gateway.yaml`` (the gateway, same server) in rounds until at least ``--requests`` requests
have reached the server. Round ``r`` uses seed ``--seed + r``, one worker, so a seed replays the same campaign; the
coverage phase (deterministic boundary values) runs in round 0 only. The stateful phase stays off: the contracts
declare no links, and the ones it infers put response values into path parameters regardless of their schema.

Figures come from the server's own journal (``GET /_mock/journal``), not from the client: requests per spec and
operation, and the status histogram. Every failed check is tied to the journal entry of the request that failed
(Schemathesis's ``X-Schemathesis-TestCaseId`` header, method and status), so it can be judged by the rule that
answered. A failure is allowed only by an entry of ``ALLOWED``: a rule id of the mock's registry or an id of
``contracts/divergences.yaml``, the checks it may fail, and the rule that must have answered. Anything else is
unexpected and the exit status is 1. Between the cases the virtual clock moves a minute every ``CLOCK_EVERY``
calls, so the backend API's own rate limit (1,000 calls a minute) does not answer the campaign with 429s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

import schemathesis
import yaml
from fuzz_allowed import ALLOWED, Entry, known_refs
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs in the test extra
from schemathesis.engine import Status, from_schema
from schemathesis.engine import events as engine_events
from schemathesis.engine.recorder import ScenarioRecorder

from wacht_mock.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "contracts"
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
)
# The engine runs ahead of the events it reports: a scenario's requests may arrive with an earlier poll.
RECENT = 20_000
CLOCK_START = "2026-01-01T00:00:00Z"
CLOCK_EVERY = 100  # case calls between clock moves; with the checks' own requests well under 1,000


@dataclass
class Finding:
    """One failed check on one request, and what judged it."""

    check: str
    operation: str
    status: int | None
    title: str
    rules: list[str]
    allowed_by: str | None
    example: str

    @property
    def group(self) -> tuple[str, str, int | None, str, tuple[str, ...], str | None]:
        """What the report groups findings by."""
        rules = tuple(dict.fromkeys(self.rules))  # a rule that fired once per field counts once
        return (self.check, self.operation, self.status, self.title, rules, self.allowed_by)


@dataclass
class Figures:
    """What a campaign did and found."""

    requests: Counter[str] = field(default_factory=Counter)  # spec -> requests
    operations: Counter[str] = field(default_factory=Counter)  # "spec operation" -> requests
    statuses: Counter[int] = field(default_factory=Counter)
    checks_run: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # positive_data_acceptance on a body the contract itself calls invalid (Schemathesis swaps values it saw in
    # answers into generated cases and still calls them valid): not a finding about the mock or the contract
    refuted: Counter[str] = field(default_factory=Counter)
    unexplained_5xx: list[str] = field(default_factory=list)
    """Journal entries of 5xx answers no 500 rule of production answered."""

    @property
    def total(self) -> int:
        """Requests the server received."""
        return sum(self.requests.values())

    @property
    def unexpected(self) -> list[Finding]:
        """Findings no ``ALLOWED`` entry explains."""
        return [f for f in self.findings if f.allowed_by is None]


class Server:
    """A ``wacht-mock serve --port 0 --quiet`` subprocess: its URL, backend secret and journal."""

    def __init__(self, port: int = 0, deployments: list[Entry] | None = None) -> None:
        # The clock starts at a fixed instant, not the wall clock's: answers Schemathesis learns from stay the same.
        self._seed = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        with self._seed:
            json.dump({"deployments": deployments or [{"id": 1}], "clock": {"now": CLOCK_START}}, self._seed)
        command = ["serve", "--port", str(port), "--quiet", "--journal-size", "50000", "--seed", self._seed.name]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wacht_mock", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        banner = [self.process.stdout.readline().strip() for _ in range(2)]
        if not banner[0].startswith("wacht-mock serving http://"):
            self.stop()
            raise RuntimeError(f"wacht-mock serve did not start: {banner}")
        self.url = banner[0].split()[-1]
        self.secret = banner[1].rsplit("Bearer ", 1)[1]
        self.last_id = 0
        self.stderr: deque[str] = deque(maxlen=50)  # the last lines, for a failure to show
        self._readers = [
            threading.Thread(target=self._drain, args=(self.process.stdout, deque(maxlen=0)), daemon=True),
            threading.Thread(target=self._drain, args=(self.process.stderr, self.stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _drain(pipe: IO[str] | None, keep: deque[str]) -> None:
        # Read all along: a full pipe would block the server (uvicorn warns on stderr of every invalid request).
        assert pipe is not None
        for line in pipe:
            keep.append(line.rstrip("\n"))

    def control(self, method: str, path: str, body: Entry | None = None) -> Any:
        """One control-plane call; its JSON answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def new_entries(self) -> list[Entry]:
        """Journal entries since the last call; a gap (the ring dropped some) is an error."""
        entries: list[Entry] = self.control("GET", f"/_mock/journal?after={self.last_id}")["entries"]
        if entries and entries[0]["id"] != self.last_id + 1:
            raise RuntimeError(f"journal dropped entries {self.last_id + 1}..{entries[0]['id'] - 1}")
        if entries:
            self.last_id = entries[-1]["id"]
        return entries

    def stop(self) -> None:
        """Stop the subprocess and close its pipes."""
        self.process.terminate()
        self.process.wait(timeout=10)
        for reader in getattr(self, "_readers", []):
            reader.join(timeout=10)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()
        Path(self._seed.name).unlink(missing_ok=True)


def _schema(server: Server, spec: str, seed: int, examples: int, coverage: bool) -> schemathesis.BaseSchema:
    headers = {"Authorization": f"Bearer {server.secret}"} if spec == "openapi.yaml" else {}
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "base-url": server.url,
            "headers": headers,
            "workers": 1,
            "continue-on-failure": True,
            "suppress-health-check": ["all"],
            "warnings": False,
            "cache": {"enabled": False},  # nothing carried over from an earlier run: a seed replays the campaign
            "generation": {"max-examples": examples, "database": "none"},  # no replay of an earlier run's examples
            # No stateful phase (see the module's docstring): it sent an app's empty slug as a "valid" path value.
            "phases": {"coverage": {"enabled": coverage}, "stateful": {"enabled": False}},
            "checks": {name: {"enabled": True} for name in CHECKS},
        }
    )
    schema = schemathesis.openapi.from_path(CONTRACTS / spec, config=config)
    calls = Counter[str]()

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        calls["case"] += 1
        if calls["case"] % CLOCK_EVERY == 0:
            server.control("POST", "/_mock/clock", {"advance_seconds": 61})

    return schema


def _recorders(schema: schemathesis.BaseSchema, figures: Figures) -> Iterator[ScenarioRecorder]:
    for event in from_schema(schema).execute():
        if isinstance(event, engine_events.ScenarioFinished | engine_events.FuzzScenarioFinished):
            yield event.recorder
        elif isinstance(event, engine_events.NonFatalError):
            figures.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, engine_events.FatalError):
            raise RuntimeError(f"schemathesis stopped: {event.exception!r}")


def _body_valid(contract: dict[str, Any], label: str, body: object) -> bool:
    """Whether the contract calls ``body`` a valid request body of the operation ``label`` ("POST /path")."""
    method, _, path = label.partition(" ")
    operation = contract["paths"].get(path, {}).get(method.lower(), {})
    if "application/json" not in operation.get("requestBody", {}).get("content", {}):
        return True
    pointer = "/".join(("#/paths", path.replace("~", "~0").replace("/", "~1"), method.lower()))
    schema = {**contract, "$ref": pointer + "/requestBody/content/application~1json/schema"}
    return bool(Draft202012Validator(schema).is_valid(body))


def _judge(recorder: ScenarioRecorder, entries: list[Entry], figures: Figures, contract: dict[str, Any]) -> None:
    by_case: dict[str, list[Entry]] = {}
    for entry in entries:
        case_id = entry["headers"].get("x-schemathesis-testcaseid")
        if case_id:
            by_case.setdefault(case_id, []).append(entry)
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            figures.checks_run[node.name] += 1
            if node.status != Status.FAILURE or node.failure_info is None:
                continue
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction is not None else None
            status = response.status_code if response is not None else None
            method = interaction.request.method if interaction is not None else None
            same = [e for e in by_case.get(case_id, []) if e["status"] == status and e["method"] == method]
            # A check's own request (another method, no credentials) may carry no test-case id: same request line.
            path = urlsplit(interaction.request.uri).path if interaction is not None else None
            answered = same or [
                e for e in entries if (e["method"], e["status"], e["path"]) == (method, status, unquote(path or ""))
            ]
            rules = [r["rule"] for e in answered for r in e["rules"] if r["outcome"] != "allow" or (status or 0) < 400]
            failure = node.failure_info.failure
            if node.name == "positive_data_acceptance" and any(
                e["request_body"] is not None and not _body_valid(contract, recorder.label, e["request_body"])
                for e in answered
            ):
                figures.refuted[recorder.label] += 1
                continue
            allowed = next((a.ref for a in ALLOWED if a.explains(node.name, rules, answered)), None)
            uri = interaction.request.uri if interaction is not None else ""
            example = _example(answered[0]) if answered else f"{method} {uri} (no journal entry)"
            finding = Finding(node.name, recorder.label, status, failure.title, rules, allowed, example)
            figures.findings.append(finding)


def _example(entry: Entry) -> str:
    body = json.dumps(entry["request_body"], ensure_ascii=True)
    return f"{entry['method']} {entry['url']} {body[:300]} -> {entry['status']} {entry['message']!r}"


def run(requests: int, seed: int, examples: int = 50, port: int = 0) -> Figures:
    """Fuzz a fresh server until at least ``requests`` requests reached it; the figures and every finding."""
    unknown = sorted({a.ref for a in ALLOWED} - known_refs())
    if unknown:
        raise RuntimeError(f"ALLOWED names ids that are neither rules nor register entries: {unknown}")
    figures = Figures()
    server = Server(port)
    try:
        round_ = 0
        while figures.total < requests:
            for spec in ("openapi.yaml", "gateway.yaml"):
                contract = yaml.safe_load((CONTRACTS / spec).read_text())
                schema = _schema(server, spec, seed + round_, examples, coverage=round_ == 0)
                recent: deque[Entry] = deque(maxlen=RECENT)
                for recorder in _recorders(schema, figures):
                    entries = server.new_entries()
                    _count(spec, entries, figures)
                    recent.extend(entries)
                    _judge(recorder, list(recent), figures, contract)
                _count(spec, server.new_entries(), figures)
            round_ += 1
    finally:
        server.stop()
    return figures


def _count(spec: str, entries: list[Entry], figures: Figures) -> None:
    for entry in entries:
        figures.requests[spec] += 1
        figures.operations[f"{spec} {entry['operation'] or '(no operation)'}"] += 1
        figures.statuses[entry["status"]] += 1
        if entry["status"] >= 500 and not _production_500(entry):
            figures.unexplained_5xx.append(_example(entry))


def _production_500(entry: Entry) -> bool:
    """Whether a 5xx was answered by one of production's own 500s: a rule of the registry whose deny side is 500
    (§15.3's database failures, the registered gateway stand-ins). Every 5xx the server wrote is judged here, not
    only those a Schemathesis check reported."""
    return any(r["outcome"] == "deny" and r["rule"] in _RULES_OF_500 for r in entry["rules"])


_RULES_OF_500 = frozenset(r.id for r in all_rules() if r.status == 500)


def report(figures: Figures) -> str:
    """The figures as text, ending with the verdict."""
    lines = [f"requests: {figures.total}"]
    lines += [f"  {spec}: {n}" for spec, n in sorted(figures.requests.items())]
    lines.append("requests per operation:")
    lines += [f"  {op}: {n}" for op, n in sorted(figures.operations.items())]
    lines.append("status codes: " + ", ".join(f"{s}: {n}" for s, n in sorted(figures.statuses.items())))
    lines.append("checks run:")
    lines += [f"  {name}: {n}" for name, n in sorted(figures.checks_run.items())]
    groups = Counter(f.group for f in figures.findings)
    examples = {f.group: f.example for f in figures.findings}
    lines.append(f"failures: {len(figures.findings)} ({len(figures.unexpected)} unexpected)")
    for group, n in sorted(groups.items(), key=str):
        check, op, status, title, rules, allowed = group
        verdict = f"allowed by {allowed}" if allowed else "UNEXPECTED"
        lines.append(f"  {check} | {op} | {status} {title} | rules {list(rules)} | x{n} | {verdict}")
        if not allowed:
            lines.append(f"      e.g. {examples[group]}")
    lines += [f"  engine error: {e}" for e in figures.errors]
    n_5xx = sum(n for status, n in figures.statuses.items() if status >= 500)
    lines.append(f"5xx answers: {n_5xx}, by one of production's own 500 rules: {n_5xx - len(figures.unexplained_5xx)}")
    lines += [f"  UNEXPLAINED: {e}" for e in figures.unexplained_5xx[:20]]
    lines.append(
        f"not findings: positive_data_acceptance on a body the contract calls invalid: {figures.refuted.total()}"
    )
    lines += [f"  {op}: {n}" for op, n in sorted(figures.refuted.items())]
    clean = not figures.unexpected and not figures.errors and not figures.unexplained_5xx
    lines.append("verdict: " + ("CLEAN" if clean else "UNEXPECTED FINDINGS"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """The command line: run a campaign, print its figures; 1 when anything unexpected turned up."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="total requests to send, at least")
    parser.add_argument("--seed", type=int, default=1, help="Schemathesis seed of round 0 (round r: seed + r)")
    parser.add_argument("--examples", type=int, default=50, help="max examples per operation and round")
    parser.add_argument("--port", type=int, default=0, help="port for wacht-mock serve (default 0: any free one)")
    args = parser.parse_args(argv)
    figures = run(args.requests, args.seed, args.examples, args.port)
    print(report(figures))
    return 0 if not figures.unexpected and not figures.errors and not figures.unexplained_5xx else 1


if __name__ == "__main__":
    sys.exit(main())
