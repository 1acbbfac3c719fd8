"""``report.html``: one self-contained file (inline CSS and JS, a CSP that forbids any fetch),
findings first with the requests and responses they rest on, filterable by verdict and text.
Jinja2 escapes everything: journal bodies are the client's text, not ours."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from simulator.conform.reports.document import findings_first

_ENV = Environment(loader=PackageLoader("simulator.conform.reports", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def write(document: dict[str, Any]) -> str:
    return _ENV.get_template("report.html.j2").render(doc=document, findings=findings_first(document))
