"""Every report of a run, written into one folder: ``report.json`` (the document the others are
made from), ``junit.xml``, ``report.html``, ``traceability.md``/``.json`` and ``evidence.zip``;
the console summary goes to a rich console."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rich.console import Console

from simulator.conform.model import Catalogue
from simulator.conform.reports import console, document, evidence, html, junit, traceability
from simulator.conform.results import RunResult

SIGNING_KEY_ENV = "FWP_CONFORM_SIGNING_KEY"


def signing_key() -> bytes | None:
    """The operator's signing key, from the environment (None: a per-run key is used)."""
    value = os.environ.get(SIGNING_KEY_ENV)
    return value.encode() if value else None


def write_all(result: RunResult, catalogue: Catalogue, folder: Path, out: Console | None = None,
              key: bytes | None = None) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    doc = document.build(result, catalogue)
    entries = [(s.scenario_id, entry) for s in result.scenarios for entry in s.entries]
    files = {
        "report.json": json.dumps(doc, indent=2, ensure_ascii=False).encode(),
        "junit.xml": junit.write(doc),
        "report.html": html.write(doc).encode(),
        "traceability.md": traceability.markdown(doc).encode(),
        "traceability.json": json.dumps(doc["traceability"], indent=2, ensure_ascii=False).encode(),
        "evidence.zip": evidence.build(doc, entries, key if key is not None else signing_key()),
    }
    written = {}
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        written[name] = path
    if out is not None:
        console.render(doc, out)
        out.print(f"reports in {folder}: {', '.join(files)}", highlight=False)
    return written
