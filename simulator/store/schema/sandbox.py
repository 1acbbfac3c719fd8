"""The sandbox's own tables: the outbox of messages it would send, the request journal, and
callbacks (webhooks) with their events and deliveries.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from simulator.store.schema.base import metadata

outbox = Table(
    "outbox",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("recipient", String(100), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("code", String(20)),
    Column("created_at", String(40), nullable=False),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
)
"""Messages the sandbox would send (SMS codes, reminders), readable through the control plane."""

JOURNAL_FILTERS = ("status", "operation_id", "method", "scenario", "verdict", "direction")
"""The journal's filtered columns that get an index of their own."""

journal = Table(
    "journal",
    metadata,
    # One sequence for every tenant: journal rows must not take the tenant counter, from which
    # the ids a request creates are derived (same seed + same requests = same ids).
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("tenant_id", String(32), nullable=False),
    Column("wall_at", Float, nullable=False),
    Column("tenant_at", String(40), nullable=False),
    Column("operation_id", String(200)),
    Column("method", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("query", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("request_headers", JSON, nullable=False),
    Column("request_body", Text),
    Column("request_truncated", Boolean, nullable=False),
    Column("response_headers", JSON, nullable=False),
    Column("response_body", Text),
    Column("response_truncated", Boolean, nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("errors", JSON),
    Column("scenario", String(100)),
    Column("fault", String(100)),
    # INBOUND: a request to the sandbox; OUTBOUND: a callback delivery attempt the sandbox made.
    Column("direction", String(8), nullable=False, default="INBOUND"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_journal_tenant", "tenant_id", "id"),
    # One index per filter the journal API offers (but path_prefix, a LIKE), each ending in id: a
    # rare match (status=500) is a seek, not a walk of the tenant's whole journal (schema 9).
    *(Index(f"ix_journal_{name}", "tenant_id", name, "id") for name in JOURNAL_FILTERS),
    Index("ix_journal_wall", "tenant_id", "wall_at"),  # since/until, and trimming by age
)
"""Every request and response of a tenant (simulator/sandbox/journal.py), written in batches."""

callback_settings = Table(
    "callback_settings",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("secret", String(80), nullable=False),
    Column("secret_created_at", String(40), nullable=False),
    Column("settings", JSON, nullable=False),
    # Counters of the tenant's callbacks, events and deliveries: their ids derive from the seed and
    # these, not from the tenant counter, so registering a callback changes no other id.
    Column("callback_seq", BigInteger, nullable=False, default=0),
    Column("event_seq", BigInteger, nullable=False, default=0),
    Column("delivery_seq", BigInteger, nullable=False, default=0),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
)
"""A tenant's signing secret, retry and chaos settings (simulator/sandbox/callbacks.py)."""

callbacks = Table(
    "callbacks",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("url", Text, nullable=False),
    Column("employer_id", String(32)),
    Column("event_types", JSON, nullable=False),
    Column("description", String(200)),
    Column("created_at", String(40), nullable=False),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
)
"""Registered callback URLs (subscriptions)."""

callback_events = Table(
    "callback_events",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("id", String(32), nullable=False),
    Column("type", String(50), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("body", Text, nullable=False),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_callback_events_id", "tenant_id", "id"),
)
"""The outbox: one row per event, its JSON body exactly as signed and sent."""

callback_deliveries = Table(
    "callback_deliveries",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("id", String(32), nullable=False),
    Column("callback_id", String(32), nullable=False),
    Column("event_seq", BigInteger, nullable=False),
    Column("url", Text, nullable=False),
    # PENDING, SENDING (claimed by a delivery thread), DELIVERED, FAILED, DROPPED
    Column("status", String(10), nullable=False),
    Column("attempt_count", Integer, nullable=False, default=0),
    Column("attempts", JSON, nullable=False),
    Column("due_at", Float, nullable=False),
    Column("held", Boolean, nullable=False, default=False),
    # A delivery thread's claim token while SENDING; due_at then holds the claim's lease expiry.
    Column("claim", String(32)),
    Column("chaos", JSON, nullable=False),
    Column("redelivery_of", String(32)),
    Column("created_wall", Float, nullable=False),
    Column("delivered_wall", Float),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_callback_deliveries_due", "status", "due_at"),
    Index("ix_callback_deliveries_id", "tenant_id", "id"),
    Index("ix_callback_deliveries_callback", "tenant_id", "callback_id", "seq"),
    # A callback's waiting deliveries in due order: the dispatcher's busy and earlier probes.
    Index("ix_callback_deliveries_waiting", "tenant_id", "callback_id", "status", "due_at"),
    # The retention pass (sandbox/traffic_trim.py, schema 12): finished deliveries by age, and
    # whether an event has a delivery left (the oldest event any delivery still names).
    Index("ix_callback_deliveries_created", "tenant_id", "created_wall"),
    Index("ix_callback_deliveries_event", "tenant_id", "event_seq"),
)
"""One row per (event, callback): its state, its attempts and the chaos dice it drew."""
