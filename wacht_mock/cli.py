"""``wacht-mock``: the command line. ``serve`` runs the mock on loopback with uvicorn; ``verify`` runs the
scenario contracts against any backend (the real Wacht included)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from .errors import SeedError, UsageError
from .hosts import API_URL, GATEWAY_URL
from .journal import DEFAULT_SIZE as DEFAULT_JOURNAL_SIZE

if TYPE_CHECKING:
    from .domain.backend import Backend

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


class _Parser(argparse.ArgumentParser):
    """argparse, but misuse is one line naming the problem (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"wacht-mock: error: {message} (see wacht-mock --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wacht-mock", description="A contract-testing fake of Wacht's API auth backend.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the backend API on HOST:PORT",
        description="Serve the backend API and the gateway on one origin, with the mock's control plane under "
        "/_mock/. Control-plane writes (POST, PUT) need Content-Type: application/json; its answers carry no CORS "
        "headers; on a loopback bind its Host must be localhost or the bound address.",
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port, 0 for any free one (default {DEFAULT_PORT})"
    )
    start = serve.add_mutually_exclusive_group()
    start.add_argument("--seed", metavar="FILE", help="seed file, YAML or JSON (default: deployment 1 on growth)")
    start.add_argument(
        "--demo", action="store_true", help="start with a demo tenant: apps, schemes, keys, a week of traffic"
    )
    serve.add_argument(
        "--state", metavar="FILE", help="keep the state in this SQLite file across restarts (made from the seed if new)"
    )
    serve.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="require TOKEN on every /_mock/ call, as 'Authorization: Bearer TOKEN' or 'X-Wacht-Mock-Token: TOKEN' "
        "(the dashboard page GET /_mock/ also takes ?token=TOKEN); required when --host is not a loopback address",
    )
    serve.add_argument(
        "--cors-origin",
        metavar="ORIGIN",
        action="append",
        default=[],
        help="also allow this browser origin in the backend API's CORS answers, e.g. https://app.example.com "
        "(repeatable; production's allow-list, the Wacht console and localhost, stays)",
    )
    serve.add_argument(
        "--journal-size",
        metavar="N",
        type=_positive,
        default=DEFAULT_JOURNAL_SIZE,
        help=f"keep the last N requests in the journal (default {DEFAULT_JOURNAL_SIZE})",
    )
    serve.add_argument("--quiet", action="store_true", help="do not print a line per request")
    verify = commands.add_parser(
        "verify",
        help="run the scenario contracts against a backend (mock or real)",
        description="Run the scenario contracts against a backend, the real Wacht or a mock: one line per scenario, "
        "then a summary by rule. Exit status 0 when nothing failed (skips and registered divergences allowed), "
        "1 on a mismatch or a cleanup problem (drift), 2 when verify could not run: a bad flag or file, the API key "
        "refused, or --base-url or --gateway-url unreachable (checked before any scenario runs).",
    )
    verify.add_argument("--base-url", required=True, metavar="URL", help=f"the backend API, e.g. {API_URL}")
    verify.add_argument("--api-key", metavar="KEY", help="the deployment's backend secret (default: $WACHT_API_KEY)")
    verify.add_argument("--gateway-url", metavar="URL", help=f"the gateway, e.g. {GATEWAY_URL}")
    verify.add_argument(
        "--starter-api-key",
        metavar="KEY",
        help="a secret of a second deployment, not on Growth (for the plan-gate scenario and --burst)",
    )
    verify.add_argument(
        "--context", metavar="FILE", help="YAML naming the target's seeded user, organizations and workspaces"
    )
    verify.add_argument(
        "--burst",
        action="store_true",
        help="also trip the backend API's rate limit (1000 calls a minute); needs --starter-api-key: that "
        "deployment gets GET /api-auth/apps until it answers 429 (up to 1100 calls, nothing created) and answers "
        "429 for up to a minute after; runs last",
    )
    verify.add_argument("--scenarios", metavar="DIR", help="scenario directory (default: the ones wacht-mock ships)")
    verify.add_argument("--only", metavar="NAME", action="append", help="run only these scenarios (repeatable)")
    verify.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        default=30.0,
        help="how long to wait for a connection or an answer (default 30)",
    )
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {text!r}")
    return value


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text!r}")
    return int(text)


def build_backend(seed_path: str | None, *, demo: bool = False) -> Backend:
    """The backend ``serve`` runs: seeded from the file (errors name it), or the demo, on a ticking virtual clock
    (at the seed's ``clock.now`` when it has one, as a snapshot does)."""
    from .clock import VirtualClock  # here, not at the top: ``wacht-mock --help`` and ``verify`` need no domain
    from .domain.backend import Backend

    if demo:
        from .demo import demo_seed
        from .seed import parse_seed

        clock = VirtualClock(ticking=True)
        return Backend(parse_seed(demo_seed(clock.now())[0], source="demo"), clock=clock)
    if not seed_path:
        return Backend(None, clock=VirtualClock(None, ticking=True))  # the default seed, built without pydantic
    from .seed import load_seed

    seed = load_seed(seed_path)
    try:
        return Backend(seed, clock=VirtualClock(seed.clock.now if seed.clock else None, ticking=True))
    except SeedError as exc:
        raise exc.with_source(seed_path) from None


def serve(
    host: str,
    port: int,
    seed_path: str | None,
    *,
    demo: bool = False,
    state: str | None = None,
    admin_token: str | None = None,
    cors_origins: Sequence[str] = (),
    journal_size: int = DEFAULT_JOURNAL_SIZE,
    quiet: bool = False,
) -> int:
    """Run the mock until interrupted; print the base URL, every deployment's secret and what ``--state`` and
    ``--demo`` did first, then (unless ``quiet``) one line per request."""
    from .harness import Harness
    from .http.app import create_app
    from .http.cors import check_origin
    from .http.guard import TOKEN_HEADER, is_loopback
    from .journal import Journal
    from .server import base_url, bind, serve_forever

    if admin_token == "":
        raise UsageError("--admin-token must not be empty")
    if admin_token is None and not is_loopback(host):
        raise UsageError(
            f"--host {host} is not a loopback address, so the control plane (/_mock/: reset, clock, faults) would be "
            "open to the network: add --admin-token TOKEN to require it on every /_mock/ call"
        )
    origins = [check_origin(origin) for origin in cors_origins]
    backend = build_backend(seed_path, demo=demo)
    harness = Harness(backend, journal=Journal(journal_size))
    notes: list[str] = []
    if state is not None:
        from .store.startup import open_state

        label = "the demo" if demo else f"the seed {seed_path}" if seed_path else "the default seed"
        harness.store, line = open_state(backend, state, label)
        notes.append(line)
    if demo:
        notes += _demo_keys(backend)
    try:
        sock = bind(host, port)
    except OSError as exc:
        print(f"wacht-mock: error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    url = base_url(sock)
    print(f"wacht-mock serving {url}", flush=False)
    for d in harness.backend.deployments.values():
        print(f"  deployment {d.id} ({d.plan}): Authorization: Bearer {d.secret}")
    for note in notes:
        print(note)
    token_note = f" (admin token required: Authorization: Bearer or {TOKEN_HEADER})" if admin_token else ""
    print("  control plane: " + url + "/_mock/health" + token_note, flush=True)
    app = create_app(harness, admin_token=admin_token, cors_origins=origins)
    if quiet:
        serve_forever(app, sock)
        return 0
    from .http.request_log import LineWriter, RequestLog

    log = LineWriter(sys.stdout)
    try:
        serve_forever(RequestLog(app, log.write), sock)
    finally:
        log.close()
    return 0


def _demo_keys(backend: Backend) -> list[str]:
    """The demo's working key secrets, for a developer to try at the gateway."""
    from .demo import demo_seed
    from .ids import sha256_hex

    lines = ["  demo keys (POST /v1/authz/check with one as principal.value):"]
    for key in demo_seed(backend.clock.now())[1]:
        stored = next((d.keys_by_hash.get(sha256_hex(key.secret)) for d in backend.deployments.values()), None)
        if stored is not None and stored.is_active:
            lines.append(f"    {key.app_slug} / {key.name}: {key.secret}")
    return lines


def verify(args: argparse.Namespace) -> int:
    """Run the scenarios, print one line per scenario and the summary by rule; 1 on any mismatch (an unreachable
    URL is a ``UsageError``, exit 2, raised before any scenario runs)."""
    from pathlib import Path

    from .http import app  # noqa: F401  (importing the routes declares every rule)
    from .rules import all_rules
    from .settings import RealTarget
    from .verify import Target, TargetContext, load_scenarios
    from .verify import verify as run

    real = RealTarget.from_env(api_key=args.api_key, base_url=args.base_url)
    if real is None:
        raise UsageError("verify needs --api-key KEY (or WACHT_API_KEY in the environment)")
    known = {r.id for r in all_rules()}
    scenarios = load_scenarios(Path(args.scenarios) if args.scenarios else None, known_rules=known)
    if args.only:
        unknown = sorted(set(args.only) - {s.name for s in scenarios})
        if unknown:
            raise UsageError(f"--only: no scenario named {unknown[0]!r}")
        scenarios = [s for s in scenarios if s.name in args.only]
    target = Target(
        base_url=real.base_url,
        api_key=real.api_key,
        gateway_url=args.gateway_url,  # not real.gateway_url: the gateway scenarios run only when asked for
        starter_api_key=args.starter_api_key,
        context=TargetContext.load(args.context) if args.context else None,
        burst=args.burst,
        timeout=args.timeout,
    )
    count = f"{len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''}"
    print(f"wacht-mock verify: {count} against {args.base_url}", flush=True)
    report = run(target, scenarios, echo=lambda line: print(line, flush=True))
    for line in report.summary_lines():
        print(line)
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wacht-mock`` console script."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "verify":
            return verify(args)
        return serve(
            args.host,
            args.port,
            args.seed,
            demo=args.demo,
            state=args.state,
            admin_token=args.admin_token,
            cors_origins=args.cors_origin,
            journal_size=args.journal_size,
            quiet=args.quiet,
        )
    except (SeedError, UsageError) as exc:
        print(f"wacht-mock: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # stopping a server is its normal end; an interrupted verify proved nothing
        return 0 if args.command == "serve" else 130
