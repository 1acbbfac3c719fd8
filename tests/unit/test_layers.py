"""ARCHITECTURE.md's import rules and the README's error table, checked against the code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from simulator.core.errors import CATALOG

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "simulator"
WEB_FRAMEWORKS = ("flask", "connexion", "starlette", "werkzeug", "uvicorn")


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("path", modules("core"), ids=lambda p: p.name)
def test_core_imports_no_framework_nor_storage(path: Path) -> None:
    bad = {name for name in imports_of(path)
           if name.split(".")[0] in (*WEB_FRAMEWORKS, "sqlalchemy")
           or (name.startswith("simulator.") and not name.startswith("simulator.core"))}
    assert not bad, f"{path.name} imports {sorted(bad)}"


MODEL_FILES = [p for p in modules("services") + modules("sandbox") if not p.name.endswith("handlers.py")]


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_models_stay_off_the_web_framework(path: Path) -> None:
    bad = {name for name in imports_of(path)
           if name.split(".")[0] in WEB_FRAMEWORKS
           or (name.startswith("simulator.web") and name != "simulator.web.tokens")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", modules("store"), ids=lambda p: p.name)
def test_store_imports_only_core(path: Path) -> None:
    ours = {name for name in imports_of(path) if name.startswith("simulator.")}
    assert all(name.startswith(("simulator.core", "simulator.store")) for name in ours), ours


def test_testing_module_is_client_side_only() -> None:
    ours = {name for name in imports_of(PACKAGE / "testing.py") if name.startswith("simulator")}
    assert not ours


def _client_side(name: str) -> bool:
    """What the harness may use of the package: its version, the client helpers, the shapes of
    the secrets the sandbox issues (to mask them too), the engine."""
    return name in ("simulator", "simulator.testing", "simulator.issued") or name.startswith(
        "simulator.conform")


def test_the_issued_secrets_module_stands_alone() -> None:
    """Shared by the sandbox and the client-side harness: it imports neither."""
    ours = {name for name in imports_of(PACKAGE / "issued.py") if name.startswith("simulator")}
    assert not ours


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").rglob("*.py")), ids=lambda p: p.name)
def test_the_catalogue_is_a_client(path: Path) -> None:
    ours = {name for name in imports_of(path) if name.startswith("simulator")}
    assert all(_client_side(name) for name in ours), ours


@pytest.mark.parametrize("path", modules("conform"), ids=lambda p: str(p.relative_to(PACKAGE / "conform")))
def test_the_engine_is_a_client(path: Path) -> None:
    """The engine drives any sandbox over HTTP; the embedded one runs as a subprocess."""
    ours = {name for name in imports_of(path) if name.startswith("simulator")}
    assert all(_client_side(name) for name in ours), ours


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_readme_documents_every_error_code(code: str) -> None:
    assert f"`{code}`" in (ROOT / "README.md").read_text(encoding="utf-8")
