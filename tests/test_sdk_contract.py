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
from pathlib import Path

import pytest
from serve_subprocess import start

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


def test_the_real_sdk_drives_every_api_keys_and_gateway_method_against_the_mock() -> None:
    if not (SDK_DIR / "node_modules" / "@wacht" / "backend" / "package.json").is_file():
        pytest.fail("contracts/sdk/node_modules is missing: run `npm ci --prefix contracts/sdk`")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the SDK contract needs Node 20.19 or newer")
    # The script's §3.6 checks need WACHT_API_KEY unset (it also unsets it itself).
    env = {name: value for name, value in os.environ.items() if name != "WACHT_API_KEY"}

    server = start(lines=2)
    try:
        secret = re.fullmatch(r"  deployment 1 \(growth\): Authorization: Bearer (sk_\S+)", server.banner[1])
        assert secret, server.banner
        done = subprocess.run(
            [node, str(SCRIPT), server.url, secret.group(1)],
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
