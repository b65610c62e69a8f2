"""Send the project's own invalid requests (``wacht_mock.strategies.invalid_requests``) to ``wacht-mock serve``.

    python scripts/fuzz_strategies.py --requests 5000 --seed 1

Each generated request breaks exactly one named rule and carries production's answer (status and exact message).
Against one ``serve`` (started as ``scripts/fuzz_contracts.py`` starts it, with a seed holding the users,
organizations and plans every rule needs), each is sent after ``POST /_mock/reset`` (with its own set-up
requests), and its answer must be exactly the expected one; a 5xx must be one the rule itself expects (production's
own 500s). Prints the requests per rule, the status histogram and every mismatch; exit status 1 on any.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field

import httpx
from fuzz_contracts import Server
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from wacht_mock.strategies import WachtRequest, invalid_requests

DEPLOYMENTS = [
    {
        "id": 1,
        "plan": "growth",
        "users": [{"id": 11}, {"id": 12}],
        "organizations": [{"id": 21}],
        "memberships": [{"id": 41, "user_id": 11, "organization_id": 21}],
    },
    {"id": 2, "plan": "starter"},
]


@dataclass
class Campaign:
    """What the campaign sent and saw."""

    rules: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    requests: int = 0
    mismatches: list[str] = field(default_factory=list)


def run(cases: int, seed: int, server: Server) -> Campaign:
    """Send ``cases`` invalid requests (each after a reset), drawn with Hypothesis seed ``seed``."""
    campaign = Campaign()
    source = {"deployments": DEPLOYMENTS}
    with httpx.Client(base_url=server.url, timeout=30) as client:

        @hypothesis_seed(seed)
        @settings(
            max_examples=cases,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(invalid_requests(source))
        def send(request: WachtRequest) -> None:
            server.control("POST", "/_mock/reset", {})
            response = request.send(client)
            campaign.requests += 1 + len(request.setup)
            campaign.rules[request.expected.rule or "?"] += 1
            campaign.statuses[response.status_code] += 1
            try:
                request.check(response)
            except AssertionError as exc:
                campaign.mismatches.append(f"{request.expected.rule}: {str(exc).splitlines()[0][:300]}")
            if response.status_code >= 500 and request.expected.status != response.status_code:
                campaign.mismatches.append(f"{request.expected.rule}: a 5xx the rule does not expect")

        send()
    return campaign


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000, help="invalid requests to generate and send")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    server = Server(deployments=DEPLOYMENTS)
    try:
        campaign = run(args.requests, args.seed, server)
        alive = server.control("GET", "/_mock/health") is not None
    finally:
        server.stop()
    print(f"invalid requests: {sum(campaign.rules.values())} ({campaign.requests} with their set-up requests)")
    print(f"rules broken: {len(campaign.rules)}")
    for rule, count in sorted(campaign.rules.items()):
        print(f"  {rule}: {count}")
    print("status codes: " + ", ".join(f"{s}: {n}" for s, n in sorted(campaign.statuses.items())))
    for mismatch in campaign.mismatches[:50]:
        print("MISMATCH", mismatch)
    clean = not campaign.mismatches and alive
    print(f"verdict: {'CLEAN' if clean else 'FAILED'} ({len(campaign.mismatches)} mismatches, server alive: {alive})")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
