"""Soak ``wacht-mock serve``: mixed traffic at a steady rate for a long time, the server's resident set sampled.

    python scripts/soak.py --minutes 60 --rate 200

Starts ``wacht-mock serve`` (as ``scripts/fuzz_contracts.py`` does: a fixed virtual clock, a journal of 50,000)
and sends, at ``--rate`` requests a second, cycles of: create an app, issue a key, five gateway checks with it,
list the apps, get the app, create it again (409), revoke the key, delete the app, then step the virtual clock a
minute (so no rate limit answers; time that matters runs on the virtual clock). Every answer must carry the status
the cycle expects; anything else is a failure.

Live state stays flat except the audit log: each gateway check keeps a record, as production's database does. So
the resident set may grow by what those records take, measured in this process (``_bytes_per_audit_record``:
the same checks through an in-process mock, tracemalloc), once the journal's ring is full (the first sample after
50,000 requests is the baseline). The verdict: growth within 1.5x what the records added explain, plus 16 MB of
allocator slack. Prints a sample line every ``--sample-every`` seconds and a summary; exit status 1 on a failure.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from fuzz_contracts import Server

JOURNAL_SIZE = 50_000
CHECKS_PER_CYCLE = 5


@dataclass
class Soak:
    """What a soak saw."""

    requests: int = 0
    audit_records: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    samples: list[tuple[float, int, int, int]] = field(default_factory=list)
    """(seconds, requests, audit records, resident bytes)."""


def rss_bytes(pid: int) -> int:
    """The resident set of process ``pid`` (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _cycle(n: int) -> Iterator[tuple[str, str, object, int]]:
    """The requests of cycle ``n``: (method, path, JSON body or None, expected status). ``KEY`` in a body and
    ``KEY_ID`` in a path stand for the secret and id the cycle's key creation returned."""
    slug = f"soak-{n}"
    app = {"app_slug": slug, "name": f"Soak {n}", "key_prefix": "sk_soak"}
    yield "POST", "/api-auth/apps", app, 200
    yield "POST", f"/api-auth/apps/{slug}/keys", {"name": "soak"}, 200
    check = {"principal": {"type": "api_key", "value": "KEY"}, "resource": "/things", "method": "GET"}
    for _ in range(CHECKS_PER_CYCLE):
        yield "POST", "/v1/authz/check", check, 200
    yield "GET", "/api-auth/apps", None, 200
    yield "GET", f"/api-auth/apps/{slug}", None, 200
    yield "POST", "/api-auth/apps", app, 409
    yield "POST", f"/api-auth/apps/{slug}/keys/KEY_ID/revoke", {"reason": "soak"}, 200
    yield "DELETE", f"/api-auth/apps/{slug}", None, 200


def _fill(body: object, key: dict[str, str]) -> object:
    """``body`` with the cycle's key secret in place of ``KEY``."""
    return json.loads(json.dumps(body).replace('"KEY"', json.dumps(key.get("secret", ""))))


def drive(
    server: Server,
    minutes: float,
    rate: float,
    sample_every: float,
    say: Callable[[str], None],
    cycles: int | None = None,
) -> Soak:
    """Send the cycles at ``rate`` requests a second (0: as fast as answered) for ``minutes``, or ``cycles`` of them
    when given, sampling the server's resident set."""
    soak = Soak()
    pid = server.process.pid
    start = time.monotonic()
    next_sample = start
    with httpx.Client(base_url=server.url, headers={"authorization": f"Bearer {server.secret}"}, timeout=30) as http:
        n = 0
        while (n < cycles) if cycles is not None else (time.monotonic() - start < minutes * 60):
            key: dict[str, str] = {}
            for method, path, body, expected in _cycle(n):
                ahead = start + soak.requests / rate - time.monotonic() if rate else 0
                if ahead > 0:
                    time.sleep(ahead)  # pacing the load generator, not a test waiting on time
                path = path.replace("KEY_ID", str(key.get("id", "")))
                response = http.request(method, path, json=_fill(body, key) if body is not None else None)
                soak.requests += 1
                soak.statuses[response.status_code] += 1
                if path == "/v1/authz/check":
                    soak.audit_records += 1
                if response.status_code != expected:
                    soak.failures.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
                elif path.endswith("/keys") and method == "POST":
                    key = response.json()
            server.control("POST", "/_mock/clock", {"advance_seconds": 61})
            n += 1
            if time.monotonic() >= next_sample:
                sample = (time.monotonic() - start, soak.requests, soak.audit_records, rss_bytes(pid))
                soak.samples.append(sample)
                seconds, requests, records, rss = sample
                say(f"{seconds:7.0f} s {requests:10,} requests {records:9,} audit records {rss / 2**20:7.1f} MB")
                next_sample += sample_every
    return soak


def _bytes_per_audit_record(checks: int = 20_000) -> float:
    """What one gateway check's audit record takes in memory, measured through an in-process mock."""
    from wacht_mock import WachtMock

    mock = WachtMock()
    client = mock.client()
    client.post("/api-auth/apps", json={"app_slug": "m", "name": "M", "key_prefix": "sk_m"})
    secret = client.post("/api-auth/apps/m/keys", json={"name": "m"}).json()["secret"]
    body = {"principal": {"type": "api_key", "value": secret}, "resource": "/things", "method": "GET"}
    gateway = httpx.Client(transport=mock.transport(), base_url=mock.gateway_url)
    for i in range(mock.journal.size + 1000):  # fill the journal's ring first: only the records then grow
        gateway.post("/v1/authz/check", json=body)
        if i % 500 == 0:
            mock.advance(seconds=61)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(checks):
        gateway.post("/v1/authz/check", json=body)
        if i % 500 == 0:
            mock.advance(seconds=61)
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return grown / checks


def verdict(soak: Soak, per_record: float) -> tuple[bool, str]:
    """Whether the resident set grew no more than the audit records explain, and the line saying so."""
    baseline = next((s for s in soak.samples if s[1] >= JOURNAL_SIZE), None)
    if baseline is None or baseline is soak.samples[-1]:
        return False, "too short: the journal's ring never filled before the last sample"
    last = soak.samples[-1]
    grown, records = last[3] - baseline[3], last[2] - baseline[2]
    allowed = 1.5 * records * per_record + 16 * 2**20
    line = (
        f"resident set {baseline[3] / 2**20:.1f} MB -> {last[3] / 2**20:.1f} MB ({grown / 2**20:+.1f} MB) over "
        f"{records:,} audit records at {per_record:.0f} B each: {records * per_record / 2**20:.1f} MB explained, "
        f"{allowed / 2**20:.1f} MB allowed"
    )
    return grown <= allowed, line


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--rate", type=float, default=200, help="requests a second")
    parser.add_argument("--sample-every", type=float, default=60, help="seconds between resident-set samples")
    args = parser.parse_args(argv)
    per_record = _bytes_per_audit_record()
    server = Server()
    try:
        soak = drive(server, args.minutes, args.rate, args.sample_every, lambda line: print(line, flush=True))
        alive = server.control("GET", "/_mock/health") is not None
    finally:
        server.stop()
    held, line = verdict(soak, per_record)
    minutes = soak.samples[-1][0] / 60 if soak.samples else 0
    print(f"{soak.requests:,} requests in {minutes:.1f} min, statuses {dict(sorted(soak.statuses.items()))}")
    print(line)
    for failure in soak.failures[:20]:
        print("FAILED", failure)
    ok = held and alive and not soak.failures
    print(f"soak: {'CLEAN' if ok else 'FAILED'} ({len(soak.failures)} unexpected answers, server alive: {alive})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
