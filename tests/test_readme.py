"""The README's examples are true: its Python runs, and the secret and answers it shows are the real ones."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from wacht_mock.ids import stable_deployment_secret

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_has_exactly_the_two_set_up_commands() -> None:
    set_up = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", set_up, flags=re.S)
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/wacht-mock serve",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest",
    ]


def test_readme_shows_the_real_default_secret() -> None:
    shown = set(re.findall(r"sk_[A-Za-z0-9_-]{43}", README))
    assert shown == {stable_deployment_secret(1)}


def test_readme_python_example_runs_and_lists_no_apps() -> None:
    (example,) = _blocks("python")
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
