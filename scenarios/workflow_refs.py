"""The references the workflow scenarios add to the registry (docs/domain.md's sections and the
notice's points that :mod:`scenarios.references` does not register yet)."""

from __future__ import annotations

from simulator.conform.model import Reference, register_references

DOMAIN = "docs/domain.md"

register_references(
    Reference("DOMAIN-1.2", f"{DOMAIN} §1.2: the service system after the switch-over (originals "
              "check of B and C within 30 days of entry)"),
    Reference("DOMAIN-5.5", f"{DOMAIN} §5.5: e-SSC registration (face check; the real-name check "
              "when a physical card exists; an invalid permit's QR shows as invalid)"),
)
