"""When the journal shows a wait-mode step done, and the output it then stands for.

Each rule reads the client's own requests since the task was published; every step not listed
here (``track_application``, ``withdraw``, ``reapply``, ``read_card`` ...: what it reports only the
system knows) completes when the operator posts its output. README.md names the steps listed here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Entries = list[dict[str, Any]]

DONE_WHEN: dict[str, str] = {
    "file_new_application": "POST /fwp/v1/applications is answered 201",
    "answer_correction": "POST /fwp/v1/applications/{application}/corrections is answered 200",
    "extend": "POST /fwp/v1/work-permits/{permit}/extension is answered 201",
    "change": "POST /fwp/v1/work-permits/{permit}/change is answered 201",
    "cancel": "POST /fwp/v1/work-permits/{permit}/cancellation is answered 201",
    "reissue_electronic": "POST /fwp/v1/work-permits/{permit}/reissue-electronic is answered 201",
    "register_insurance": "POST /ssc/v1/insured-persons is answered 201",
    "register_essc": "the face check issues the e-SSC, or the registration is refused",
}


def _body(entry: dict[str, Any], part: str = "response") -> dict[str, Any]:
    try:
        data = json.loads(entry[part].get("body") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _first(entries: Entries, method: str, path: str, status: int) -> dict[str, Any] | None:
    return next((e for e in entries if e["method"] == method and e["path"] == path
                 and e["status"] == status), None)


def _filed(path: str) -> Callable[[dict[str, Any], Entries], dict[str, Any] | None]:
    def rule(input: dict[str, Any], entries: Entries) -> dict[str, Any] | None:
        entry = _first(entries, "POST", path.format(**input), 201)
        return None if entry is None else {"application_id": _body(entry).get("id")}
    return rule


def _new_application(input: dict[str, Any], entries: Entries) -> dict[str, Any] | None:
    entry = _first(entries, "POST", "/fwp/v1/applications", 201)
    if entry is None:
        return None
    body = _body(entry)
    return {"application_id": body.get("id"), "foreigner_id": body.get("foreigner_id")}


def _correction(input: dict[str, Any], entries: Entries) -> dict[str, Any] | None:
    path = f"/fwp/v1/applications/{input['application']}/corrections"
    return None if _first(entries, "POST", path, 200) is None else {}


def _insurance(input: dict[str, Any], entries: Entries) -> dict[str, Any] | None:
    entry = _first(entries, "POST", "/ssc/v1/insured-persons", 201)
    return None if entry is None else {"ssn": _body(entry).get("ssn")}


def _essc(input: dict[str, Any], entries: Entries) -> dict[str, Any] | None:
    for entry in entries:
        if entry["method"] != "POST" or not entry["path"].startswith("/ssc/v1/essc/registrations"):
            continue
        body = _body(entry)
        if entry["path"].endswith("/face-verification") and body.get("status") == "ISSUED":
            return {"registered": True, "problem": None}
        if entry["path"] == "/ssc/v1/essc/registrations" and entry["status"] >= 400:
            return {"registered": False, "problem": body.get("code")}
    return None


RULES: dict[str, Callable[[dict[str, Any], Entries], dict[str, Any] | None]] = {
    "file_new_application": _new_application,
    "answer_correction": _correction,
    "extend": _filed("/fwp/v1/work-permits/{permit}/extension"),
    "change": _filed("/fwp/v1/work-permits/{permit}/change"),
    "cancel": _filed("/fwp/v1/work-permits/{permit}/cancellation"),
    "reissue_electronic": _filed("/fwp/v1/work-permits/{permit}/reissue-electronic"),
    "register_insurance": _insurance,
    "register_essc": _essc,
}


def completed(step: str, input: dict[str, Any], entries: Entries) -> dict[str, Any] | None:
    """The step's output when ``entries`` show it done, else ``None``."""
    rule = RULES.get(step)
    return None if rule is None else rule(input, entries)
