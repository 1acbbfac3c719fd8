"""State machines declared as data: one ``(from, event, to)`` table per stateful entity, and
each event's words in English and Chinese, so that a refusal reads as a sentence in both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from simulator.core.errors import DomainError


@dataclass(frozen=True)
class Transition:
    source: str
    event: str
    target: str


@dataclass(frozen=True)
class Phrase:
    """An event in words: ``en`` is a verb phrase with ``{it}`` where the entity goes ("approve
    {it}", "report {it} lost in writing"); ``zh`` is the verb as a Chinese sentence ends with it
    ("批准", "书面挂失")."""

    en: str
    zh: str


class StateMachine:
    """Looks up transitions; an event with no transition from the current state is a 409.

    ``noun`` is the entity with its English article ("an application"), ``noun_zh`` its Chinese
    name; every event of the table must have a :class:`Phrase`, or the machine is not built."""

    def __init__(self, noun: str, noun_zh: str, transitions: Iterable[tuple[str, str, str]],
                 phrases: Mapping[str, Phrase]) -> None:
        self.noun, self.noun_zh = noun, noun_zh
        self.phrases = dict(phrases)
        self._table: dict[tuple[str, str], str] = {}
        for source, event, target in transitions:
            if (source, event) in self._table:
                raise ValueError(f"{noun}: duplicate transition {source} --{event}-->")
            if event not in self.phrases or "{it}" not in self.phrases[event].en:
                raise ValueError(f"{noun}: event {event} needs a Phrase with {{it}} in English")
            self._table[(source, event)] = target

    @property
    def transitions(self) -> list[Transition]:
        return [Transition(s, e, t) for (s, e), t in self._table.items()]

    @property
    def states(self) -> set[str]:
        return {s for s, _ in self._table} | set(self._table.values())

    @property
    def events(self) -> list[str]:
        return sorted({e for _, e in self._table})

    def allowed_events(self, state: str) -> list[str]:
        return sorted(e for (s, e) in self._table if s == state)

    def can(self, state: str, event: str) -> bool:
        return (state, event) in self._table

    def doing(self, event: str, it: str | None = None) -> str:
        """The event as an English verb phrase on ``it`` (the machine's noun by default)."""
        return self.phrases[event].en.format(it=it or self.noun)

    def refusal(self, state: str, event: str) -> DomainError:
        """E_ILLEGAL_STATE: ``event`` is not allowed in ``state``, said in both languages."""
        return DomainError(
            "E_ILLEGAL_STATE",
            f"Cannot {self.doing(event)} in state {state}.",
            f"{self.noun_zh}处于{state}状态，不能{self.phrases[event].zh}。",
            extra={"allowed_actions": self.allowed_events(state), "state": state},
        )

    def next_state(self, state: str, event: str) -> str:
        try:
            return self._table[(state, event)]
        except KeyError:
            raise self.refusal(state, event) from None
