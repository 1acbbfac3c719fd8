"""Profiles (the mix of users and the shape over time) and their service-level objectives.

A profile is ``load/profiles/NAME.yaml``; its objectives are ``load/objectives/NAME.yaml`` (or the
file its ``objectives`` key names). Both are plain YAML so that a QA team edits them without Python.
Stage times and user counts are fractions of the run's ``--duration`` and ``--users``, so one
profile serves a 30-second smoke run and an hour-long soak alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.loadtest import LOAD_DIR

PARTIES = ("EmployerHR", "EmployerHRCallbacks", "EsscApp", "BorderVerifier", "Officer", "VendorClient")
"""The user classes of ``load/locustfile.py`` a profile may weigh."""


class ProfileError(ValueError):
    """A profile or objectives file that is missing or malformed (a usage error, exit 2)."""


@dataclass(frozen=True)
class Stage:
    """Until ``until`` (fraction of the duration) run ``users`` (fraction of ``--users``)."""

    until: float
    users: float


@dataclass(frozen=True)
class Latency:
    p95_ms: float | None = None
    p99_ms: float | None = None


@dataclass(frozen=True)
class Objectives:
    """What a run must achieve; ``operations`` keys are ``"METHOD name"`` as Locust groups them."""

    error_rate: float = 0.0
    min_throughput: float = 0.0
    operations: dict[str, Latency] = field(default_factory=dict)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    users: dict[str, int]
    stages: tuple[Stage, ...]
    spawn_rate: float
    objectives: Objectives
    faults: tuple[dict[str, Any], ...] = ()
    """Fault rules put on the vendor client's tenant (the control plane's FaultInput)."""


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ProfileError(f"{path} does not exist")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: expected a mapping at the top")
    return data


def load_objectives(path: Path) -> Objectives:
    data = _read(path)
    try:
        operations = {str(name): Latency(**(limits or {}))
                      for name, limits in (data.get("operations") or {}).items()}
        return Objectives(error_rate=float(data.get("error_rate", 0.0)),
                          min_throughput=float(data.get("min_throughput", 0.0)), operations=operations)
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc


def _stages(path: Path, raw: Any) -> tuple[Stage, ...]:
    stages = tuple(Stage(float(s["until"]), float(s["users"])) for s in raw or [{"until": 1, "users": 1}])
    untils = [s.until for s in stages]
    if untils != sorted(untils) or untils[-1] != 1.0 or any(not 0 <= s.users <= 1 for s in stages):
        raise ProfileError(f"{path}: stages must rise to until: 1.0, with users between 0 and 1")
    return stages


def load_profile(name: str, directory: Path = LOAD_DIR, objectives: Path | None = None) -> Profile:
    """The profile ``name`` (a file name without ``.yaml``, or a path to a YAML file)."""
    path = Path(name) if name.endswith((".yaml", ".yml")) else directory / "profiles" / f"{name}.yaml"
    data = _read(path)
    users = {str(k): int(v) for k, v in (data.get("users") or {}).items()}
    unknown = sorted(set(users) - set(PARTIES))
    if not users or unknown or any(w < 1 for w in users.values()):
        raise ProfileError(f"{path}: users must weigh some of {', '.join(PARTIES)} (unknown: {unknown})")
    slo = objectives or directory / "objectives" / f"{data.get('objectives', path.stem)}.yaml"
    return Profile(name=path.stem, description=str(data.get("description", "")), users=users,
                   stages=_stages(path, data.get("stages")),
                   spawn_rate=float(data.get("spawn_rate", 0)) or 0.0,
                   objectives=load_objectives(slo), faults=tuple(data.get("faults") or ()))
