"""Load the OpenAPI specs and bundle the shared components into each.

The specs keep shared schemas in ``specs/components/common.yaml`` and refer to them as
``components/common.yaml#/components/...``. Bundling copies each referenced component into the
spec and rewrites the reference to a local one, so every served ``openapi.json`` (and the file
Prism mocks in the benchmark) is self-contained.
"""

from __future__ import annotations

import copy
import os
import re
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
HANDLER_MODULES = {
    "work-permit": ("simulator.services.workpermit.handlers",),
    "social-security": ("simulator.services.ssc.handlers", "simulator.services.ssc.card_handlers"),
    "sandbox": ("simulator.sandbox.handlers", "simulator.sandbox.persona_handlers",
                "simulator.sandbox.journal_handlers", "simulator.sandbox.fault_handlers",
                "simulator.sandbox.callback_handlers", "simulator.sandbox.calendar_handlers"),
}
"""Where each surface's operations are handled: ``createApplication`` is the function
``create_application`` of one of these modules (``simulator.web.resolver``)."""


# --- operationIds ---------------------------------------------------------------------------------

def operation_id_of(function_name: str) -> str:
    """The operationId of a handler function: its name in camelCase (``create_application`` →
    ``createApplication``). Generated clients name their functions after it."""
    head, *rest = function_name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def function_name_of(operation_id: str) -> str:
    """The handler function's name of an operationId: the inverse of :func:`operation_id_of`."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", operation_id).lower()


RENAMED = {"simulator.services.ssc.handlers.get_card": "getEsscCard"}
"""Old Python-path operationIds whose function was renamed when the ids became short (two
operations were ``get_card``: the e-SSC's now is ``getEsscCard``)."""


def from_python_path(name: str) -> str | None:
    """The short operationId an old Python-path one (``simulator.services.workpermit.handlers.
    get_employer``, as 0.1.0 stored them) became; ``None`` for anything else.

    Kept so fault rules and journal rows stored by an older release keep meaning the same
    operation, and so rules may still be added under the old name for one release.
    """
    module, _, function = name.rpartition(".")
    if not any(module in modules for modules in HANDLER_MODULES.values()) or not function:
        return None
    return RENAMED.get(name) or operation_id_of(function)


def from_old_name(name: str) -> str:
    """The short operationId of a name a client may still send as 0.1.0 taught it (deprecated,
    accepted for one release): the Python path, or its last part (``get_employer``). Anything
    else comes back unchanged."""
    if re.fullmatch(r"[a-z]+(?:_[a-z0-9]+)+", name):
        return operation_id_of(name)
    return from_python_path(name) or name


def python_paths_of(operation_id: str) -> list[str]:
    """Every old Python-path form :func:`from_python_path` maps onto ``operation_id``."""
    function = function_name_of(operation_id)
    paths = {f"{m}.{function}" for modules in HANDLER_MODULES.values() for m in modules}
    return sorted((paths - RENAMED.keys()) | {old for old, new in RENAMED.items() if new == operation_id})


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


def as_yaml(spec: dict[str, Any]) -> str:
    """A bundled spec as YAML, as ``fwp-sandbox spec`` prints it and ``openapi.yaml`` serves it."""
    return yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)


HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@cache
def routes() -> tuple[tuple[str, re.Pattern[str], str, str], ...]:
    """(method, path pattern, operationId, surface name) of every operation of every spec: what
    the 405's ``Allow`` header matches a path against, and the operations a fault rule may name.
    Requests are routed by connexion's own router, once; the fault middleware reads its result."""
    found = []
    for name, (base, _) in SURFACES.items():
        for path, item in load(name)["paths"].items():
            pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(base + path)))
            found += [(m.upper(), pattern, op["operationId"], name) for m, op in item.items()
                      if m in HTTP_METHODS]
    return tuple(found)

