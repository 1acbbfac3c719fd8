"""``traceability.md`` and ``traceability.json``: requirement → checks → verdicts, and the
references no check covers yet (the ONC Inferno requirements matrix, in Markdown for a PR)."""

from __future__ import annotations

from typing import Any


def markdown(document: dict[str, Any]) -> str:
    matrix = document["traceability"]
    lines = [f"# Traceability: catalogue {document['catalogue_version']}, adapter {document['adapter']}", "",
             "| reference | title | checks (scenario): verdict |", "|---|---|---|"]
    for ref in matrix["references"]:
        checks = "<br>".join(f"{c['check']} ({c['scenario']}): {c['verdict']}" for c in ref["checks"])
        lines.append(f"| {ref['id']} | {_cell(ref['title'])} | {checks or '**not covered**'} |")
    lines += ["", f"Not covered by any check: {', '.join(matrix['uncovered']) or 'none'}."]
    if matrix["unknown"]:
        lines.append(f"Named by checks but not registered: {', '.join(matrix['unknown'])}.")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
