"""The officer's form fields, checked as the control plane's spec checks its bodies: a defect
list of 1-50 items with the spec's codes and document types, a message of 1-500 characters, a
reason of 1-1000. A breach is the API's E_VALIDATION with the field named."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from simulator.core.errors import DomainError

DEFECT_CODES = ("DOCUMENT_MISSING", "DOCUMENT_EXPIRED", "NOT_LEGALISED", "NOT_TRANSLATED",
                "INCONSISTENT", "ILLEGIBLE", "OTHER")
DOCUMENT_TYPES = ("APPLICATION_FORM", "WORK_EXPERIENCE_CERTIFICATE", "DEGREE_CERTIFICATE",
                  "CRIMINAL_RECORD", "HEALTH_CERTIFICATE", "EMPLOYMENT_CONTRACT", "PASSPORT",
                  "VISA_OR_RESIDENCE_PERMIT", "PHOTO", "CV", "TALENT_CATEGORY_PROOF",
                  "CANCELLATION_CERTIFICATE", "OTHER")


def field_error(name: str, detail: str, detail_zh: str) -> DomainError:
    return DomainError("E_VALIDATION", detail, detail_zh, name)


def _other(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    """The free row of the checklist, when its message is filled in."""
    message = form.get("other_message", "").strip()
    if not message:
        return []
    code, kind = form.get("other_code", ""), form.get("other_document_type", "")
    if code not in DEFECT_CODES:
        raise field_error("other_code", "Choose one of the defect codes.", "请选择缺陷代码。")
    if kind not in DOCUMENT_TYPES:
        raise field_error("other_document_type", "Choose one of the document types.", "请选择材料类型。")
    if len(message) > 500:
        raise field_error("other_message", "The message is longer than 500 characters.",
                          "说明超过500个字符。")
    return [{"code": code, "document_type": kind, "message": message}]


def chosen_defects(form: MultiDict[str, str], suggested: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The suggested defects ticked (by their index in ``suggested``, found again by the rules in
    this transaction, so the page cannot post a defect of its own making), then the free row."""
    picked = {value for value in form.getlist("defect") if value.isdigit()}
    chosen = [{k: v for k, v in defect.items() if v is not None}
              for index, defect in enumerate(suggested) if str(index) in picked]
    chosen += _other(form)
    if not chosen:
        raise field_error("defects", "Tick at least one defect or describe another one.",
                          "请至少勾选一项缺陷或填写其他缺陷。")
    return chosen[:50]


def reason(form: MultiDict[str, str]) -> str:
    text = form.get("reason", "").strip()
    if not text or len(text) > 1000:
        raise field_error("reason", "A reason of 1 to 1000 characters is needed.",
                          "须填写1至1000个字符的理由。")
    return text
