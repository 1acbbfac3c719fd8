"""The work-permit service's tables: foreigners, the persons they are across applications,
applications and the permits granted.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
)

from simulator.store.schema.base import metadata

foreigners = Table(
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
    # The passport name behind an e-SSC registration or login (services/ssc/identity.py).
    Index("ix_foreigners_passport", "tenant_id", "nationality", "passport_number", "birth_date",
          "seq"),
)

# A person: a stable id of their own (what the e-SSC account and its sessions hang on), found from
# an employer's foreigner record by nationality, passport number and birth date (docs/domain.md §3.3),
# a key an approved passport change moves (services/persons.py); the work-permit number and the
# SSN, once assigned, are theirs for life.
persons = Table(
    "persons",
    metadata,
    Column("tenant_id", String(32), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("nationality", String(3), nullable=False),
    Column("passport_number", String(20), nullable=False),
    Column("birth_date", String(10), nullable=False),
    Column("work_permit_number", String(18)),
    Column("ssn", String(18)),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    Index("ux_persons_passport", "tenant_id", "nationality", "passport_number", "birth_date",
          unique=True),
    Index("ix_persons_permit", "tenant_id", "work_permit_number"),
    Index("ix_persons_ssn", "tenant_id", "ssn", unique=True),
)

applications = Table(
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
    # The employer's list filtered by foreigner: without it, a walk of all the employer's (schema 9).
    Index("ix_applications_foreigner", "tenant_id", "foreigner_id", "seq"),
    # A tenant's applications page by page in seq order (the officer's list), without a sort.
    Index("ix_applications_seq", "tenant_id", "seq"),
)

work_permits = Table(
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
    # The newest grant of a number (the e-SSC card, every permit read) is one seek, not a walk
    # back through the tenant's grants: 428 us for an old permit among 3,000, 3.5 us with seq.
    Index("ix_work_permits_number_seq", "tenant_id", "number", "seq"),
    Index("ix_work_permits_employer", "tenant_id", "employer_id", "seq"),
    # The permits ending in a window (reminders, services/workpermit/messages.py).
    Index("ix_work_permits_valid_to", "tenant_id", "valid_to", "seq"),
)
