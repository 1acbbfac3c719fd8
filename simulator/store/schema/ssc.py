"""The social-security-card backend's tables: insurance registrations, e-SSC accounts and
physical cards.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
)

from simulator.store.schema.base import metadata

insurance_registrations = Table(
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

essc_accounts = Table(
    "essc_accounts",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    # The person (persons.id), never their passport: a new passport keeps the e-SSC, its
    # sessions and messages; the permit number and SSN are read from the person.
    Column("person_id", String(32), nullable=False),
    Column("full_name", String(100), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("status", String(40), nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("issued_at", String(40)),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ix_essc_accounts_person", "tenant_id", "person_id"),
)

social_security_cards = Table(
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
