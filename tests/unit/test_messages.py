"""Every message a person reads is good English and Chinese: the error catalog (and so the problem
pages), each state machine's refusal rendered for every event in every state, the specs'
descriptions and the README are scanned for the kinds of slip found before ("Cannot approve a
application", "Cannot provide supplement a application", an event name left in Chinese text,
citations of notes a vendor cannot read). A new message with one of them fails here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from simulator import specs
from simulator.core.errors import CATALOG, DomainError
from simulator.core.statemachine import StateMachine
from simulator.services.ssc import cards
from simulator.services.workpermit.states import APPLICATION

ROOT = Path(__file__).resolve().parents[2]
SURFACES = ("work-permit", "social-security", "sandbox")
MACHINES = {"application": APPLICATION, "card": cards.CARD}

SLIPS = {
    "'a' before a vowel": re.compile(r"(?<![\w'(/-])a (?!one\b|one-|once\b|eu|uni|use)[aeiou]"),
    "doubled word": re.compile(r"\b([A-Za-z]{2,})\s+\1\b"),
    "internal notes cited": re.compile(
        r"(?<!docs/)domain\.md|domain notes|(?<!RFC \d{4} )(?<!docs/domain\.md )(?<!docs/domain\.md` )§"),
}
"""Slips any text may not have. A section sign is fine after an RFC's number, and after the
project's own notes, which are in the repository (``docs/domain.md §5.1``); notes outside it are
not for vendors to read. Doubled words are matched case-sensitively (``--report-dir DIR`` is fine)."""
RENDERED = {
    **SLIPS,
    "placeholder left": re.compile(r"[{}]|%s|%\(\w+\)"),
    "event name left": re.compile(r"\b[a-z]+_[a-z_]+\b"),
}
"""Slips a message built at run time may not have either."""
LATIN_WORD = re.compile(r"\b[a-z]{2,}\b")
"""Chinese text names states and codes in capitals; a lower-case Latin word is an untranslated one."""


def mechanical(event: str, text: str) -> bool:
    """Whether ``text`` spells a several-word event as its name with spaces, the way "Cannot
    provide supplement a application" did, instead of in words of its own."""
    return "_" in event and event.replace("_", " ") in text


def slips(text: str, checks: dict[str, re.Pattern[str]] = SLIPS) -> list[str]:
    return [f"{name}: ...{text[max(0, m.start() - 30):m.end() + 30]}..."
            for name, pattern in checks.items() for m in pattern.finditer(text)]


def test_the_scan_catches_each_slip() -> None:
    """The patterns themselves: each known slip is found, and ordinary English passes."""
    for bad in ("Cannot approve a application.", "register a e-SSC", "see domain.md §5.3",
                "domain notes §6 rule 11", "the the permit"):
        assert slips(bad), bad
    for bad in ("Cannot {event} it.", "Cannot provide_supplement it."):
        assert slips(bad, RENDERED), bad
    assert mechanical("report_verbal_loss", "Cannot report verbal loss card A12345678: it is FROZEN.")
    assert not mechanical("activate", "Cannot activate card A12345678: it is FROZEN.")
    for good in ("a one-time list of defects", "a unified social credit code", "a user",
                 "RFC 6749 §4.4", "an application", "a Chinese embassy", "docs/domain.md §5.1",
                 "`--report-dir DIR`"):
        assert not slips(good, RENDERED), good


# The error catalog -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_the_catalog_reads_well(code: str) -> None:
    spec = CATALOG[code]
    for text in (spec.title, spec.explanation, spec.source, spec.title_zh):
        assert not slips(text), (code, slips(text))
    assert re.search(r"[\u4e00-\u9fff]", spec.title_zh), code
    assert not LATIN_WORD.search(spec.title_zh), (code, spec.title_zh)


# State machines ----------------------------------------------------------------------------------


def _refusals(machine: StateMachine) -> Iterator[tuple[str, str, DomainError]]:
    for state in sorted(machine.states):
        for event in machine.events:
            if not machine.can(state, event):
                with pytest.raises(DomainError) as refused:
                    machine.next_state(state, event)
                yield state, event, refused.value


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_every_refusal_of_every_machine_reads_well(name: str) -> None:
    machine = MACHINES[name]
    seen = 0
    for state, event, error in _refusals(machine):
        assert not slips(error.detail, RENDERED), (state, event, slips(error.detail, RENDERED))
        assert not mechanical(event, error.detail), error.detail
        assert not LATIN_WORD.search(error.detail_zh), (state, event, error.detail_zh)
        assert state in error.detail
        assert state in error.detail_zh
        seen += 1
    assert seen, "a machine with no refusal to check"


def test_a_refusal_is_a_sentence() -> None:
    error = next(e for s, ev, e in _refusals(APPLICATION) if (s, ev) == ("PRE_REVIEW", "provide_supplement"))
    assert error.detail == "Cannot provide a supplement to an application in state PRE_REVIEW."
    assert error.detail_zh == "申请处于PRE_REVIEW状态，不能补充材料。"


@pytest.mark.parametrize("status", sorted(cards.STATUS_ZH))
def test_every_card_action_refused_reads_well(status: str) -> None:
    """The physical card's own refusal (E_CARD_STATUS), for each employer action in each state."""
    card = {"card_number": "A12345678", "status": status, "production_due_on": "2099-01-01", "history": [
        {"on": "2026-03-02", "event": "apply", "from_status": None, "to_status": status},
        {"on": "2026-03-02", "event": "set", "from_status": None, "to_status": status}]}
    for event in cards.ACTIONS:
        if cards.CARD.can(status, event):
            continue
        with pytest.raises(DomainError) as refused:
            cards._fire({**card, "history": list(card["history"])}, event, date(2026, 3, 2))
        detail = refused.value.detail
        assert not slips(detail, RENDERED), (status, event, detail)
        assert not mechanical(event, detail), detail
        assert not LATIN_WORD.search(refused.value.detail_zh), (status, event, refused.value.detail_zh)


# Specs and README --------------------------------------------------------------------------------


def _texts(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every description, summary and title of a spec, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}/{key}"
            if key in ("description", "summary", "title") and isinstance(value, str):
                yield here, value
            else:
                yield from _texts(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _texts(item, f"{path}/{index}")


@pytest.mark.parametrize("surface", SURFACES)
def test_the_specs_read_well(surface: str) -> None:
    found = [(where, slip) for where, text in _texts(specs.load(surface)) for slip in slips(text)]
    assert not found, found


def test_the_readme_reads_well() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not slips(text), slips(text)


def test_every_identifier_kind_is_named_in_words() -> None:
    """"No pr card number X is known" was the id_type with its underscores dropped."""
    from simulator.services.ssc.identity import ID_KINDS

    assert set(ID_KINDS) == set(specs.load("social-security")["components"]["schemas"]["IdType"]["enum"])
    for english, chinese in ID_KINDS.values():
        assert not slips(english, RENDERED)
        assert not LATIN_WORD.search(chinese)
