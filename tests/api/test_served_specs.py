"""What code generators read: each surface's served ``openapi.json`` and ``openapi.yaml`` is the
bundled spec with its component references, ASCII-titled, naming nothing of the implementation."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import redirect_stdout
from typing import Any

import pytest
import yaml

from simulator import cli, specs

SURFACES = sorted(specs.SURFACES)


def served(client: Any, surface: str, kind: str = "json") -> dict[str, Any]:
    response = client.get(f"{specs.SURFACES[surface][0]}/openapi.{kind}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(f"application/{kind}")
    return dict(response.json() if kind == "json" else yaml.safe_load(response.text))


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair of a JSON document, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


@pytest.mark.parametrize("surface", SURFACES)
def test_json_and_yaml_serve_what_fwp_sandbox_spec_prints(client: Any, surface: str) -> None:
    printed = io.StringIO()
    with redirect_stdout(printed):
        assert cli.main(["spec", surface]) == 0
    text = client.get(f"{specs.SURFACES[surface][0]}/openapi.yaml").text
    assert text == printed.getvalue()
    assert json.loads(json.dumps(served(client, surface, "yaml"), default=str)) == served(client, surface)


@pytest.mark.parametrize("surface", SURFACES)
def test_responses_refer_to_named_components(client: Any, surface: str) -> None:
    spec = served(client, surface)
    refs = {value for key, value in walk(spec) if key == "$ref"}
    for ref in refs:
        _, section, kind, name = ref.split("/")
        assert name in spec[section][kind], ref
    in_paths = {value for key, value in walk(spec["paths"]) if key == "$ref"}
    assert any(ref.startswith("#/components/schemas/") for ref in in_paths)
    assert "#/components/schemas/Problem" in refs


def test_an_application_is_the_application_component(client: Any) -> None:
    spec = served(client, "work-permit")
    answer = spec["paths"]["/applications/{applicationId}"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Application"}
    assert "status" in spec["components"]["schemas"]["Application"]["properties"]


@pytest.mark.parametrize("surface", SURFACES)
def test_titles_are_ascii_and_nothing_names_the_implementation(client: Any, surface: str) -> None:
    spec = served(client, surface)
    assert re.fullmatch(r"[ -~]+", spec["info"]["title"])
    for key, value in walk(spec):
        assert not key.endswith("Func"), key
        if isinstance(value, str):
            assert not re.search(r"\bsimulator\.|\.py\b", value), (key, value)


def test_the_chinese_names_are_in_the_descriptions(client: Any) -> None:
    assert "外国人来华工作管理服务系统" in served(client, "work-permit")["info"]["description"]
    assert "社会保障卡" in served(client, "social-security")["info"]["description"]


@pytest.mark.parametrize("surface", SURFACES)
def test_swagger_ui_reads_the_served_spec_and_shows_operation_ids(client: Any, surface: str) -> None:
    base = specs.SURFACES[surface][0]
    page = client.get(f"{base}/ui/").text
    assert f'"{base}/openapi.json"' in page
    assert client.get(f"{base}/ui/swagger-ui-config.json").json() == {"displayOperationId": True}
