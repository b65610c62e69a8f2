"""The architecture holds (docs/ARCHITECTURE.md): imports point down only. The domain reaches neither the HTTP
layer, nor the kit's journal and faults, nor Starlette; the HTTP layer reaches no handle, plugin or strategies;
and the package import stays cheap."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "wacht_mock"


def _imports(module: Path) -> tuple[set[str], set[Path]]:
    """Top-level names imported from outside the package, and the package modules imported."""
    external: set[str] = set()
    internal: set[Path] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            external.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                external.add((node.module or "").split(".")[0])
                continue
            base = module.parent
            for _ in range(node.level - 1):
                base = base.parent
            target = base.joinpath(*(node.module or "").split(".")) if node.module else base
            names = [target / f"{alias.name}.py" for alias in node.names] + [
                target / alias.name / "__init__.py" for alias in node.names
            ]
            # ``from .. import x`` names modules; ``from .x import y`` may name a module or a name in ``x``
            candidates = names if not node.module else [target.with_suffix(".py"), target / "__init__.py", *names]
            internal.update(c for c in candidates if c.exists())
    return external, internal


def _reachable(start: Path) -> tuple[dict[str, Path], set[Path]]:
    """Every external top-level import reachable from ``start`` through package-internal imports (with the module
    that makes it), and every package module reached."""
    seen: set[Path] = set()
    todo = [start]
    found: dict[str, Path] = {}
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        external, internal = _imports(module)
        for name in external:
            found.setdefault(name, module)
        todo.extend(internal)
    return found, seen


def _reachable_external(start: Path) -> dict[str, Path]:
    return _reachable(start)[0]


def _violations(package: Path, layer: str, forbidden_modules: set[str], forbidden_external: set[str]) -> list[str]:
    """What the modules of ``package/layer`` reach that their layer must not (module names relative to
    ``package``: ``http`` for the whole subpackage, ``mock.py`` for one module)."""
    problems = []
    for module in sorted((package / layer).rglob("*.py")):
        external, internal = _reachable(module)
        for reached in sorted(internal):
            top = reached.relative_to(package).parts[0]
            if top in forbidden_modules:
                problems.append(f"{module.relative_to(package)} reaches {reached.relative_to(package)}")
        problems += [
            f"{module.relative_to(package)} reaches {name} through {external[name].relative_to(package)}"
            for name in sorted(forbidden_external & set(external))
        ]
    return problems


DOMAIN_MUST_NOT_REACH = {"http", "journal.py", "faults.py", "harness.py", "mock.py", "live.py", "real.py"}
HTTP_MUST_NOT_REACH = {
    "mock.py",
    "live.py",
    "real.py",
    "server.py",
    "handle.py",
    "inprocess.py",
    "cli.py",
    "strategies",
    "stateful",
    "state_machine.py",
    "verify",
}


def test_the_domain_knows_nothing_of_http_or_the_kit() -> None:
    assert len(list((PACKAGE / "domain").glob("*.py"))) >= 7
    assert _violations(PACKAGE, "domain", DOMAIN_MUST_NOT_REACH, {"starlette", "uvicorn", "httpx"}) == []


def test_the_http_layer_imports_no_handle_plugin_or_strategies() -> None:
    assert len(list((PACKAGE / "http").glob("*.py"))) >= 8
    external = {"pytest_wacht_mock", "pytest", "hypothesis", "respx", "uvicorn"}
    assert _violations(PACKAGE, "http", HTTP_MUST_NOT_REACH, external) == []


def test_the_layer_checks_catch_a_violation_in_either_direction(tmp_path: Path) -> None:
    for folder in ("domain", "http", "strategies"):
        (tmp_path / folder).mkdir()
    (tmp_path / "faults.py").write_text("from .http.responses import Answer\n")
    (tmp_path / "http" / "responses.py").write_text("Answer = object\n")
    (tmp_path / "domain" / "apps.py").write_text("from ..faults import Answer\n")
    (tmp_path / "strategies" / "valid.py").write_text("import hypothesis\n")
    (tmp_path / "http" / "handlers.py").write_text("from ..strategies import valid\n")
    assert _violations(tmp_path, "domain", DOMAIN_MUST_NOT_REACH, set()) == [
        "domain/apps.py reaches faults.py",
        "domain/apps.py reaches http/responses.py",
    ]
    assert _violations(tmp_path, "http", HTTP_MUST_NOT_REACH, {"hypothesis"}) == [
        "http/handlers.py reaches strategies/valid.py",
        "http/handlers.py reaches hypothesis through strategies/valid.py",
    ]


def test_the_layer_check_sees_a_starlette_import(tmp_path: Path) -> None:
    domain = tmp_path / "domain"
    domain.mkdir()
    (tmp_path / "helper.py").write_text("from starlette.responses import Response\n")
    (domain / "bad.py").write_text("from ..helper import Response\n")
    assert "starlette" in _reachable_external(domain / "bad.py")


def test_importing_the_package_loads_neither_uvicorn_nor_hypothesis() -> None:
    code = "import sys, wacht_mock; print(sorted(m for m in ('uvicorn', 'hypothesis') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_public_api_is_a_literal_all() -> None:
    import wacht_mock

    assert sorted(wacht_mock.__all__) == wacht_mock.__all__
    for name in wacht_mock.__all__:
        assert getattr(wacht_mock, name) is not None


STORE_MUST_NOT_REACH = HTTP_MUST_NOT_REACH | {"http", "journal.py", "faults.py", "harness.py"}


def test_the_domain_reaches_no_store_and_the_store_no_http() -> None:
    assert _violations(PACKAGE, "domain", {"store"}, {"sqlite3"}) == []
    assert _violations(PACKAGE, "store", STORE_MUST_NOT_REACH, {"starlette", "uvicorn", "httpx"}) == []


def test_importing_the_package_does_not_load_sqlite() -> None:
    code = "import sys, wacht_mock; print('sqlite3' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
