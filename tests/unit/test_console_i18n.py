"""Every phrase the console's templates translate has its Chinese (``console/i18n.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.console.i18n import ZH

TEMPLATES = Path(__file__).resolve().parents[2] / "simulator/templates/console"
PHRASE = re.compile(r"""\bt\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")
SPOKEN = ["That key belongs to no tenant of this server.",  # passed to t() from the views
          "This form has expired or belongs to another session: reload the page and try again.",
          "OFFICIAL", "ESTIMATED"]


def phrases() -> list[str]:
    found = {a or b for path in TEMPLATES.glob("*.html")
             for a, b in PHRASE.findall(path.read_text(encoding="utf-8"))}
    return sorted(found | set(SPOKEN))


def test_the_templates_use_phrases() -> None:
    assert len(phrases()) > 50


@pytest.mark.parametrize("phrase", phrases())
def test_every_phrase_has_its_chinese(phrase: str) -> None:
    assert ZH.get(phrase), phrase
