"""What ``wacht-mock serve`` loads to start, and the server stack it picks (issue 14: startup and server stack).

Speed itself is measured in benchmarks/rows_server.py; these assert which modules load and which stack is chosen.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from wacht_mock import server
from wacht_mock.domain.backend import Backend
from wacht_mock.seed import DeploymentSeed, Seed, default_seed


def _loaded(code: str, names: tuple[str, ...]) -> list[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(m for m in {names!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_importing_the_package_loads_nothing_of_its_own_until_a_name_is_used() -> None:
    assert _loaded("import wacht_mock", ("httpx", "respx", "pydantic", "starlette", "wacht_mock.mock")) == []
    assert _loaded("from wacht_mock import WachtMock", ("wacht_mock.mock", "httpx")) == ["httpx", "wacht_mock.mock"]


def test_the_serve_path_loads_no_client_library_and_no_yaml() -> None:
    code = (
        "from wacht_mock.cli import build_backend\nfrom wacht_mock.harness import Harness\n"
        "from wacht_mock.http.app import create_app\nimport wacht_mock.server\n"
        "create_app(Harness(build_backend(None)))"
    )
    assert _loaded(code, ("httpx", "respx", "yaml", "wacht_mock.mock", "wacht_mock.live")) == []


def test_the_default_seed_serves_without_pydantic_until_a_body_is_read() -> None:
    build = (
        "from wacht_mock.cli import build_backend\nfrom wacht_mock.harness import Harness\n"
        "from wacht_mock.http.app import create_app\nimport wacht_mock.server, wacht_mock.http.request_log\n"
        "app = create_app(Harness(build_backend(None)))\n"
    )
    heavy = ("pydantic", "wacht_mock.models", "wacht_mock.seed", "wacht_mock.http.serde_body")
    assert _loaded(build, heavy) == []
    on_first_use = ("wacht_mock.store.snapshot", "wacht_mock.http.dashboard_json", "importlib.resources", "difflib")
    assert _loaded(build, on_first_use) == []
    first_body = (
        "from starlette.testclient import TestClient\nfrom wacht_mock.ids import stable_deployment_secret\n"
        "auth = {'authorization': 'Bearer ' + stable_deployment_secret(1)}\n"
        "body = {'app_slug': 'a', 'name': 'A', 'key_prefix': 'sk'}\n"
        "assert TestClient(app, base_url='https://api.wacht.dev').post('/api-auth/apps', json=body, headers=auth)"
        ".status_code == 200"
    )
    assert _loaded(build + first_body, heavy) == ["pydantic", "wacht_mock.http.serde_body", "wacht_mock.models"]


def test_a_json_seed_is_read_without_yaml(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"deployments": [{"id": 7, "plan": "pro"}]}))
    code = f"from wacht_mock.cli import build_backend\nassert list(build_backend({str(seed)!r}).deployments) == [7]"
    assert _loaded(code, ("yaml", "pydantic")) == ["pydantic"]


def test_a_backend_without_a_seed_is_the_default_seed() -> None:
    bare, seeded = Backend(), Backend(default_seed())
    assert [(d.id, d.plan, d.secret) for d in bare.deployments.values()] == [
        (d.id, d.plan, d.secret) for d in seeded.deployments.values()
    ]
    assert bare.ids.last == seeded.ids.last
    assert bare.seed == default_seed()


def test_help_loads_no_domain() -> None:
    code = "from wacht_mock.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert _loaded(code, ("pydantic", "wacht_mock.domain.backend", "starlette")) == []


def test_the_default_seed_is_the_validated_one() -> None:
    validated = Seed.model_validate({"deployments": [{"id": 1}]})
    assert default_seed() == validated
    assert default_seed().model_dump() == validated.model_dump()
    assert default_seed().deployments[0] == DeploymentSeed(id=1)


def test_serve_runs_on_uvloop_and_httptools_when_both_are_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: object() if name in ("uvloop", "httptools") else real(name, *a)
    )
    assert server.stack() == ("uvloop", "httptools")


@pytest.mark.parametrize("missing", ["uvloop", "httptools"])
def test_serve_falls_back_to_asyncio_and_h11(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == missing else real(name, *a))
    assert server.stack() == ("asyncio", "h11")


def test_the_package_level_all_rules_is_the_whole_catalogue_even_when_nothing_else_was_loaded() -> None:
    code = (
        "import wacht_mock\nprint(len(wacht_mock.all_rules()))\n"
        "import wacht_mock.http.app, wacht_mock.mock, wacht_mock.live, wacht_mock.real\n"
        "print(len(wacht_mock.all_rules()))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, after = done.stdout.split()
    assert int(first) == int(after) > 100
