"""The crash test behind ``serve --state``: a write storm over HTTP, SIGKILLed at a random moment, then a restart
with the same command line and a check that nothing acknowledged was lost, nothing was half-applied, the file
loads and no id was handed out twice. Used by tests/test_state_file.py (20 cycles) and
benchmarks/crash_state.py (50 cycles)."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

SECRET = "sk_" + "C" * 43
SEED = f"""
deployments:
  - id: 1
    plan: growth
    secret: {SECRET}
    rate_limit_schemes:
      - {{slug: s1, name: One, rules: [{{unit: second, duration: 1, max_requests: 1000}}]}}
      - {{slug: s2, name: Two, rules: [{{unit: minute, duration: 1, max_requests: 5000}}]}}
"""
WRITERS = 4
_BROKEN = (httpx.TransportError,)


class Served:
    """``wacht-mock serve`` as a subprocess whose output is drained for as long as it runs."""

    def __init__(self, *args: str) -> None:
        command = [sys.executable, "-m", "wacht_mock", "serve", "--port", "0", *args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        ready = threading.Event()

        def drain() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))
                if line.startswith("  control plane:"):
                    ready.set()
            ready.set()

        self._drain = threading.Thread(target=drain, daemon=True)
        self._drain.start()
        if not ready.wait(30) or not any(line.startswith("  control plane:") for line in self.lines):
            self.kill()
            raise AssertionError(f"wacht-mock serve did not start: {self.lines} {self.errors}")
        match = re.match(r"wacht-mock serving (http://\S+)$", self.lines[0])
        assert match, self.lines
        self.url = match.group(1)

        self.errors = ""

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind in the server."""
        self.process.kill()
        self._close()

    def stop(self) -> None:
        """SIGTERM, uvicorn's normal stop."""
        self.process.terminate()
        self._close()

    def _close(self) -> None:
        self.process.wait(10)
        self._drain.join(10)
        assert self.process.stdout is not None and self.process.stderr is not None
        self.errors = self.process.stderr.read()
        self.process.stdout.close()
        self.process.stderr.close()


@dataclass
class Acknowledged:
    """What the server answered 2xx to, over every cycle."""

    apps: set[str] = field(default_factory=set)
    keys: dict[int, str] = field(default_factory=dict)  # id -> app slug
    secrets: dict[int, str] = field(default_factory=dict)
    revoked: set[int] = field(default_factory=set)
    rotated: dict[int, int] = field(default_factory=dict)  # old id -> new id
    decisions: set[str] = field(default_factory=set)
    schemes: dict[str, str] = field(default_factory=dict)  # app slug -> last acknowledged scheme slug
    issued_ids: list[int] = field(default_factory=list)  # every key id ever acknowledged, duplicates kept
    lock: threading.Lock = field(default_factory=threading.Lock)


def _writer(url: str, ack: Acknowledged, rng: random.Random, tag: str, tick: Callable[[], None]) -> None:
    mine: list[str] = []
    active: list[int] = []
    headers = {"authorization": f"Bearer {SECRET}"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as http:
        n = 0
        while True:
            n += 1
            roll = rng.random()
            try:
                if not mine or roll < 0.15:
                    slug = f"{tag}-{n}"
                    answer = http.post("/api-auth/apps", json={"app_slug": slug, "name": slug, "key_prefix": "sk_t"})
                    if answer.status_code == 200:
                        with ack.lock:
                            ack.apps.add(slug)
                        mine.append(slug)
                elif not active or roll < 0.4:
                    slug = rng.choice(mine)
                    answer = http.post(f"/api-auth/apps/{slug}/keys", json={"name": f"key {n}"})
                    if answer.status_code == 200:
                        body = answer.json()
                        _issued(ack, int(body["id"]), slug, body["secret"])
                        active.append(int(body["id"]))
                elif roll < 0.55:
                    old = active.pop(rng.randrange(len(active)))
                    answer = http.post(f"/api-auth/apps/{ack.keys[old]}/keys/{old}/rotate")
                    if answer.status_code == 200:
                        body = answer.json()
                        _issued(ack, int(body["id"]), ack.keys[old], body["secret"])
                        with ack.lock:
                            ack.rotated[old] = int(body["id"])
                        active.append(int(body["id"]))
                elif roll < 0.65:
                    old = active.pop(rng.randrange(len(active)))
                    answer = http.post(f"/api-auth/apps/{ack.keys[old]}/keys/{old}/revoke", json={"reason": "storm"})
                    if answer.status_code == 200:
                        with ack.lock:
                            ack.revoked.add(old)
                elif roll < 0.75:
                    slug, scheme = rng.choice(mine), rng.choice(("s1", "s2"))
                    answer = http.patch(f"/api-auth/apps/{slug}", json={"rate_limit_scheme_slug": scheme})
                    if answer.status_code == 200:
                        with ack.lock:
                            ack.schemes[slug] = scheme
                else:
                    key = rng.choice(active)
                    body = {
                        "principal": {"type": "api_key", "value": ack.secrets[key]},
                        "resource": "/r",
                        "method": "GET",
                    }
                    answer = http.post("/v1/authz/check", json=body)
                    if answer.status_code == 200:
                        with ack.lock:
                            ack.decisions.add(answer.json()["request_id"])
                assert answer.status_code == 200, answer.text
                tick()
            except _BROKEN:
                return


def _issued(ack: Acknowledged, key_id: int, slug: str, secret: str) -> None:
    with ack.lock:
        ack.keys[key_id] = slug
        ack.secrets[key_id] = secret
        ack.issued_ids.append(key_id)


def storm(url: str, ack: Acknowledged, rng: random.Random, cycle: int, kill: Callable[[], None]) -> int:
    """Run the writers until a random number of acknowledged writes, then ``kill`` the server mid-storm."""
    target = rng.randrange(5, 80)
    count = [0]
    reached = threading.Event()

    def tick() -> None:
        with ack.lock:
            count[0] += 1
            if count[0] >= target:
                reached.set()

    threads = [
        threading.Thread(target=_writer, args=(url, ack, random.Random(rng.random()), f"c{cycle}w{i}", tick))
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    reached.wait(60)
    kill()
    for thread in threads:
        thread.join(30)
    return count[0]


def verify(url: str, ack: Acknowledged) -> dict[str, int]:
    """Every acknowledged write is in the restarted server's state, nothing is half-applied, ids are unique."""
    with httpx.Client(base_url=url, timeout=30) as http:
        state = http.get("/_mock/state").json()
    [dep] = state["deployments"]
    apps = {a["app_slug"]: a for a in dep["apps"]}
    keys = {int(k["id"]): (a["app_slug"], k) for a in dep["apps"] for k in a["keys"]}
    problems: list[str] = []
    problems += [f"app {s} lost" for s in ack.apps if s not in apps]
    problems += [f"key {i} lost" for i in ack.keys if i not in keys]
    problems += [f"revoke of {i} lost" for i in ack.revoked if keys.get(i, ("", {}))[1].get("is_active", True)]
    for old, new in ack.rotated.items():
        if keys.get(old, ("", {}))[1].get("revoked_reason") != "Rotated" or new not in keys:
            problems.append(f"rotation {old} -> {new} lost")
    for slug, scheme in ack.schemes.items():
        if slug in apps and apps[slug].get("rate_limit_scheme_slug") is None:
            problems.append(f"app {slug} lost its scheme {scheme}")
    # Half-applied: a rotated key without its replacement, or a key whose scheme is not its app's.
    for app_slug, key in keys.values():
        if key["revoked_reason"] == "Rotated" and not any(
            s == app_slug and k["name"] == key["name"] and int(k["id"]) > int(key["id"]) for s, k in keys.values()
        ):
            problems.append(f"key {key['id']} rotated without a replacement")
        if key["rate_limit_scheme_slug"] != apps[app_slug].get("rate_limit_scheme_slug"):
            problems.append(f"key {key['id']} has scheme {key['rate_limit_scheme_slug']}, its app another")
    audited = {r["request_id"] for r in dep["audit"]}
    problems += [f"decision {r} lost" for r in ack.decisions if r not in audited]
    if len(set(ack.issued_ids)) != len(ack.issued_ids):
        problems.append("a key id was issued twice")
    if len(audited) != len(dep["audit"]):
        problems.append("a request id was issued twice")
    assert not problems, problems[:10]
    return {"apps": len(apps), "keys": len(keys), "audit": len(dep["audit"])}


def run(cycles: int, workdir: Path, *, seed: int = 11, echo: Callable[[str], None] | None = None) -> Acknowledged:
    """``cycles`` storms, each ended by a SIGKILL and followed by a restart and ``verify``."""
    rng = random.Random(seed)
    seed_file, state_file = workdir / "seed.yaml", workdir / "state.db"
    seed_file.write_text(SEED)
    ack = Acknowledged()
    served = Served("--seed", str(seed_file), "--state", str(state_file))
    try:
        for cycle in range(cycles):
            writes = storm(served.url, ack, rng, cycle, served.kill)
            served = Served("--seed", str(seed_file), "--state", str(state_file))
            assert any(line.startswith(f"  state: loaded {state_file}") for line in served.lines), served.lines
            counts = verify(served.url, ack)
            if echo is not None:
                echo(f"cycle {cycle + 1:2d}: killed after {writes:3d} acknowledged writes; restarted with {counts}")
    finally:
        served.stop()
    return ack


def summary(ack: Acknowledged) -> dict[str, Any]:
    """Totals of what was acknowledged (and then found) over the run."""
    return {
        "apps": len(ack.apps),
        "keys": len(ack.keys),
        "rotations": len(ack.rotated),
        "revocations": len(ack.revoked),
        "decisions": len(ack.decisions),
    }
