"""Traceability: requirement → checks, for the catalogue (``fwp-sandbox conform list
--traceability``, text or JSON) and for a run (``traceability.md``/``.json``: → verdicts too), with
the references no check covers and why (the ONC Inferno requirements matrix, in Markdown for a PR).
"""

from __future__ import annotations

from typing import Any

from simulator.conform.model import REFERENCES, UNCOVERED, Catalogue

NOTICE = "NOTICE-75-"
NOTICE_POINTS = 8


def scenarios(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Every scenario with its steps and checks, each check with its references' titles."""
    return [{"scenario": s.id, "title": s.title, "steps": list(s.steps),
             "checks": [{"id": c.id, "title": c.title, "level": c.level.value,
                         "references": [{"id": r, "title": REFERENCES[r].title if r in REFERENCES else None}
                                        for r in c.references]} for c in s.checks]}
            for s in catalogue.scenarios]


def matrix(catalogue: Catalogue) -> dict[str, Any]:
    """Each registered reference with the checks citing it (and where they run); the uncovered
    ones with the reason recorded for them (``None``: nobody said why, a gap to fix); the
    references checks cite that nobody registered; the notice's points covered."""
    where: dict[str, dict[str, dict[str, Any]]] = {}
    for scenario in catalogue.scenarios:
        for check in scenario.checks:
            for reference in check.references:
                row = where.setdefault(reference, {}).setdefault(
                    check.id, {"check": check.id, "title": check.title, "level": check.level.value,
                               "scenarios": []})
                row["scenarios"].append(scenario.id)
    references = [{"id": ref.id, "title": ref.title, "url": ref.url,
                   "checks": list(where.get(ref.id, {}).values()),
                   "uncovered_reason": None if ref.id in where else UNCOVERED.get(ref.id)}
                  for ref in sorted(REFERENCES.values(), key=lambda r: _order(r.id))]
    notice = [f"{NOTICE}{n}" for n in range(1, NOTICE_POINTS + 1)]
    return {"references": references,
            "uncovered": [{"id": r["id"], "title": r["title"], "reason": r["uncovered_reason"]}
                          for r in references if not r["checks"]],
            "unknown": sorted(set(where) - set(REFERENCES)),
            "notice_points": {"covered": [n for n in notice if n in where],
                              "uncovered": [n for n in notice if n not in where]}}


def _order(reference: str) -> tuple[int, list[Any]]:
    """The notice first, then the domain notes by section, then the rest by name."""
    group = 0 if reference.startswith(NOTICE) else 1 if reference.startswith("DOMAIN-") else 2
    return group, [int(p) if p.isdigit() else p for p in reference.replace(".", "-").split("-")]


def text(catalogue: Catalogue) -> str:
    """The matrix for a terminal: each reference and its checks, then what is not covered and why."""
    table = matrix(catalogue)
    points = table["notice_points"]
    lines = [f"traceability, catalogue {catalogue.version}: notice points covered "
             f"{len(points['covered'])}/{NOTICE_POINTS}", ""]
    for ref in table["references"]:
        if ref["checks"]:
            checks = ", ".join(f"{c['check']} ({', '.join(_short(c['scenarios']))})" for c in ref["checks"])
            lines.append(f"  {ref['id']:<24} {checks}")
    lines += ["", "not covered:"]
    lines += [f"  {row['id']:<24} {row['reason'] or 'NO REASON GIVEN: a gap'}" for row in table["uncovered"]]
    if table["unknown"]:
        lines += ["", f"cited by checks but not registered: {', '.join(table['unknown'])}"]
    return "\n".join(lines) + "\n"


def readme(catalogue: Catalogue) -> str:
    """The matrix as the README shows it (``conform list --traceability --format markdown``)."""
    table = matrix(catalogue)
    lines = ["| reference | checks |", "|---|---|"]
    lines += [f"| `{r['id']}` | {', '.join('`' + c['check'] + '`' for c in r['checks'])} |"
              for r in table["references"] if r["checks"]]
    lines += ["", "| not covered | why |", "|---|---|"]
    lines += [f"| `{r['id']}` | {_cell(r['reason'] or 'NO REASON GIVEN')} |" for r in table["uncovered"]]
    return "\n".join(lines) + "\n"


def _short(ids: list[str], most: int = 3) -> list[str]:
    return ids if len(ids) <= most else [*ids[:most], f"+{len(ids) - most} more"]


def markdown(document: dict[str, Any]) -> str:
    matrix = document["traceability"]
    lines = [f"# Traceability: catalogue {document['catalogue_version']}, adapter {document['adapter']}", "",
             "| reference | title | checks (scenario): verdict |", "|---|---|---|"]
    for ref in matrix["references"]:
        checks = "<br>".join(f"{c['check']} ({c['scenario']}): {c['verdict']}" for c in ref["checks"])
        reason = UNCOVERED.get(ref["id"])
        lines.append(f"| {ref['id']} | {_cell(ref['title'])} | "
                     f"{checks or '**not covered**' + (': ' + _cell(reason) if reason else '')} |")
    lines += ["", f"Not covered by any check: {', '.join(matrix['uncovered']) or 'none'}."]
    if matrix["unknown"]:
        lines.append(f"Named by checks but not registered: {', '.join(matrix['unknown'])}.")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
