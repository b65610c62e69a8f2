"""Send ``wacht-mock serve`` the hand list of malformed requests over raw sockets, and judge every answer.

    python scripts/probe_malformed.py            # the whole list, 2 MiB ± 1 and 50 MiB bodies included
    python scripts/probe_malformed.py --quick    # smaller long lines and header counts, no 50 MiB body
    python scripts/probe_malformed.py --cases cl_longer pipelined

Starts ``wacht-mock serve --port 0 --quiet`` (``fuzz_contracts.Server``), then sends each case of
``malformed_cases.CASES`` to the backend API (``POST /api-auth/apps`` with the deployment's secret) and to the
gateway (``POST /v1/authz/check``). The send runs in its own thread, so a server that answers before reading a
body whole (a 413) never deadlocks the probe. The probe reads until the server closes; if it has not closed after
``--timeout`` seconds the probe shuts its write side (the server sees EOF: a server waiting for more bytes must
close then) and waits ``--timeout`` more; still open is a hang.

Each case records the answers' statuses, whether each body is in the vendor's shapes (the backend's
``{"errors":[{"message","code"}]}`` envelope; the gateway's decision and denial bodies, its axum plain text and
its bare 405), or uvicorn's own 400 for bytes that are not HTTP (the HTTP layer's, below the vendor's code),
every 5xx judged against the journal (``fuzz_contracts._production_500``: a rule of production whose status is
500 must have answered), a traceback on the server's stderr, the time taken, and ``GET /_mock/health`` after
the case. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from typing import IO

from fuzz_contracts import Server, _example, _production_500
from malformed_cases import CASES, TARGETS, Case, Ctx, Reply

UVICORN_400 = b"Invalid HTTP request received."
DECISION_KEYS = {"request_id", "allowed", "reason", "blocked_rule", "identity", "permissions", "metadata"}
DECISION_KEYS |= {"rate_limits", "retry_after", "headers"}


@dataclass
class Result:
    """What one case against one target came to."""

    case: str
    target: str
    replies: list[Reply] = field(default_factory=list)
    seconds: float = 0.0
    hang: bool = False
    eof_needed: bool = False
    """The server answered or closed only after the probe's EOF."""
    junk: bytes = b""
    """Bytes after the last answer that do not parse as one."""
    layers: list[str] = field(default_factory=list)
    shape_violations: list[str] = field(default_factory=list)
    unexpected_5xx: list[str] = field(default_factory=list)
    production_5xx: list[str] = field(default_factory=list)
    """The 500 rules of production that answered this case's 5xx."""
    complaints: list[str] = field(default_factory=list)
    alive: bool = True

    @property
    def failed(self) -> bool:
        """Whether anything about this case is wrong."""
        return bool(self.hang or self.shape_violations or self.unexpected_5xx or self.complaints or not self.alive)


def parse_replies(data: bytes) -> tuple[list[Reply], bytes]:
    """HTTP/1.1 responses in ``data`` (Content-Length or chunked bodies), and the bytes left after them."""
    replies: list[Reply] = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep or not head.startswith(b"HTTP/1."):
            break
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (ln.decode("latin-1").partition(":") for ln in lines[1:])
        }
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body, rest = _dechunk(rest)
        elif "content-length" in headers:
            n = int(headers["content-length"])
            body, rest = rest[:n], rest[n:]
        else:
            body, rest = (b"", rest) if status in (204, 304) or status < 200 else (rest, b"")
        replies.append(Reply(status, headers, body))
        data = rest
    return replies, data


def _dechunk(data: bytes) -> tuple[bytes, bytes]:
    body = b""
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return body, data.partition(b"\r\n")[2]
        body, data = body + data[:size], data[size + 2 :]


def exchange(url: str, case: Case, ctx: Ctx, timeout: float) -> Result:
    """Send one case's bytes on a fresh connection and read until the server closes (or a hang)."""
    host, port = url.removeprefix("http://").split(":")
    result = Result(case.name, ctx.target)
    payload = case.build(ctx)
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sender = threading.Thread(target=_send, args=(sock, payload, case.half_close), daemon=True)
        sender.start()
        received, closed = _read_until_close(sock, started + timeout)
        if not closed and not case.half_close:
            result.eof_needed = True
            _shutdown(sock)
            more, closed = _read_until_close(sock, time.monotonic() + timeout)
            received += more
        result.hang = not closed
        sender.join(timeout=timeout)
    result.seconds = time.monotonic() - started
    result.replies, result.junk = parse_replies(received)
    return result


def _send(sock: socket.socket, payload: bytes, half_close: bool) -> None:
    try:
        sock.sendall(payload)
        if half_close:
            _shutdown(sock)
    except OSError:
        pass  # the server answered and closed before reading everything (a 413, a 400): what it may do


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _read_until_close(sock: socket.socket, deadline: float) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(1 << 16)
        except TimeoutError:
            break
        except ConnectionResetError:
            return b"".join(chunks), True
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
    return b"".join(chunks), False


def vendor_shape(target: str, reply: Reply) -> str | None:
    """Why ``reply`` is not in the vendor's shapes for ``target`` (None when it is)."""
    kind = reply.headers.get("content-type", "")
    if target == "backend" or reply.status == 404:  # unknown paths answer in the backend's envelope (§14, 13)
        if 200 <= reply.status < 300:
            return None if reply.status == 204 or _json(reply.body) is not None else "2xx body is not JSON"
        envelope = _json(reply.body)
        ok = (
            kind.startswith("application/json")
            and isinstance(envelope, dict)
            and list(envelope) == ["errors"]
            and isinstance(envelope["errors"], list)
            and len(envelope["errors"]) == 1
            and envelope["errors"][0] == {"message": envelope["errors"][0].get("message"), "code": reply.status}
            and isinstance(envelope["errors"][0]["message"], str)
        )
        return None if ok else "not the errors envelope"
    if reply.status == 405:
        return None if reply.body == b"" else "gateway 405 with a body"
    if kind.startswith("text/plain"):
        return None if reply.body else "empty plain text"
    body = _json(reply.body)
    if kind.startswith("application/json") and isinstance(body, dict) and set(body) == DECISION_KEYS:
        return None if reply.status in (200, 400, 401) else f"decision body with status {reply.status}"
    return "neither the decision body nor axum's plain text"


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


def judge(result: Result, case: Case, ctx: Ctx, server: ProbedServer) -> None:
    """Fill in the result's layers, shapes, 5xx verdicts, complaints and liveness."""
    for reply in result.replies:
        layer = "http" if reply.status == 400 and reply.body == UVICORN_400 else "vendor"
        result.layers.append(layer)
        why = vendor_shape(ctx.target, reply) if layer == "vendor" else None
        if why:
            result.shape_violations.append(f"{reply.status}: {why}: {reply.body[:120]!r}")
    if result.junk:
        result.shape_violations.append(f"unparsable bytes after the answers: {result.junk[:120]!r}")
    try:
        entries = server.new_entries()
    except OSError as exc:  # urllib's HTTPError too: the control plane failed on what this case left in the journal
        entries = []
        result.complaints.append(f"journal unreadable: {exc}")
    journal_5xx = [e for e in entries if e["status"] >= 500]
    result.unexpected_5xx += [_example(e) for e in journal_5xx if not _production_500(e)]
    result.production_5xx += [
        r["rule"] for e in journal_5xx if _production_500(e) for r in e["rules"] if r["outcome"] == "deny"
    ]
    wire_5xx = [r.status for r in result.replies if r.status >= 500]
    if len(wire_5xx) > len(journal_5xx):
        result.unexpected_5xx.append(f"{wire_5xx} on the wire, {len(journal_5xx)} journaled")
    if not result.replies and not case.answer_optional:
        result.complaints.append("no answer")
    if case.expect is not None and (why := case.expect(ctx, result.replies)):
        result.complaints.append(why)
    result.alive = _alive(server.url)
    if tracebacks := server.take_tracebacks():
        result.complaints.append(f"{tracebacks} traceback(s) on the server's stderr")


class ProbedServer(Server):
    """``fuzz_contracts.Server`` that also counts the tracebacks on its stderr (the kept tail is only 50 lines:
    a long traceback's first line would be gone before a case is judged)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tracebacks = 0
        super().__init__()

    def _drain(self, pipe: IO[str] | None, keep: deque[str]) -> None:  # type: ignore[override]  # static in Server
        assert pipe is not None
        for line in pipe:
            keep.append(line.rstrip("\n"))
            if line.startswith("Traceback"):
                with self._lock:
                    self._tracebacks += 1

    def take_tracebacks(self) -> int:
        """Tracebacks logged since the last call."""
        with self._lock:
            taken, self._tracebacks = self._tracebacks, 0
        return taken


def _alive(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_mock/health", timeout=10) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def run(names: list[str] | None = None, quick: bool = False, timeout: float = 10.0) -> list[Result]:
    """Every chosen case against both targets on one fresh server; the results in order."""
    cases = [c for c in CASES if (names is None or c.name in names) and not (quick and c.big)]
    unknown = set(names or ()) - {c.name for c in CASES}
    if unknown:
        raise SystemExit(f"unknown cases: {sorted(unknown)}")
    server = ProbedServer()
    results: list[Result] = []
    try:
        for case in cases:
            for target in TARGETS:
                ctx = Ctx(target, server.secret, quick)
                result = exchange(server.url, case, ctx, timeout)
                judge(result, case, ctx, server)
                results.append(result)
                if not result.alive:
                    return results
    finally:
        server.stop()  # joins the readers: every line the server wrote is counted now
        if results and (late := server.take_tracebacks()):
            results[-1].complaints.append(f"{late} traceback(s) on the server's stderr after the last case")
    return results


def report(results: list[Result]) -> str:
    """One line per case and target, then the summary line."""
    lines = [f"{'case':<28} {'target':<8} {'answers':<22} {'ms':>7}  verdict"]
    for r in results:
        answers = ",".join(
            f"{x.status}{'(http)' if layer == 'http' else ''}" for x, layer in zip(r.replies, r.layers, strict=True)
        )
        answers = (answers or "closed") + ("+eof" if r.eof_needed else "")
        problems = r.shape_violations + r.unexpected_5xx + r.complaints
        problems += ["HANG"] * r.hang + ["SERVER DOWN"] * (not r.alive)
        verdict = "FAIL " + "; ".join(problems) if r.failed else "ok"
        verdict += "".join(f" (production's 500: {rule})" for rule in r.production_5xx)
        lines.append(f"{r.case:<28} {r.target:<8} {answers:<22} {r.seconds * 1000:>7.0f}  {verdict}")
    lines.append(summary(results))
    return "\n".join(lines)


def summary(results: list[Result]) -> str:
    """The figures of a run in one line."""
    return (
        f"cases: {len(results)}, failures: {sum(r.failed for r in results)}, "
        f"unexpected 5xx: {sum(len(r.unexpected_5xx) for r in results)}, "
        f"shape violations: {sum(len(r.shape_violations) for r in results)}, "
        f"hangs: {sum(r.hang for r in results)}, "
        f"http-layer answers: {sum(r.layers.count('http') for r in results)}, "
        f"server alive: {'yes' if all(r.alive for r in results) else 'NO'}"
    )


def main(argv: list[str] | None = None) -> int:
    """The command line: run the probe, print the table; 1 on any failure."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", metavar="NAME", help="only these cases (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller long lines and header counts; no 50 MiB body")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a silent server counts as hung")
    args = parser.parse_args(argv)
    results = run(args.cases, args.quick, args.timeout)
    print(report(results))
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
