"""The README names operations by the specs' operationIds: its table lists exactly those of each
spec, each beside its method and path, and no other camelCase name in backticks claims to be one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator import specs

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `([A-Za-z]+)` \| `([A-Z]+) (\S+)` \|$")


def spec_operations(surface: str) -> list[tuple[str, str, str]]:
    return [(operation["operationId"], method.upper(), path)
            for path, item in specs.load(surface)["paths"].items()
            for method, operation in item.items()
            if isinstance(operation, dict) and "operationId" in operation]


def readme_table(surface: str) -> list[tuple[str, str, str]]:
    base = specs.SURFACES[surface][0]
    head = f"| operationId | {surface} (`{base}`) |"
    assert head in README, f"no operationId table for {surface}"
    lines = README.split(head, 1)[1].splitlines()[2:]
    end = next(i for i, line in enumerate(lines) if not line.strip())
    rows = [ROW.match(line) for line in lines[:end]]
    assert all(rows), "a row that is not | `operationId` | `METHOD /path` |"
    return [(m[1], m[2], m[3]) for m in rows if m]


@pytest.mark.parametrize("surface", sorted(specs.SURFACES))
def test_the_readme_table_lists_exactly_the_specs_operations(surface: str) -> None:
    assert readme_table(surface) == spec_operations(surface)


def test_every_operation_id_the_readme_quotes_exists() -> None:
    known = {o for surface in specs.SURFACES for o, _, _ in spec_operations(surface)}
    quoted = set(re.findall(r"`([a-z]+(?:[A-Z][a-z]+)+)`", README)) - {"operationId"}
    assert quoted <= known, sorted(quoted - known)
