"""The hand list of malformed requests that ``probe_malformed.py`` sends over raw sockets, each to the backend API
(``POST /api-auth/apps`` with the deployment's secret) and to the gateway (``POST /v1/authz/check``).

A case builds the bytes to send from the target, the secret and whether the run is ``--quick``; it may say that
the client half-closes after sending (the server must then close, not wait), that no answer is a fine outcome,
and what its answers must be beyond the vendor's shapes (``expect``: a complaint, or None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import count

MIB = 1 << 20
LIMIT = 2 * MIB  # production's body limit (axum's DefaultBodyLimit, backend-behaviour.md §2.2)
BACKEND_413 = b'{"errors":[{"message":"Request failed","code":413}]}'
GATEWAY_413 = b"Failed to buffer the request body: length limit exceeded"
TARGETS = {"backend": b"/api-auth/apps", "gateway": b"/v1/authz/check"}


@dataclass(frozen=True)
class Reply:
    """One HTTP response read off the socket."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Ctx:
    """What a case builds its bytes from."""

    target: str
    secret: str
    quick: bool

    @property
    def path(self) -> bytes:
        """The route this target's cases aim at."""
        return TARGETS[self.target]


@dataclass(frozen=True)
class Case:
    """One malformed request (or byte stream) and what must come of it."""

    name: str
    build: Callable[[Ctx], bytes]
    half_close: bool = False
    """Shut the socket's write side after sending: the server sees EOF and must close, not wait."""
    answer_optional: bool = False
    expect: Callable[[Ctx, list[Reply]], str | None] | None = None
    big: bool = False
    """Skipped by ``--quick``."""


_slugs = count(1)


def good_body(ctx: Ctx) -> bytes:
    """A body the target accepts as JSON (a new app; a gateway check the format check denies)."""
    if ctx.target == "backend":
        return b'{"app_slug":"probe-%d","name":"probe","key_prefix":"pk"}' % next(_slugs)
    return b'{"principal":{"type":"api_key","value":"not-a-key"},"resource":"/a","method":"GET"}'


def request(
    ctx: Ctx,
    body: bytes | None = None,
    *,
    method: bytes = b"POST",
    path: bytes | None = None,
    extra: list[bytes] | tuple[bytes, ...] = (),
    length: bytes | None = None,
    version: bytes = b"HTTP/1.1",
    close: bool = True,
) -> bytes:
    """One request's bytes: Host, the secret (backend), a JSON content type, Content-Length (or ``length``)."""
    body = good_body(ctx) if body is None else body
    lines = [b"%s %s %s" % (method, ctx.path if path is None else path, version), b"Host: probe"]
    if ctx.target == "backend":
        lines.append(b"Authorization: Bearer " + ctx.secret.encode())
    lines.append(b"Content-Type: application/json")
    lines += extra
    if not any(h.lower().startswith(b"transfer-encoding:") for h in extra):
        lines.append(b"Content-Length: " + (str(len(body)).encode() if length is None else length))
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def sized(ctx: Ctx, size: int) -> bytes:
    """A valid JSON body of exactly ``size`` bytes: whitespace after the opening brace."""
    body = good_body(ctx)
    return body[:1] + b" " * (size - len(body)) + body[1:]


def _chunked(ctx: Ctx, chunks: bytes) -> bytes:
    return request(ctx, chunks, extra=[b"Transfer-Encoding: chunked"])


def _chunks(body: bytes) -> bytes:
    half = len(body) // 2
    return b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, body[:half], len(body) - half, body[half:])


def _status(*allowed: int) -> Callable[[Ctx, list[Reply]], str | None]:
    def check(ctx: Ctx, replies: list[Reply]) -> str | None:
        got = [r.status for r in replies]
        return None if got and got[0] in allowed else f"expected {allowed}, got {got}"

    return check


def _by_target(backend: int, gateway: int) -> Callable[[Ctx, list[Reply]], str | None]:
    def check(ctx: Ctx, replies: list[Reply]) -> str | None:
        return _status(backend if ctx.target == "backend" else gateway)(ctx, replies)

    return check


def _too_large(ctx: Ctx, replies: list[Reply]) -> str | None:
    want = BACKEND_413 if ctx.target == "backend" else GATEWAY_413
    if replies and replies[0].status == 413 and replies[0].body == want:
        return None
    return f"expected 413 {want!r}, got {[(r.status, r.body[:80]) for r in replies]}"


def _replies(n: int) -> Callable[[Ctx, list[Reply]], str | None]:
    def check(ctx: Ctx, replies: list[Reply]) -> str | None:
        return None if len(replies) == n else f"expected {n} answers, got {len(replies)}"

    return check


def _long(ctx: Ctx) -> int:
    return 16_000 if ctx.quick else 100_000


def _many_headers(ctx: Ctx) -> bytes:
    return request(ctx, extra=[b"X-Probe-%d: v" % i for i in range(1_000 if ctx.quick else 10_000)])


def _deep(ctx: Ctx, field: bytes | None) -> bytes:
    """``depth`` nested arrays in a known field (serde stops at the first ``[`` of a string field, or after 128
    levels), or in an unknown field of a valid body (skipped at any depth by the backend; the gateway denies it)."""
    depth = 10_000 if ctx.quick else 100_000
    nest = b"[" * depth + b"]" * depth
    if field is None:
        return request(ctx, good_body(ctx)[:-1] + b',"probe_unknown":' + nest + b"}")
    return request(ctx, b'{"%s":%s}' % (field, nest))


def _pipelined(ctx: Ctx) -> bytes:
    return request(ctx, close=False) + request(ctx, close=False) + request(ctx, close=True)


CASES: list[Case] = [
    Case("json_malformed", lambda c: request(c, b'{"name": "x",, }')),
    Case("json_truncated", lambda c: request(c, good_body(c)[:-7])),
    Case("json_empty", lambda c: request(c, b"")),
    Case("json_deep_known", lambda c: _deep(c, b"name" if c.target == "backend" else b"resource")),
    Case("json_deep_unknown", lambda c: _deep(c, None), expect=_by_target(200, 422)),
    Case("json_deep_top", lambda c: request(c, b"[" * 10_000)),
    Case("body_invalid_utf8", lambda c: request(c, b'{"name":"\xff\xfe\x80","app_slug":"x\xc3("}')),
    Case(
        "body_invalid_utf8_unknown",
        lambda c: request(c, good_body(c)[:-1] + b',"probe_unknown":"\xff\xfe\\ud800"}'),
        expect=_by_target(200, 422),
    ),
    Case("body_raw_nul", lambda c: request(c, b'{"name":"a\x00b"}')),
    Case("body_escaped_nul", lambda c: request(c, good_body(c).replace(b'"probe"', b'"a\\u0000b"'))),
    Case("body_lone_surrogate", lambda c: request(c, good_body(c).replace(b'"probe"', b'"\\ud800"'))),
    Case("cl_shorter", lambda c: request(c, length=b"5"), answer_optional=False),
    Case("cl_longer", lambda c: request(c, length=b"5000"), half_close=True, answer_optional=True),
    Case("cl_not_a_number", lambda c: request(c, length=b"abc")),
    Case("cl_negative", lambda c: request(c, length=b"-1")),
    Case("cl_twice", lambda c: request(c, extra=[b"Content-Length: 3"])),
    Case("cl_huge", lambda c: request(c, length=b"99999999999999999999"), half_close=True, answer_optional=True),
    Case("chunked_valid", lambda c: _chunked(c, _chunks(good_body(c)))),
    Case("chunked_bad_size", lambda c: _chunked(c, b"zz\r\n" + good_body(c) + b"\r\n0\r\n\r\n")),
    Case("chunked_size_overflow", lambda c: _chunked(c, b"ffffffffffffffffffff\r\nab\r\n0\r\n\r\n")),
    Case("chunked_no_crlf", lambda c: _chunked(c, b"5\r\nabcdefgh0\r\n\r\n")),
    Case(
        "chunked_truncated", lambda c: _chunked(c, b"64\r\n" + good_body(c)[:10]), half_close=True, answer_optional=True
    ),
    Case(
        "chunked_over_limit",
        lambda c: _chunked(c, b"%x\r\n%s\r\n0\r\n\r\n" % (LIMIT + 1, sized(c, LIMIT + 1))),
        expect=_too_large,
    ),
    Case(
        "te_and_cl",
        lambda c: request(c, _chunks(good_body(c)), extra=[b"Content-Length: 4", b"Transfer-Encoding: chunked"]),
    ),
    Case("body_2mib_minus_1", lambda c: request(c, sized(c, LIMIT - 1)), expect=_status(200, 401)),
    Case("body_2mib", lambda c: request(c, sized(c, LIMIT)), expect=_status(200, 401)),
    Case("body_2mib_plus_1", lambda c: request(c, sized(c, LIMIT + 1)), expect=_too_large),
    Case("body_50mib", lambda c: request(c, sized(c, 50 * MIB)), expect=_too_large, big=True),
    Case(
        "body_50mib_declared",
        lambda c: request(c, b"{}", length=b"%d" % (50 * MIB)),
        half_close=True,
        answer_optional=True,
    ),
    Case("path_invalid_utf8", lambda c: request(c, path=c.path + b"/\xff\xfe")),
    Case("path_percent_invalid_utf8", lambda c: request(c, method=b"GET", path=c.path + b"/%FF%FE")),
    Case("path_nul", lambda c: request(c, path=c.path + b"/a\x00b")),
    Case("path_percent_nul", lambda c: request(c, method=b"GET", path=c.path + b"/a%00b")),
    Case("query_invalid_utf8", lambda c: request(c, path=c.path + b"?q=\xff\xfe")),
    Case("query_percent_invalid_utf8", lambda c: request(c, path=c.path + b"?q=%FF%FE&limit=%FF")),
    Case("query_percent_surrogate", lambda c: request(c, method=b"GET", path=c.path + b"?search=%ED%A0%80")),
    Case("path_percent_surrogate", lambda c: request(c, method=b"GET", path=c.path + b"/%ED%A0%80/keys")),
    Case("query_nul", lambda c: request(c, path=c.path + b"?q=a\x00b")),
    Case("query_percent_nul", lambda c: request(c, method=b"GET", path=c.path + b"?search=a%00b")),
    Case("header_invalid_utf8", lambda c: request(c, extra=[b"X-Probe: \xff\xfe", b"User-Agent: \xc3("])),
    Case("header_nul", lambda c: request(c, extra=[b"X-Probe: a\x00b"])),
    Case(
        "header_auth_invalid_utf8",
        lambda c: request(c, extra=[b"X-Original-Client-Ip: \xff"]).replace(b"Bearer ", b"Bearer \xff"),
    ),
    Case("content_type_invalid_utf8", lambda c: request(c).replace(b"application/json", b"application/json\xff")),
    Case("long_request_line", lambda c: request(c, path=c.path + b"?q=" + b"a" * _long(c))),
    Case("long_path", lambda c: request(c, method=b"GET", path=c.path + b"/" + b"a" * _long(c))),
    Case("long_header_line", lambda c: request(c, extra=[b"X-Probe: " + b"a" * _long(c)])),
    Case("many_headers", _many_headers),
    Case("http_1_0", lambda c: request(c, version=b"HTTP/1.0", close=False).replace(b"Host: probe\r\n", b"")),
    Case("http_0_9", lambda c: b"GET " + c.path + b"\r\n", half_close=True, answer_optional=True),
    Case("http_2_0_version", lambda c: request(c, version=b"HTTP/2.0")),
    Case("garbage", lambda c: b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n\r\n"),
    Case("garbage_text", lambda c: b"hello there\r\n\r\n"),
    Case("empty_request", lambda c: b"", half_close=True, answer_optional=True),
    Case("blank_lines", lambda c: b"\r\n\r\n\r\n", half_close=True, answer_optional=True),
    Case("pipelined", _pipelined, expect=_replies(3)),
    Case("pipelined_then_garbage", lambda c: request(c, close=False) + b"garbage\r\n\r\n", answer_optional=False),
]
