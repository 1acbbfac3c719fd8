"""The repository's own documents stay true to the code: ARCHITECTURE.md names only modules that
exist and every package there is, and every citation of the domain notes points at a section
they have."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
DOMAIN = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
CODE_DIRS = ("simulator", "scenarios", "load", "bench", "tests", "examples")


def _files() -> set[str]:
    """Every file's name and path relative to its top folder, as ARCHITECTURE.md may write it."""
    names: set[str] = set()
    for top in CODE_DIRS:
        for path in (ROOT / top).rglob("*"):
            if "node_modules" in path.parts or not path.is_file():
                continue
            relative = path.relative_to(ROOT)
            names.update({path.name, str(relative), str(relative.relative_to(top))})
            names.update(str(Path(*relative.parts[i:])) for i in range(len(relative.parts)))
    return names


def _named_modules() -> list[str]:
    """Every ``something.py`` (with its folder, when written with one) that ARCHITECTURE.md names."""
    return sorted(set(re.findall(r"(?<![\w/.-])((?:[\w-]+/)*[a-z_]\w*\.(?:py|js))\b", ARCHITECTURE)))


@pytest.mark.parametrize("name", _named_modules())
def test_every_module_architecture_names_exists(name: str) -> None:
    assert name in _files(), f"ARCHITECTURE.md names {name}, which is nowhere in the repository"


def _packages() -> list[str]:
    found = (ROOT / "simulator").rglob("__init__.py")
    return sorted(str(path.parent.relative_to(ROOT / "simulator")) for path in found
                  if path.parent != ROOT / "simulator")


@pytest.mark.parametrize("package", _packages())
def test_every_package_is_named_in_architecture(package: str) -> None:
    last = package.rsplit("/", maxsplit=1)[-1]
    named = re.search(rf"(?<![\w]){re.escape(last)}/", ARCHITECTURE)
    assert named, f"simulator/{package}/ is not in ARCHITECTURE.md"


def test_every_top_level_module_is_named_in_architecture() -> None:
    missing = [path.name for path in (ROOT / "simulator").glob("*.py")
               if path.name not in ("__init__.py", "__main__.py") and path.name not in ARCHITECTURE]
    assert not missing, f"ARCHITECTURE.md does not name simulator/{missing}"


SECTIONS = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", DOMAIN, re.MULTILINE))
CITATION = re.compile(r"docs/domain\.md`? §(\d+(?:\.\d+)?)")


def _citations() -> list[tuple[str, str]]:
    found = []
    for top in (*CODE_DIRS, "specs"):
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".yaml", ".md", ".html", ".js", ".j2") \
                    and "node_modules" not in path.parts:
                text = path.read_text(encoding="utf-8", errors="replace")
                found += [(str(path.relative_to(ROOT)), section) for section in CITATION.findall(text)]
    found += [("README.md", section) for section in CITATION.findall((ROOT / "README.md").read_text("utf-8"))]
    return found


def test_the_domain_notes_have_their_numbered_sections() -> None:
    assert {"1.1", "3.4", "5.1", "6"} <= SECTIONS


@pytest.mark.parametrize(("where", "section"), _citations())
def test_every_citation_of_the_domain_notes_exists(where: str, section: str) -> None:
    assert section in SECTIONS, f"{where} cites docs/domain.md §{section}, which the notes do not have"


def test_no_code_cites_notes_outside_the_repository() -> None:
    """The notes a maintainer is pointed to must be in the repository (issue 15: 61 citations of a
    domain.md that was not)."""
    outside = re.compile(r"\.\./shared/|(?<![/\w`])domain\.md|(?<![/\w`])design\.md")
    found = [str(path.relative_to(ROOT)) for top in ("simulator", "specs") for path in (ROOT / top).rglob("*")
             if path.is_file() and path.suffix in (".py", ".yaml", ".html")
             and outside.search(path.read_text(encoding="utf-8"))]
    assert not found, found
