"""``junit.xml``: a testsuite per scenario, a testcase per check; FAILED is a failure carrying the
findings, ERROR an error, SKIPPED a skip with its reason. JUnit has no warning: a WARNING passes,
with the findings in ``system-out`` and a ``verdict`` property, so CI shows it without failing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any


def write(document: dict[str, Any]) -> bytes:
    root = ET.Element("testsuites", name=f"fwp-sandbox conformance {document['catalogue_version']}")
    for scenario in document["scenarios"]:
        checks = scenario["checks"]
        suite = ET.SubElement(root, "testsuite", name=scenario["id"], tests=str(len(checks)),
                              failures=str(_count(checks, "FAILED")), errors=str(_count(checks, "ERROR")),
                              skipped=str(_count(checks, "SKIPPED")), time=f"{scenario['duration_s']:.3f}",
                              timestamp=document["started"])
        for check in checks:
            _testcase(suite, scenario["id"], check)
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _count(checks: list[dict[str, Any]], verdict: str) -> int:
    return sum(check["verdict"] == verdict for check in checks)


def _testcase(suite: ET.Element, scenario: str, check: dict[str, Any]) -> None:
    case = ET.SubElement(suite, "testcase", classname=scenario, name=f"{check['id']} {check['title']}",
                         time=f"{check['duration_s']:.4f}")
    properties = ET.SubElement(case, "properties")
    for name, value in (("verdict", check["verdict"]), ("level", check["level"]),
                        ("references", " ".join(check["references"]))):
        ET.SubElement(properties, "property", name=name, value=value)
    text = _findings_text(check)
    first = check["findings"][0]["seen"] if check["findings"] else (check["reason"] or check["verdict"])
    if check["verdict"] == "FAILED":
        ET.SubElement(case, "failure", message=first, type=check["level"]).text = text
    elif check["verdict"] == "ERROR":
        ET.SubElement(case, "error", message=first, type="ERROR").text = text
    elif check["verdict"] == "SKIPPED":
        ET.SubElement(case, "skipped", message=check["reason"] or "skipped")
    elif check["verdict"] == "WARNING":
        ET.SubElement(case, "system-out").text = "WARNING (SHOULD)\n" + text


def _findings_text(check: dict[str, Any]) -> str:
    lines = [check["reason"]] if check["reason"] else []
    for finding in check["findings"]:
        entries = ", ".join(f"#{i}" for i in finding["entries"]) or "none"
        lines += [f"seen: {finding['seen']}", f"expected: {finding['expected']}", f"fix: {finding['fix']}",
                  f"journal entries: {entries}", ""]
    return "\n".join(lines)
