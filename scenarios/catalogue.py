"""The catalogue: every scenario, versioned. ``fwp-sandbox conform list`` shows it."""

from __future__ import annotations

from scenarios import (  # resilience
    callback_chaos,
    callbacks,
    cancellation,
    changes,
    employer_change,
    entry,
    essc,
    expiry,
    inspection,
    insurance,
    legacy,
    pre_entry,
    references,
    rejection,
    renewal,
    resilience,
    supplement,
    tokens,
    withdrawal,
    workflow_refs,
)
from simulator.conform.model import Catalogue

__all__ = ["CATALOGUE", "references", "workflow_refs"]

CATALOGUE = Catalogue(
    version="2026.12.0",
    scenarios=(pre_entry.SCENARIO, callbacks.SCENARIO, legacy.SCENARIO, renewal.SCENARIO,
               # workflows (issue 17: scenarios 2-12, 16, 17)
               supplement.SCENARIO, rejection.SCENARIO, withdrawal.SCENARIO, essc.SCENARIO,
               inspection.SCENARIO, cancellation.SCENARIO, expiry.SCENARIO, changes.SCENARIO,
               entry.SCENARIO, insurance.SCENARIO, employer_change.SCENARIO,
               # end workflows
               # resilience (issue 17: scenarios 13-15)
               callback_chaos.SCENARIO, resilience.SCENARIO, tokens.SCENARIO,
               # end resilience
               ),
)
