"""The architecture holds: the domain never reaches Starlette, and the package import stays cheap."""

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
            candidates = [target.with_suffix(".py"), target / "__init__.py"]
            if not node.module:
                candidates = [base / f"{alias.name}.py" for alias in node.names]
            internal.update(c for c in candidates if c.exists())
    return external, internal


def _reachable_external(start: Path) -> dict[str, Path]:
    """Every external top-level import reachable from ``start`` through package-internal imports."""
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
    return found


def test_no_domain_module_reaches_starlette() -> None:
    modules = sorted((PACKAGE / "domain").glob("*.py"))
    assert len(modules) >= 7
    for module in modules:
        reached = _reachable_external(module)
        for framework in ("starlette", "uvicorn", "httpx"):
            assert framework not in reached, f"{module.name} reaches {framework} through {reached.get(framework)}"


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
