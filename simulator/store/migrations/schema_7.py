"""The tables of schema 7 as they stood when migrations began: the baseline revision's DDL.

A frozen copy, never to be edited: ``versions/7_baseline.py`` creates these tables in an empty
database and brings a database made before migrations to exactly them, and the upgrade tests
build "a database of the previous schema" from here. Changes to the live tables in
``simulator/store/schema`` go into a new revision instead.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    text,
)

metadata = MetaData()

RETIRED_INDEXES = ("ix_work_permits_number",)
"""An index an earlier build of schema 7 made, which ix_work_permits_number_seq replaced."""

Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

Table(
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
    Column("expiries_told_on", String(10)),
)

Table(
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

Table(
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
)

Table(
    "foreigners",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("employer_id", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("full_name", String(100), nullable=False),
    Column("sex", String(1), nullable=False),
    Column("birth_date", String(10), nullable=False),
    Column("nationality", String(3), nullable=False),
    Column("passport_number", String(20), nullable=False),
    Column("passport_expiry", String(10), nullable=False),
    Column("education", String(20), nullable=False),
    Column("experience_years", Integer, nullable=False),
    Column("chinese_level", String(30), nullable=False),
    Column("email", String(200)),
    Column("pr_card_number", String(18)),
    Column("created_at", String(40), nullable=False),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_foreigners_employer", "tenant_id", "employer_id", "seq"),
    Index("ix_foreigners_passport", "tenant_id", "nationality", "passport_number", "birth_date",
          "seq"),
)

Table(
    "persons",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("nationality", String(3), primary_key=True),
    Column("passport_number", String(20), primary_key=True),
    Column("birth_date", String(10), primary_key=True),
    Column("work_permit_number", String(18)),
    Column("ssn", String(18)),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_persons_permit", "tenant_id", "work_permit_number"),
    Index("ix_persons_ssn", "tenant_id", "ssn", unique=True),
)

Table(
    "applications",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("employer_id", String(32), nullable=False),
    Column("foreigner_id", String(32), nullable=False),
    Column("type", String(30), nullable=False),
    Column("status", String(30), nullable=False),
    Column("category", String(1), nullable=False),
    Column("data", JSON, nullable=False),
    Column("history", JSON, nullable=False),
    Column("work_permit_number", String(18)),
    Column("created_at", String(40), nullable=False),
    Column("submitted_at", String(40)),
    Column("updated_at", String(40), nullable=False),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_applications_employer", "tenant_id", "employer_id", "seq"),
    Index("ix_applications_status", "tenant_id", "status", "seq"),
    Index("ix_applications_seq", "tenant_id", "seq"),
)

Table(
    "work_permits",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("number", String(18), nullable=False),
    Column("employer_id", String(32), nullable=False),
    Column("foreigner_id", String(32), nullable=False),
    Column("application_id", String(32)),
    Column("full_name", String(100), nullable=False),
    Column("category", String(1), nullable=False),
    Column("status", String(30), nullable=False),
    Column("form", String(20), nullable=False),
    Column("position", String(100), nullable=False),
    Column("province", String(2), nullable=False),
    Column("city", String(50)),
    Column("valid_from", String(10), nullable=False),
    Column("valid_to", String(10), nullable=False),
    Column("issued_at", String(40), nullable=False),
    Column("ended_on", String(10)),
    Column("end_reason", String(1000)),
    Column("entry_date", String(10)),
    Column("originals_checked_on", String(10)),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_work_permits_number_seq", "tenant_id", "number", "seq"),
    Index("ix_work_permits_employer", "tenant_id", "employer_id", "seq"),
    Index("ix_work_permits_valid_to", "tenant_id", "valid_to", "seq"),
)

Table(
    "insurance_registrations",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("ssn", String(18), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("employer_id", String(32), nullable=False),
    Column("foreigner_id", String(32), nullable=False),
    Column("work_permit_number", String(18)),
    Column("insured_from", String(10), nullable=False),
    Column("registered_on", String(10), nullable=False),
    Column("late", Boolean, nullable=False),
    Column("days_after_permit", Integer),
    Column("registered_at", String(40), nullable=False),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_insurance_employer", "tenant_id", "employer_id", "seq"),
)

Table(
    "essc_accounts",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("nationality", String(3), nullable=False),
    Column("passport_number", String(20), nullable=False),
    Column("birth_date", String(10), nullable=False),
    Column("full_name", String(100), nullable=False),
    Column("work_permit_number", String(18)),
    Column("ssn", String(18)),
    Column("password_hash", String(200), nullable=False),
    Column("status", String(40), nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("issued_at", String(40)),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_essc_person", "tenant_id", "nationality", "passport_number", "birth_date"),
)

Table(
    "social_security_cards",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("card_number", String(20), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("ssn", String(18), nullable=False),
    Column("status", String(30), nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_cards_ssn", "tenant_id", "ssn", "seq"),
)

Table(
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

Table(
    "journal",
    metadata,
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
    Column("direction", String(8), nullable=False, default="INBOUND"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_journal_tenant", "tenant_id", "id"),
)

Table(
    "callback_settings",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("secret", String(80), nullable=False),
    Column("secret_created_at", String(40), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("callback_seq", BigInteger, nullable=False, default=0),
    Column("event_seq", BigInteger, nullable=False, default=0),
    Column("delivery_seq", BigInteger, nullable=False, default=0),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
)

Table(
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

Table(
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

Table(
    "callback_deliveries",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("id", String(32), nullable=False),
    Column("callback_id", String(32), nullable=False),
    Column("event_seq", BigInteger, nullable=False),
    Column("url", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempt_count", Integer, nullable=False, default=0),
    Column("attempts", JSON, nullable=False),
    Column("due_at", Float, nullable=False),
    Column("held", Boolean, nullable=False, default=False),
    Column("claim", String(32)),
    Column("chaos", JSON, nullable=False),
    Column("redelivery_of", String(32)),
    Column("created_wall", Float, nullable=False),
    Column("delivered_wall", Float),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_callback_deliveries_due", "status", "due_at"),
    Index("ix_callback_deliveries_id", "tenant_id", "id"),
    Index("ix_callback_deliveries_callback", "tenant_id", "callback_id", "seq"),
)
"""One row per (event, callback): its state, its attempts and the chaos dice it drew."""


def adopt(conn: Connection) -> None:
    """Bring a database made before migrations, by any build of schema 7, to exactly these
    tables: create what it lacks (an index added by a later build) and drop retired indexes."""
    metadata.create_all(conn)
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        present = {str(index["name"]) for index in inspector.get_indexes(table.name)}
        for name in sorted(present.intersection(RETIRED_INDEXES)):
            conn.execute(text(f"DROP INDEX {name}"))
        for index in table.indexes:
            if index.name not in present:
                index.create(conn)
