"""Load the OpenAPI specs and bundle the shared components into each.

The specs keep shared schemas in ``specs/components/common.yaml`` and refer to them as
``components/common.yaml#/components/...``. Bundling copies each referenced component into the
spec and rewrites the reference to a local one, so every served ``openapi.json`` (and the file
Prism mocks in the benchmark) is self-contained.
"""

from __future__ import annotations

import copy
import os
import sysconfig
from functools import cache
from pathlib import Path
from typing import Any

import yaml


def _installed_specs() -> Path:
    """The repository's ``specs/`` or, installed from the wheel, its copy under ``<prefix>/share``
    (pyproject's data-files: the specs are not a Python package)."""
    source = Path(__file__).resolve().parent.parent / "specs"
    if source.is_dir():
        return source
    return Path(sysconfig.get_path("data")) / "share" / "fwp-sandbox" / "specs"


SPEC_DIR = Path(os.environ.get("FWP_SPEC_DIR") or _installed_specs())
SURFACES = {
    "work-permit": ("/fwp/v1", "Work-permit service (employer side)"),
    "social-security": ("/ssc/v1", "Social-security-card backend and e-SSC"),
    "sandbox": ("/sandbox/v1", "Sandbox control plane"),
}


@cache
def _load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


Shared = dict[str, dict[str, Any]]


def _bundle(node: Any, shared: Shared, base: Path) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            file_part, _, pointer = ref.partition("#")
            _import(shared, base / file_part, pointer)
            return {**{k: _bundle(v, shared, base) for k, v in node.items() if k != "$ref"},
                    "$ref": "#" + pointer}
        return {key: _bundle(value, shared, base) for key, value in node.items()}
    if isinstance(node, list):
        return [_bundle(item, shared, base) for item in node]
    return node


def _import(shared: Shared, path: Path, pointer: str) -> None:
    """Copy the component at ``pointer`` of ``path`` (and what it refers to) into ``shared``."""
    _, section, kind, name = pointer.split("/")
    if section != "components":
        raise ValueError(f"only components can be shared, not {pointer}")
    target = shared.setdefault(kind, {})
    if name in target:
        return
    target[name] = {}  # placeholder: stops reference cycles
    source = copy.deepcopy(_load_yaml(path)["components"][kind][name])
    target[name] = _local_refs(_bundle(source, shared, path.parent), shared, path)


def _local_refs(node: Any, shared: Shared, path: Path) -> Any:
    """Inside a shared file, ``#/...`` refers to that file: import those components too."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            _import(shared, path, ref[1:])
        return {key: _local_refs(value, shared, path) for key, value in node.items()}
    if isinstance(node, list):
        return [_local_refs(item, shared, path) for item in node]
    return node


def load(name: str) -> dict[str, Any]:
    """The bundled spec of one surface, as a fresh dict."""
    path = SPEC_DIR / f"{name}.yaml"
    shared: Shared = {}
    spec: dict[str, Any] = _bundle(copy.deepcopy(_load_yaml(path)), shared, path.parent)
    for kind, items in shared.items():
        components = spec.setdefault("components", {}).setdefault(kind, {})
        for item_name, value in items.items():
            if item_name in components:
                raise ValueError(f"component {kind}/{item_name} is defined locally and shared")
            components[item_name] = value
    return spec
