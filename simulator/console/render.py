"""Rendering console pages: the template with the session's language, and errors in words.

An error a model raised is shown as the API would answer it, but read: the catalog's title and
the detail in the page's language, the field at fault and a link to ``/problems/{code}``, with
the catalog's HTTP status as the page's own.
"""

from __future__ import annotations

import json
from typing import Any

from flask import render_template, session
from werkzeug.wrappers import Response

from simulator.console.i18n import translate
from simulator.core.errors import CATALOG, DomainError


def _lang() -> str:
    return str(session.get("lang", "en"))


def t(text: str) -> str:
    return translate(text, _lang())


def page(template: str, http_status: int = 200, **context: Any) -> Response:
    html = render_template(template, t=t, lang=_lang(), **context)
    response = Response(html, status=http_status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"  # pages show one tenant's data
    return response


def in_words(error: DomainError) -> dict[str, Any]:
    """A :class:`DomainError` as the page shows it."""
    zh = _lang() == "zh"
    spec = CATALOG[error.code]
    listed = error.extra.get("errors") or []
    return {"code": error.code, "status": spec.status, "href": f"/problems/{error.code}",
            "title": spec.title_zh if zh else spec.title,
            "detail": error.detail_zh if zh else error.detail, "field": error.field,
            "errors": [{"field": item.get("field"),
                        "detail": item.get("detail_zh" if zh else "detail") or item.get("detail")}
                       for item in listed if isinstance(item, dict)]}


def refusal(status: int, message: str) -> Response:
    """A request refused before any model ran (no session, a bad CSRF token)."""
    return page("console/refused.html", http_status=status, message=message)


def pretty(value: Any) -> str:
    """JSON as a person reads it: indented, Chinese as written (text that is no JSON as it is)."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            parsed: Any = json.loads(value)
        except ValueError:
            return value
        value = parsed
    return json.dumps(value, ensure_ascii=False, indent=2)
