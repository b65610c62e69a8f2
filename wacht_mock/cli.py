"""``wacht-mock``: the command line. ``serve`` runs the mock on loopback with uvicorn."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from .clock import VirtualClock
from .domain.backend import Backend
from .errors import SeedError
from .seed import Seed, default_seed, load_seed

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


class _Parser(argparse.ArgumentParser):
    """argparse, but misuse is one line naming the problem (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"wacht-mock: error: {message} (see wacht-mock --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wacht-mock", description="A contract-testing fake of Wacht's API auth backend.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve the backend API on HOST:PORT")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port, 0 for any free one (default {DEFAULT_PORT})"
    )
    serve.add_argument("--seed", metavar="FILE", help="seed file, YAML or JSON (default: deployment 1 on growth)")
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return value


def build_backend(seed_path: str | None) -> Backend:
    """The backend ``serve`` runs: seeded from the file (errors name it) and on a ticking virtual clock."""
    seed: Seed = load_seed(seed_path) if seed_path else default_seed()
    try:
        return Backend(seed, clock=VirtualClock(ticking=True))
    except SeedError as exc:
        raise exc.with_source(seed_path or "default seed") from None


def serve(host: str, port: int, seed_path: str | None) -> int:
    """Run the mock until interrupted; print the base URL and every deployment's secret first."""
    import uvicorn

    from .app import create_app
    from .live import base_url, bind, hide_injected_drops

    backend = build_backend(seed_path)
    try:
        sock = bind(host, port)
    except OSError as exc:
        print(f"wacht-mock: error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    url = base_url(sock)
    print(f"wacht-mock serving {url}", flush=False)
    for d in backend.deployments.values():
        print(f"  deployment {d.id} ({d.plan}): Authorization: Bearer {d.secret}")
    print("  control plane: " + url + "/_mock/health", flush=True)
    hide_injected_drops()
    config = uvicorn.Config(create_app(backend), log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wacht-mock`` console script."""
    args = _parser().parse_args(argv)
    try:
        return serve(args.host, args.port, args.seed)
    except SeedError as exc:
        print(f"wacht-mock: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
