"""The README's examples are true: its Python runs, its pytest examples pass as a downstream team's test modules
(against the mock, and against a "real" deployment played by a live wacht-mock server), and the secret and
answers it shows are the real ones."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from real_target import real_target_args

from wacht_mock import LiveWacht
from wacht_mock.ids import stable_deployment_secret

pytest_plugins = ["pytester"]

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()

# The "In pytest" examples, one test module each, in README order: (module name, its test functions).
PYTEST_EXAMPLES = [
    ("test_wacht_mock_example", ["test_creates_the_billing_app"]),
    ("test_wacht_client_example", ["test_a_fresh_key_may_list_users"]),
    ("test_wacht_server_example", ["test_lists_the_seeded_app"]),
    ("test_marker_example", ["test_starter_plans_cannot_create_apps"]),
    ("test_journal_example", ["test_finds_the_billing_app"]),
    ("test_fault_example", ["test_a_lost_response_leaves_a_key_nobody_holds"]),
    ("test_frozen_time_example", ["test_a_trial_key_expires_an_hour_later"]),
]


def _section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_readme_has_exactly_the_two_set_up_commands() -> None:
    commands = re.findall(r"```sh\n(.*?)\n```", _section("Set up"), flags=re.S)
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/wacht-mock serve",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && npm ci --prefix contracts/sdk"
        " && .venv/bin/python -m pytest -n auto",
    ]


def test_ci_runs_the_readme_test_command() -> None:
    (_, test_command) = re.findall(r"```sh\n(.*?)\n```", _section("Set up"), flags=re.S)
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def test_readme_shows_the_real_default_secret() -> None:
    shown = set(re.findall(r"sk_[A-Za-z0-9_-]{43}", README))
    assert shown == {stable_deployment_secret(1)}


def test_readme_sections_are_in_order() -> None:
    titles = re.findall(r"^## (.+)$", README, flags=re.M)
    at = titles.index("The gateway: authorization checks")
    assert titles[at : at + 4] == ["The gateway: authorization checks", "In pytest", "Hypothesis", "In Python"]


def test_readme_strategies_example_runs(pytester: pytest.Pytester) -> None:
    strategies = _section("Hypothesis").split("### State machine", 1)[0]
    (example,) = _blocks(strategies, "python")
    pytester.makepyfile(test_readme_strategies=example)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_readme_python_handle_example_runs() -> None:
    handle_example, _ = _blocks(_section("In Python"), "python")
    namespace: dict[str, object] = {}
    exec(compile(handle_example, "README.md", "exec"), namespace)
    mock = namespace["mock"]
    assert [e.operation for e in mock.journal] == ["createApiAuthApp"]  # type: ignore[attr-defined]


def test_readme_python_example_runs_and_lists_no_apps() -> None:
    _, example = _blocks(_section("In Python"), "python")
    namespace: dict[str, object] = {}
    exec(compile(example, "README.md", "exec"), namespace)
    client = namespace["client"]

    async def call() -> object:
        async with client:  # type: ignore[attr-defined]
            response = await client.get("/api-auth/apps")  # type: ignore[attr-defined]
            return response.json()

    expected = re.search(r"# (\{\"data\".*\})", README)
    assert expected is not None
    assert asyncio.run(call()) == json.loads(expected.group(1))


def _write_pytest_examples(pytester: pytest.Pytester) -> list[str]:
    """Each python block of "In pytest" as a test module; returns the node ids expected, in order."""
    blocks = _blocks(_section("In pytest"), "python")
    assert len(blocks) == len(PYTEST_EXAMPLES)
    node_ids = []
    for block, (module, tests) in zip(blocks, PYTEST_EXAMPLES, strict=True):
        assert re.findall(r"^def (test_\w+)", block, flags=re.M) == tests, block
        pytester.makepyfile(**{module: block})
        node_ids += [f"{module}.py::{test}" for test in tests]
    return node_ids


def test_readme_pytest_examples_pass_as_downstream_tests(pytester: pytest.Pytester) -> None:
    node_ids = _write_pytest_examples(pytester)
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=7)
    for node_id in node_ids:
        result.stdout.fnmatch_lines([f"{node_id} PASSED*"])
    result.stdout.fnmatch_lines(["*wacht-mock rule coverage: * rule sides (*%)*"])


def test_readme_pytest_examples_against_a_real_deployment(pytester: pytest.Pytester, deployment: LiveWacht) -> None:
    node_ids = _write_pytest_examples(pytester)
    result = pytester.runpytest_subprocess(
        "-v",
        "-rs",
        "-p",
        "no:cacheprovider",
        *real_target_args(deployment),
    )
    result.assert_outcomes(passed=1, skipped=6)
    reasons = {
        "test_wacht_mock_example.py": "journal needs wacht-mock (the request journal)",
        "test_wacht_server_example.py": "mock needs wacht-mock (the in-process mock behind wacht_server)",
        "test_marker_example.py": "@pytest.mark.wacht(plan=...) needs wacht-mock (seeding)",
        "test_journal_example.py": "add_app needs wacht-mock (seeding)",
        "test_fault_example.py": "add_app needs wacht-mock (seeding)",
        "test_frozen_time_example.py": "@pytest.mark.wacht(now=...) needs wacht-mock (the virtual clock)",
    }
    for node_id in node_ids:
        module = node_id.split("::")[0]
        result.stdout.fnmatch_lines([f"{node_id} PASSED*" if module not in reasons else f"{node_id} SKIPPED*"])
    for reason in reasons.values():
        result.stdout.fnmatch_lines([f"SKIPPED [[]1[]] *: {reason}; not available against a real deployment"])
    # What the examples created on the "real" deployment was cleaned up after them; the skipped ones were skipped
    # before they created anything (the journal example's billing app never reached it).
    d = deployment.mock.backend.deployment(1)
    assert sorted(slug for slug, app in d.apps.items() if app.deleted_at is not None) == sorted(d.apps)
    assert sorted(slug.split("-", 2)[-1] for slug in d.apps) == ["users-api"]
    assert [key.is_active for key in d.keys.values()] == [False]
    deployment.mock.journal.assert_called("createApiAuthApp", times=1)
    deployment.mock.journal.assert_called("deleteApiAuthApp", times=1)
    deployment.mock.journal.assert_called("revokeApiKeyForApp", times=1)


def test_readme_verify_usage_names_exactly_the_cli_flags() -> None:
    from wacht_mock.cli import _parser

    section = _section("Contract checks in CI")
    usage = _blocks(section, "sh")[0]
    shown = set(re.findall(r"--[a-z-]+", usage))
    parser = _parser()
    verify = parser._subparsers._group_actions[0].choices["verify"]
    flags = {s for a in verify._actions for s in a.option_strings if s.startswith("--") and s != "--help"}
    assert shown == flags


def test_readme_context_example_is_the_ci_target_context() -> None:
    (context,) = _blocks(_section("Contract checks in CI"), "yaml")[:1]
    on_disk = (Path(__file__).resolve().parents[1] / "contracts" / "verify-target" / "context.yaml").read_text()
    assert context == on_disk.split("\n", 1)[1]


def _operation_table() -> str:
    """The README's operation table, generated from the route table."""
    from wacht_mock.http.operations import BACKEND, routes

    rows = ["| operationId | method | path | host |", "|---|---|---|---|"]
    for route in sorted(routes(), key=lambda r: (r.router is not BACKEND, r.template)):
        host = "api.wacht.dev" if route.router is BACKEND else "gateway.wacht.dev"
        rows += [f"| `{op.name}` | {method} | `{route.template}` | {host} |" for method, op in route.operations.items()]
    return "\n".join(rows)


def test_readme_operation_table_is_the_route_table() -> None:
    shown = README.split("<!-- operations:", 1)[1].split("-->", 1)[1].split("<!-- /operations -->", 1)[0].strip()
    assert shown == _operation_table(), "regenerate the README's operation table:\n" + _operation_table()


def test_readme_install_names_the_wheel_this_version_builds() -> None:
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    (commands,) = _blocks(_section("Install"), "sh")
    wheels = set(re.findall(r"dist/(\S+\.whl)", commands))
    assert wheels == {f"{project['name'].replace('-', '_')}-{project['version']}-py3-none-any.whl"}
    assert "strategies" in project["optional-dependencies"]
    assert commands.count("[strategies]") == 3
    # The git forms are PEP 508 requirements pip accepts (a file URL needs a host: git+file://localhost/...).
    from packaging.requirements import Requirement

    git_url = re.search(r"'(wacht-mock\[strategies\] @ git\+\S+)'", commands)
    local_clone = re.search(r"(git\+file://\S+)\)", commands)
    assert git_url is not None and local_clone is not None
    for requirement in (git_url.group(1), f"wacht-mock[strategies] @ {local_clone.group(1)}"):
        assert Requirement(requirement).name == "wacht-mock"


def test_readme_install_first_test_passes(pytester: pytest.Pytester) -> None:
    (example,) = _blocks(_section("Install"), "python")
    pytester.makepyfile(test_wacht=example)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error", "test_wacht.py")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*wacht-mock rule coverage: *"])


def test_readme_gateway_example_handles_the_three_answers(pytester: pytest.Pytester, deployment: LiveWacht) -> None:
    (example,) = _blocks(_section("The gateway: authorization checks"), "python")
    pytester.makepyfile(test_gateway_example=example)
    mock = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    mock.assert_outcomes(passed=1)
    real = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        *real_target_args(deployment),
    )
    real.assert_outcomes(passed=1)  # it uses no mock-only power: the same test holds against a deployment
    checks = deployment.mock.journal.calls("checkAuthz", status=None)
    assert sorted({(c.status, c.message) for c in checks}, key=str) == sorted(
        {(200, None), (200, "permission_denied"), (401, None), (401, "Invalid API key")}, key=str
    )


def test_readme_points_at_nothing_outside_the_repository() -> None:
    root = Path(__file__).resolve().parents[1]
    links = re.findall(r"\]\(([^)#][^)]*)\)", README)
    local = [link for link in links if "://" not in link]
    assert local, "the README links to files of the repository"
    for link in local:
        assert (root / link).resolve().is_relative_to(root) and (root / link).exists(), link
    assert "../" not in README and "shared folder" not in README
