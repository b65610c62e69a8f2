"""The real client: the npm SDK ``@wacht/backend@1.0.0-beta.20`` driven against ``wacht-mock serve``.

``contracts/sdk/sdk_contract.mjs`` calls every ``apiKeys`` and ``gateway`` function through a ``WachtClient``
pointed at the mock and asserts what really happens; the disagreements it asserts are the ``upstream-sdk-bug``
entries of ``contracts/divergences.yaml``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

SDK_DIR = Path(__file__).resolve().parents[1] / "contracts" / "sdk"
SCRIPT = SDK_DIR / "sdk_contract.mjs"

# Every function of the SDK's apiKeys and gateway namespaces (the script also checks that the SDK has no others).
METHODS = [
    "apiKeys.createApiAuthApp",
    "apiKeys.createApiKey",
    "apiKeys.createRateLimitScheme",
    "apiKeys.deleteApiAuthApp",
    "apiKeys.deleteRateLimitScheme",
    "apiKeys.getApiAuditAnalytics",
    "apiKeys.getApiAuditLogs",
    "apiKeys.getApiAuditTimeseries",
    "apiKeys.getApiAuthApp",
    "apiKeys.getRateLimitScheme",
    "apiKeys.listApiAuthApps",
    "apiKeys.listApiKeys",
    "apiKeys.listRateLimitSchemes",
    "apiKeys.revokeApiKey",
    "apiKeys.rotateApiKey",
    "apiKeys.updateApiAuthApp",
    "apiKeys.updateRateLimitScheme",
    "gateway.checkAuthz",
    "gateway.checkPrincipalAuthz",
    "gateway.resolveAuthzIdentity",
    "gateway.resolveGatewayPrincipalContext",
]
LINE = re.compile(r"(ok|sdk-bug) (\S+): \S.*")


class Server:
    """A running ``wacht-mock serve --port 0`` with the default seed: its base URL and deployment 1's secret."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wacht_mock", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        banner: list[str] = []

        def read() -> None:
            assert self.process.stdout is not None
            while len(banner) < 2:
                line = self.process.stdout.readline()
                if not line:
                    return
                banner.append(line.rstrip("\n"))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout=30)
        url = secret = None
        if len(banner) == 2:
            url = re.fullmatch(r"wacht-mock serving (http://\S+)", banner[0])
            secret = re.fullmatch(r"  deployment 1 \(growth\): Authorization: Bearer (sk_\S+)", banner[1])
        if not (url and secret):
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
            raise AssertionError(f"wacht-mock serve did not start: {banner} {err}")
        self.url = url.group(1)
        self.secret = secret.group(1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.communicate(timeout=10)


def test_the_real_sdk_drives_every_api_keys_and_gateway_method_against_the_mock() -> None:
    if not (SDK_DIR / "node_modules" / "@wacht" / "backend" / "package.json").is_file():
        pytest.fail("contracts/sdk/node_modules is missing: run `npm ci --prefix contracts/sdk`")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the SDK contract needs Node 20.19 or newer")
    # The script's §3.6 checks need WACHT_API_KEY unset (it also unsets it itself).
    env = {name: value for name, value in os.environ.items() if name != "WACHT_API_KEY"}

    server = Server()
    try:
        done = subprocess.run(
            [node, str(SCRIPT), server.url, server.secret],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=SDK_DIR,
        )
    finally:
        server.stop()

    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert all(LINE.fullmatch(line) for line in lines), [line for line in lines if not LINE.fullmatch(line)]
    driven = {match.group(2) for line in lines if (match := LINE.fullmatch(line))}
    assert sorted(driven - {"@wacht/backend", "fetch-guard"}) == METHODS
    assert "ok fetch-guard: only the three deliberately misrouted calls tried to leave the mock; none left" in lines
