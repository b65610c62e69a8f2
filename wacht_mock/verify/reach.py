"""Checking, before any scenario runs, that the target's URLs answer at all.

A URL that cannot be reached says nothing about drift: without this check, a wrong ``--gateway-url`` turned
every gateway scenario into a FAIL, indistinguishable from production having changed. Any HTTP answer, whatever
its status, counts as reachable; only the transport failing (refused, unresolvable, TLS, no answer in time)
does not.
"""

from __future__ import annotations

import socket
import ssl

import httpx

from ..errors import UsageError


def check_reachable(url: str, flag: str, *, timeout: float) -> None:
    """Send one GET to ``url``; raise ``UsageError`` naming ``flag``, the URL and why when nothing answers."""
    try:
        with httpx.Client(timeout=timeout) as client:
            client.get(url)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise UsageError(f"{flag} {url!r} is not an http(s) URL ({exc})") from None
    except httpx.HTTPError as exc:
        raise UsageError(f"cannot reach {url}: {why(exc, timeout)} ({flag}; no scenario was run)") from None


def why(exc: httpx.HTTPError, timeout: float) -> str:
    """The transport failure in words: refused, unresolvable host, TLS, or no answer within ``timeout``."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"connected, but no answer within {timeout:g} s"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return f"the host name does not resolve ({cause.strerror or cause})"
        if isinstance(cause, ssl.SSLError):
            return f"the TLS handshake failed ({cause.reason or cause})"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        cause = cause.__cause__ or cause.__context__
    return f"{type(exc).__name__}: {exc}"
