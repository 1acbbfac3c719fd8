"""The tenant clock: the only way the simulator learns what time it is.

A clock is a small value stored with the tenant: the tenant time that was set, the wall time when
it was set, and whether it is frozen. A running clock moves with real time from the time set; a
frozen clock stays put. Every deadline, date of submission and expiry reads it, so tests move time
instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def wall_now() -> datetime:
    """Real time. Only the clock and request timing may call this."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Clock:
    base_tenant: datetime
    base_wall: datetime
    frozen: bool = False

    @classmethod
    def real_time(cls) -> Clock:
        now = wall_now()
        return cls(base_tenant=now, base_wall=now, frozen=False)

    def now(self) -> datetime:
        """Tenant time, as an aware datetime in Asia/Shanghai."""
        moment = self.base_tenant if self.frozen else self.base_tenant + (wall_now() - self.base_wall)
        return moment.astimezone(SHANGHAI)

    def today(self) -> date:
        return self.now().date()

    def set(self, now: datetime | None = None, frozen: bool | None = None) -> Clock:
        """Set the time and/or freeze; the wall anchor moves so a running clock goes on from here."""
        current = self.now()
        target = now.astimezone(UTC) if now is not None else current.astimezone(UTC)
        return Clock(
            base_tenant=target,
            base_wall=wall_now(),
            frozen=self.frozen if frozen is None else frozen,
        )

    def advance(self, delta: timedelta) -> Clock:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        return replace(self, base_tenant=self.base_tenant + delta)


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day`` (a person born on 29 February ages on 1 March)."""
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def wall_iso(moment: float | None) -> str | None:
    """A wall-clock Unix time as UTC ISO-8601 with milliseconds (journal and delivery times)."""
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")


def iso(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")
