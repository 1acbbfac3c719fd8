"""Pages outside the specs: ``GET /`` (the surfaces) and ``/problems/{code}`` (error docs)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, render_template, request

from simulator import __version__
from simulator.core.errors import CATALOG, DomainError
from simulator.specs import SURFACES
from simulator.web.responses import json_response


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def index() -> Response:
    surfaces = [
        {"name": name, "title": title, "base_path": base,
         "openapi": f"{base}/openapi.json", "swagger_ui": f"{base}/ui/"}
        for name, (base, title) in SURFACES.items()
    ]
    body: dict[str, Any] = {"service": "fwp-sandbox", "version": __version__, "surfaces": surfaces,
                            "problems": "/problems"}
    if _wants_json():
        return json_response(body)
    return Response(render_template("index.html", **body), mimetype="text/html")


def problems() -> Response:
    specs = sorted(CATALOG.values(), key=lambda s: (s.status, s.code))
    if _wants_json():
        return json_response([{"code": s.code, "status": s.status, "title": s.title,
                               "title_zh": s.title_zh, "type": f"/problems/{s.code}"} for s in specs])
    return Response(render_template("problems.html", specs=specs), mimetype="text/html")


def problem(code: str) -> Response:
    spec = CATALOG.get(code)
    if spec is None:
        raise DomainError("E_NOT_FOUND", f"No error code {code}.", f"不存在错误码{code}。", "code")
    if _wants_json():
        return json_response({"code": spec.code, "status": spec.status, "title": spec.title,
                              "title_zh": spec.title_zh, "explanation": spec.explanation,
                              "source": spec.source})
    return Response(render_template("problem.html", spec=spec), mimetype="text/html")


def register(app: Flask) -> None:
    app.add_url_rule("/", "index", index)
    app.add_url_rule("/problems", "problems", problems)
    app.add_url_rule("/problems/<code>", "problem", problem)
