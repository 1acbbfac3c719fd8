"""Tables. Every row belongs to a tenant; every primary key starts with the tenant id.

Times are stored as ISO-8601 text with their offset and dates as ``YYYY-MM-DD`` text, so that
SQLite and PostgreSQL store and sort them the same way. Nested, read-mostly parts of an
application (job, documents, points, defects, decision, letter) are one JSON column.

The tables are defined by surface in this package's modules (``base``, ``workpermit``, ``ssc``,
``sandbox``) and all named here, where the rest of the simulator imports them from.
"""

from __future__ import annotations

from simulator.store.schema.base import (
    IDEMPOTENCY_TTL_SECONDS,
    SCHEMA_VERSION,
    employers,
    idempotency_keys,
    meta,
    metadata,
    tenants,
)
from simulator.store.schema.sandbox import (
    callback_deliveries,
    callback_events,
    callback_settings,
    callbacks,
    journal,
    outbox,
)
from simulator.store.schema.ssc import essc_accounts, insurance_registrations, social_security_cards
from simulator.store.schema.workpermit import applications, foreigners, persons, work_permits

__all__ = [
    "IDEMPOTENCY_TTL_SECONDS",
    "SCHEMA_VERSION",
    "TENANT_DATA_TABLES",
    "applications",
    "callback_deliveries",
    "callback_events",
    "callback_settings",
    "callbacks",
    "employers",
    "essc_accounts",
    "foreigners",
    "idempotency_keys",
    "insurance_registrations",
    "journal",
    "meta",
    "metadata",
    "outbox",
    "persons",
    "social_security_cards",
    "tenants",
    "work_permits",
]

TENANT_DATA_TABLES = (callback_deliveries, callback_events, callbacks, callback_settings,
                      journal, idempotency_keys, outbox, social_security_cards, essc_accounts,
                      insurance_registrations, work_permits, applications, persons, foreigners)
"""Tables a tenant reset empties (employers are reset to unregistered, not deleted)."""
