"""The schema's version, the metadata every table joins, and the tables every surface uses:
meta, tenants, employers (the accounts of both APIs) and idempotency keys.
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
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

SCHEMA_VERSION = "12"
"""The migration (``simulator/store/migrations/versions``) these tables match: its head revision.
A change to any table here comes with a new revision and this bumped to its id; the tests fail
when the head and these tables differ (``tests/unit/test_migrations.py``)."""

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("admin_key_hash", String(64), nullable=False, unique=True),
    Column("counter", BigInteger, nullable=False, default=0),
    Column("clock_base_tenant", Float, nullable=False),
    Column("clock_base_wall", Float, nullable=False),
    Column("clock_frozen", Boolean, nullable=False, default=False),
    Column("seed_data", Boolean, nullable=False, default=True),
    Column("settings", JSON, nullable=False, default=dict),
    Column("created_at", String(40), nullable=False),
    # The tenant day up to which permit expiries were told to callbacks (permits.announce_expiries):
    # a running clock's days are told once, by whichever worker's sweep comes first.
    Column("expiries_told_on", String(10)),
)

employers = Table(
    "employers",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("uscc", String(18)),
    Column("name_zh", String(100)),
    Column("name_en", String(200)),
    Column("province", String(2)),
    Column("city", String(50)),
    Column("contact_email", String(200)),
    Column("registered_at", String(40)),
    Column("dissolved_on", String(10)),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
)


idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("principal", String(32), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("location", String(300)),
    Column("created_wall", Float, nullable=False),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    # The retention pass's seek of the expired keys (sandbox/traffic_trim.py, schema 12).
    Index("ix_idempotency_keys_created", "tenant_id", "created_wall"),
)

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
"""How long an Idempotency-Key is kept: within it a retry replays (``web/idempotency.py``),
after it the key is deleted in the background (``sandbox/traffic_trim.py``)."""
