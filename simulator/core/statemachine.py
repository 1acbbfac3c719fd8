"""State machines declared as data: one ``(from, event, to)`` table per stateful entity."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from simulator.core.errors import DomainError


@dataclass(frozen=True)
class Transition:
    source: str
    event: str
    target: str


class StateMachine:
    """Looks up transitions; an event with no transition from the current state is a 409."""

    def __init__(self, name: str, transitions: Iterable[tuple[str, str, str]]) -> None:
        self.name = name
        self._table: dict[tuple[str, str], str] = {}
        for source, event, target in transitions:
            if (source, event) in self._table:
                raise ValueError(f"{name}: duplicate transition {source} --{event}-->")
            self._table[(source, event)] = target

    @property
    def transitions(self) -> list[Transition]:
        return [Transition(s, e, t) for (s, e), t in self._table.items()]

    @property
    def states(self) -> set[str]:
        return {s for s, _ in self._table} | set(self._table.values())

    def allowed_events(self, state: str) -> list[str]:
        return sorted(e for (s, e) in self._table if s == state)

    def can(self, state: str, event: str) -> bool:
        return (state, event) in self._table

    def next_state(self, state: str, event: str) -> str:
        try:
            return self._table[(state, event)]
        except KeyError:
            raise DomainError(
                "E_ILLEGAL_STATE",
                f"Cannot {event.replace('_', ' ')} a {self.name} in state {state}.",
                f"{self.name}处于{state}状态，不能执行“{event}”操作。",
                extra={"allowed_actions": self.allowed_events(state), "state": state},
            ) from None
