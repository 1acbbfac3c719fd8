"""The specs as code generators and Swagger UI read them: ``<base>/openapi.json`` and
``<base>/openapi.yaml`` of each surface.

connexion would serve the spec it routes by, with every ``$ref`` inlined: a generator then makes
a model per response (``SimulatorServicesWorkpermitHandlersGetApplicationResponse200``) instead
of one ``Application``. This serves the bundled spec with its component references instead,
exactly what ``fwp-sandbox spec`` prints, encoded once at start. It sits in front of connexion's
Swagger UI middleware, so Swagger UI, which fetches ``<base>/openapi.json``, shows it too.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from simulator import specs

DOC_FILES = ("openapi.json", "openapi.yaml")


def is_docs_path(path: str) -> bool:
    """Swagger UI's pages and the spec documents: not API calls (the journal skips them)."""
    segments = path.split("/")
    return "ui" in segments or segments[-1] in DOC_FILES


Document = tuple[bytes, bytes]
"""(body, content type)."""


def _json_default(value: Any) -> str:
    if isinstance(value, date):  # YAML reads an unquoted 2026-03-02 as a date
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a spec")


def documents() -> dict[str, Document]:
    """Path → document, for every surface."""
    found: dict[str, Document] = {}
    for name, (base, _) in specs.SURFACES.items():
        spec = specs.load(name)
        found[f"{base}/openapi.json"] = (
            json.dumps(spec, ensure_ascii=False, default=_json_default).encode(),
            b"application/json; charset=utf-8")
        found[f"{base}/openapi.yaml"] = (specs.as_yaml(spec).encode(), b"application/yaml; charset=utf-8")
    return found


class SpecDocuments:
    """Answers GET and HEAD of the spec documents; everything else passes on."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.documents = documents()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        found = self.documents.get(scope["path"]) if scope["type"] == "http" else None
        if found is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        body, content_type = found
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", content_type), (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-cache")]})
        await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})
