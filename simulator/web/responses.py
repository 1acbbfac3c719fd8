"""JSON responses with an explicit media type (connexion needs it when an operation declares
both ``application/json`` and ``application/problem+json``)."""

from __future__ import annotations

from typing import Any

from flask import Response

from simulator.core.jsontext import dumps

__all__ = ["created", "dumps", "json_response", "json_text_response", "no_content"]


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(dumps(body), status=status, headers=headers, mimetype="application/json")


def json_text_response(text: str, status: int = 200) -> Response:
    """A JSON body already encoded (with :func:`dumps`)."""
    return Response(text, status=status, mimetype="application/json")


def created(body: Any, location: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(body, 201, {"Location": location, **(headers or {})})


def no_content() -> Response:
    """204: no body, so no media type either (Flask would default to text/html)."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response
