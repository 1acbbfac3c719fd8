"""The catalogue: every scenario, versioned. ``fwp-sandbox conform list`` shows it."""

from __future__ import annotations

from scenarios import callbacks, legacy, pre_entry, references, renewal
from simulator.conform.model import Catalogue

__all__ = ["CATALOGUE", "references"]

CATALOGUE = Catalogue(
    version="2026.12.0",
    scenarios=(pre_entry.SCENARIO, callbacks.SCENARIO, legacy.SCENARIO, renewal.SCENARIO),
)
