"""Typed settings, from the environment (``FWP_*``) with CLI flags layered on top.

Worker processes started by uvicorn re-read the environment, which is how ``serve`` passes the
CLI's choices to them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

DEFAULT_DATABASE = "sqlite:///var/fwp-sandbox.db"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(name.strip() for name in (value or "").split(",") if name.strip())


def _hosts(value: str | None) -> tuple[str, ...]:
    """Host names, lower case; IPv6 literals without brackets (``::1``)."""
    names = (name.strip().lower().strip("[]") for name in (value or "").split(","))
    return tuple(name for name in names if name)


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE
    admin_token: str | None = None
    validate_responses: bool = False
    max_body_bytes: int = 1024 * 1024
    token_ttl_seconds: int = 3600
    # The speed-ups of simulator/speedups/ (FWP_SPEEDUPS=0: stock connexion, Flask and uvicorn),
    # and those of them turned off by name (FWP_SPEEDUPS_OFF, comma list; see its README.md).
    # Read from the environment even by ``Settings()``: one switch for every app of a test run.
    speedups: bool = field(default_factory=lambda: _flag(os.environ.get("FWP_SPEEDUPS"), True))
    speedups_off: tuple[str, ...] = field(default_factory=lambda: _names(os.environ.get("FWP_SPEEDUPS_OFF")))
    # Runs Flask on the event-loop thread instead of a2wsgi's thread pool (one of the speed-ups).
    inline_wsgi: bool = True
    # Records every request and response of a tenant (simulator/sandbox/journal.py).
    journal: bool = True
    # Hosts callbacks may be posted to besides the loopback ones (FWP_CALLBACK_HOSTS, comma list;
    # "*" allows any host). See simulator/sandbox/callbacks.py.
    callback_hosts: tuple[str, ...] = ()
    # How often each worker lets the officer act on running tenant clocks (FWP_OFFICER_SWEEP_SECONDS;
    # 0 turns it off). See simulator/sandbox/officer_clock.py.
    officer_sweep_seconds: float = 60.0
    # A folder of official holiday arrangements (<year>.yaml) to load over `holidays`' data
    # (FWP_CALENDAR_DIR). See simulator/core/calendar_files.py.
    calendar_dir: str | None = None
    # The web console under /console (FWP_CONSOLE=0 leaves it out). See simulator/console/.
    console: bool = True
    # Where the console's conformance runs keep their progress and reports, one folder each
    # (FWP_CONSOLE_RUNS_DIR); every worker of the machine reads them.
    console_runs_dir: str = "var/console-runs"
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        return cls(
            database_url=env.get("FWP_DATABASE_URL") or DEFAULT_DATABASE,
            admin_token=env.get("FWP_ADMIN_TOKEN") or None,
            validate_responses=_flag(env.get("FWP_VALIDATE_RESPONSES"), False),
            max_body_bytes=int(env.get("FWP_MAX_BODY_BYTES") or 1024 * 1024),
            token_ttl_seconds=int(env.get("FWP_TOKEN_TTL_SECONDS") or 3600),
            speedups=_flag(env.get("FWP_SPEEDUPS"), True),
            speedups_off=_names(env.get("FWP_SPEEDUPS_OFF")),
            inline_wsgi=_flag(env.get("FWP_INLINE_WSGI"), True),
            journal=_flag(env.get("FWP_JOURNAL"), True),
            callback_hosts=_hosts(env.get("FWP_CALLBACK_HOSTS")),
            officer_sweep_seconds=float(env.get("FWP_OFFICER_SWEEP_SECONDS") or 60.0),
            calendar_dir=env.get("FWP_CALENDAR_DIR") or None,
            console=_flag(env.get("FWP_CONSOLE"), True),
            console_runs_dir=env.get("FWP_CONSOLE_RUNS_DIR") or "var/console-runs",
        )

    def to_env(self) -> dict[str, str]:
        """The environment that makes ``from_env`` rebuild these settings in a worker."""
        env = {
            "FWP_DATABASE_URL": self.database_url,
            "FWP_VALIDATE_RESPONSES": "1" if self.validate_responses else "0",
            "FWP_MAX_BODY_BYTES": str(self.max_body_bytes),
            "FWP_TOKEN_TTL_SECONDS": str(self.token_ttl_seconds),
            "FWP_SPEEDUPS": "1" if self.speedups else "0",
            "FWP_SPEEDUPS_OFF": ",".join(self.speedups_off),
            "FWP_INLINE_WSGI": "1" if self.inline_wsgi else "0",
            "FWP_JOURNAL": "1" if self.journal else "0",
            "FWP_OFFICER_SWEEP_SECONDS": repr(self.officer_sweep_seconds),
            "FWP_CONSOLE": "1" if self.console else "0",
            "FWP_CONSOLE_RUNS_DIR": self.console_runs_dir,
        }
        if self.admin_token:
            env["FWP_ADMIN_TOKEN"] = self.admin_token
        if self.callback_hosts:
            env["FWP_CALLBACK_HOSTS"] = ",".join(self.callback_hosts)
        if self.calendar_dir:
            env["FWP_CALENDAR_DIR"] = self.calendar_dir
        return env


SETTING_NAMES = [f.name for f in fields(Settings)]
