"""No key secret is kept or shown anywhere (issue 15): after a run of ``wacht-mock serve --state FILE`` that issues,
rotates and uses keys (in bodies, headers and the query), every secret issued is searched for in the state file,
a snapshot (JSON and YAML), the journal, the request log and the server's output, and the dashboard's page and
data, and none is found."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx


def _serve(state: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "wacht_mock", "serve", "--port", "0", "--state", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    url = process.stdout.readline().decode().split()[-1]
    secret = process.stdout.readline().decode().rsplit("Bearer ", 1)[1].strip()
    return process, url, secret


def _issue_and_use(url: str, backend_secret: str) -> tuple[list[str], list[bytes]]:
    """Keys issued, rotated and presented (in the check's body, the query and a header); returns the secrets and
    what the control plane and the dashboard show afterwards. A secret a client chooses to store as data (an app's
    name, a user agent the audit log keeps) is the client's data, kept as production keeps it: not tried here."""
    secrets: list[str] = []
    with httpx.Client(base_url=url, headers={"authorization": f"Bearer {backend_secret}"}, timeout=30) as http:
        http.post("/api-auth/apps", json={"app_slug": "app", "name": "App", "key_prefix": "sk_live"}).raise_for_status()
        for name in ("one", "two"):
            key = http.post("/api-auth/apps/app/keys", json={"name": name}).json()
            secrets.append(key["secret"])
        rotated = http.post(f"/api-auth/apps/app/keys/{key['id']}/rotate").json()
        secrets.append(rotated["secret"])
        for secret in secrets:
            check = {"principal": {"type": "api_key", "value": secret}, "resource": "/r", "method": "GET"}
            http.post(f"/v1/authz/check?key={secret}", json=check, headers={"x-api-key": secret})
        shown = [
            http.get("/_mock/journal").content,
            http.get("/_mock/state").content,
            http.get("/_mock/state", headers={"accept": "application/yaml"}).content,
            http.get("/_mock/").content,
            http.get("/_mock/dashboard.json").content,
        ]
    return secrets, shown


def test_no_secret_issued_is_found_at_rest_or_in_any_output(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    process, url, backend_secret = _serve(state)
    try:
        secrets, shown = _issue_and_use(url, backend_secret)
    finally:
        process.terminate()
        output, errors = process.communicate(timeout=30)
    at_rest = [p.read_bytes() for p in tmp_path.iterdir()]  # the state file and any journal files beside it
    assert len(secrets) == 3 and all(len(s) > 40 for s in secrets)
    assert b"POST /v1/authz/check" in output  # the request log ran, and is searched below
    for secret in secrets:
        needles = (secret.encode(), secret[-43:].encode())  # whole, and its random part alone
        for where, blob in [("output", output), ("errors", errors), *(("state", b) for b in at_rest)]:
            assert not any(n in blob for n in needles), f"a key secret in the server's {where}"
        for blob in shown:
            assert not any(n in blob for n in needles), "a key secret shown by the control plane or dashboard"
