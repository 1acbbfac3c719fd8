"""The scenario catalog, the specs' header enums and the README's table say the same thing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_specs import OPERATIONS

from simulator.core import scenarios

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].split("#/", 1)[1].split("/"):
            target = target[part]
        node = target
    return node


def _scenario_header(operation: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any] | None:
    for declared in operation.get("parameters", []):
        parameter = _resolve(spec, declared)
        if parameter["in"] == "header" and parameter["name"] == scenarios.HEADER:
            return parameter
    return None


@pytest.mark.parametrize(("operation", "spec"), [(o, s) for _, _, _, o, s in OPERATIONS],
                         ids=[f"{o['operationId'].rsplit('.', 1)[-1]}:{m}" for _, _, m, o, _ in OPERATIONS])
def test_the_spec_declares_exactly_the_catalogs_values(operation: dict[str, Any],
                                                      spec: dict[str, Any]) -> None:
    header = _scenario_header(operation, spec)
    values = scenarios.supported(operation["operationId"])
    if not values:
        assert header is None
        return
    assert header is not None
    assert header["required"] is False
    assert header["schema"]["enum"] == list(values)
    assert all(f"`{value}`" in header["description"] for value in values)


def test_every_catalog_operation_exists_in_a_spec() -> None:
    declared = {o["operationId"] for _, _, _, o, _ in OPERATIONS}
    assert set(scenarios.CATALOG) <= declared


@pytest.mark.parametrize(("operation", "value"),
                         [(op, v) for op, values in scenarios.CATALOG.items() for v in values])
def test_the_readme_table_has_every_value(operation: str, value: str) -> None:
    name = operation.rsplit(".", 1)[-1]
    rows = [line for line in README.splitlines() if line.startswith("|") and f"`{name}`" in line]
    assert any(re.search(rf"\| `{value}` \|", row) for row in rows), (name, value)
