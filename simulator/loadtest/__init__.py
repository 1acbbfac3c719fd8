"""``fwp-sandbox load``: Locust workload profiles with service-level objectives, run in one command.

The Locust users live in ``load/`` (a checkout's folder, run by Locust in a subprocess: Locust
patches the standard library through gevent, so nothing here imports it). This package reads the
profiles and objectives, prepares the tenants, runs Locust, and judges the result.
"""

from __future__ import annotations

from pathlib import Path

import simulator

LOAD_DIR = Path(simulator.__file__).resolve().parents[1] / "load"
"""The checkout's ``load/`` folder (the Locust users and the profiles)."""


def available(directory: Path = LOAD_DIR) -> list[str]:
    """The profiles' names (``load/profiles/*.yaml``)."""
    return sorted(p.stem for p in (directory / "profiles").glob("*.yaml"))
