"""``wacht-mock verify`` tells "could not run" (exit 2, one line naming the URL and why, before any scenario) from
drift (exit 1): a closed port, a host name that does not resolve, a TLS failure and a target that never answers,
for ``--base-url`` and ``--gateway-url`` alike."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_verify_cli import verify_args

from wacht_mock import LiveWacht, WachtMock
from wacht_mock.cli import main

NEEDS_NOTHING = "auth-bearer-header-required"  # a scenario with no requirement: no plan probe runs before it
SCENARIO_LINE = re.compile(r"^(PASS|FAIL|KNOWN|SKIP) ", re.MULTILINE)


@pytest.fixture(scope="module")
def live() -> Iterator[LiveWacht]:
    server = LiveWacht(WachtMock())
    yield server
    server.stop()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: bound to learn a free one, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel completes them) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def could_not_run(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    """Run verify, check it is exit 2 with one error line and no scenario reported, and return that line."""
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert not SCENARIO_LINE.search(out), out
    assert err.count("\n") == 1 and err.startswith("wacht-mock: error: "), err
    return err.strip()


def test_a_closed_base_url_is_exit_2_before_any_scenario(closed_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    # --only a scenario that needs no plan probe: on 5bad3d9 it ran, and the refused connection was a FAIL (exit 1)
    line = could_not_run(capsys, verify_args(url, "sk_x", "--only", NEEDS_NOTHING))
    assert line == f"wacht-mock: error: cannot reach {url}: connection refused (--base-url; no scenario was run)"


def test_a_closed_gateway_url_is_exit_2_not_drift(
    live: LiveWacht, closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    line = could_not_run(capsys, verify_args(live.url, live.mock.secret, "--gateway-url", url))
    assert line == f"wacht-mock: error: cannot reach {url}: connection refused (--gateway-url; no scenario was run)"


def test_a_host_that_does_not_resolve_is_exit_2(live: LiveWacht) -> None:
    # .invalid never resolves (RFC 6761); a subprocess with a deadline so a slow resolver cannot hang the suite
    args = verify_args(live.url, live.mock.secret, "--gateway-url", "http://nonexistent.invalid", "--timeout", "5")
    done = subprocess.run([sys.executable, "-m", "wacht_mock", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert not SCENARIO_LINE.search(done.stdout), done.stdout
    assert done.stderr.startswith(
        "wacht-mock: error: cannot reach http://nonexistent.invalid: the host name does not resolve ("
    )
    assert done.stderr.endswith(") (--gateway-url; no scenario was run)\n")
    assert done.stderr.count("\n") == 1


def test_a_tls_failure_is_exit_2(live: LiveWacht, capsys: pytest.CaptureFixture[str]) -> None:
    url = live.url.replace("http://", "https://")  # the live server speaks plain HTTP: the handshake fails
    line = could_not_run(capsys, verify_args(url, live.mock.secret))
    assert line.startswith(f"wacht-mock: error: cannot reach {url}: the TLS handshake failed (")
    assert line.endswith(") (--base-url; no scenario was run)")


def test_a_target_that_never_answers_is_exit_2_after_the_timeout(
    silent_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{silent_port}"
    line = could_not_run(capsys, verify_args(url, "sk_x", "--timeout", "0.2"))
    assert line == (
        f"wacht-mock: error: cannot reach {url}: connected, but no answer within 0.2 s"
        " (--base-url; no scenario was run)"
    )


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:9", "127.0.0.1:9", ""])
def test_a_url_that_is_not_http_is_exit_2(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    line = could_not_run(capsys, verify_args(url, "sk_x"))
    assert line.startswith(f"wacht-mock: error: --base-url {url!r} is not an http(s) URL (")


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf", "nan"])
def test_a_bad_timeout_is_one_line(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(verify_args("http://127.0.0.1:9", "sk_x", "--timeout", value))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        f"wacht-mock: error: argument --timeout: not a positive number of seconds: {value!r} (see wacht-mock --help)\n"
    )


def test_a_reachable_target_that_drifts_is_still_exit_1(live: LiveWacht, tmp_path: Path) -> None:
    """The other side of the line: a reachable target's wrong answer is a FAIL, exit 1 (the 0/1/2 contract)."""
    (tmp_path / "drift.yaml").write_text(
        "scenarios:\n  - name: drift\n    about: x\n    steps:\n"
        "      - {request: GET /api-auth/apps, expect: {status: 418}, rules: [auth.secret_known]}\n"
    )
    assert main(verify_args(live.url, live.mock.secret, "--scenarios", str(tmp_path))) == 1
