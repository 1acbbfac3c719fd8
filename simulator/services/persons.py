"""The person behind an employer's foreigner records, shared by both services.

A person is one ``persons`` row per tenant with an id of its own. An employer's foreigner record
finds its person by nationality, passport number and birth date (docs/domain.md §3.3: the SSN is coded
from the passport); the work-permit number and the social security number are the person's for
life. Everything that belongs to the person rather than to a passport (the e-SSC account, and
through it its sessions and messages; the physical card, through the SSN) hangs on the person's
id. So an approved passport change only moves the key (:func:`renew_passport`): the person, their
numbers and their e-SSC go on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, select, update

from simulator.core.errors import DomainError, raise_all
from simulator.store import direct
from simulator.store.schema import essc_accounts, foreigners, persons
from simulator.store.tenancy import TenantScope

KEY = ("nationality", "passport_number", "birth_date")
"""How a foreigner record names its person."""

_BY_KEY = select(persons).where(
    persons.c.tenant_id == bindparam("tenant"), persons.c.nationality == bindparam("nationality"),
    persons.c.passport_number == bindparam("passport"), persons.c.birth_date == bindparam("birth"))


def _key(tenant_id: str, record: direct.Row, passport: str | None = None) -> dict[str, Any]:
    return {"tenant": tenant_id, "nationality": record["nationality"],
            "passport": passport or record["passport_number"], "birth": record["birth_date"]}


def of(conn: Connection, tenant_id: str, record: direct.Row) -> dict[str, Any] | None:
    """The person a foreigner record (or anything with its passport key) names, if any."""
    return direct.first(conn, _BY_KEY, _key(tenant_id, record))


def by_id(conn: Connection, tenant_id: str, person_id: str) -> RowMapping:
    """A person by id; every id stored anywhere names a row (persons are never deleted but with
    their tenant)."""
    return conn.execute(select(persons).where(
        persons.c.tenant_id == tenant_id, persons.c.id == person_id)).mappings().one()


def new_id(first_number: str) -> str:
    """A person's id, from the first number they were given (a permit number or an SSN, each
    unique in a tenant and never reused; the two never look alike): fixed from then on, whatever
    their passport, and drawing no sequence number, so the ids of everything else stay as they
    were for the same seed."""
    return f"prs_{first_number.lower()}"


def assign(scope: TenantScope, record: direct.Row, **numbers: str) -> str:
    """Give the person of ``record`` their ``work_permit_number`` or ``ssn``, creating the person
    on first use; returns the person's id."""
    person = of(scope.conn, scope.tenant_id, record)
    if person is None:
        person_id = new_id(next(iter(numbers.values())))
        scope.conn.execute(persons.insert().values(
            tenant_id=scope.tenant_id, id=person_id, nationality=record["nationality"],
            passport_number=record["passport_number"], birth_date=record["birth_date"], **numbers))
        return person_id
    scope.conn.execute(update(persons).where(
        persons.c.tenant_id == scope.tenant_id, persons.c.id == person["id"]).values(**numbers))
    return str(person["id"])


def taken_passport(conn: Connection, tenant_id: str, holder: direct.Row,
                   passport: str) -> Iterator[DomainError]:
    """A new passport number cannot be one another person is already known by (their permit
    or SSN was assigned under it): the two would become one."""
    if direct.first(conn, _BY_KEY, _key(tenant_id, holder, passport)) is not None:
        yield DomainError(
            "E_PASSPORT_IN_USE",
            f"Passport {passport} of this nationality and birth date belongs to another person "
            "known to the system; check the number.",
            f"该国籍和出生日期下的护照号码{passport}已属于另一名外国人，请核对。",
            "passport_number")


def renew_passport(scope: TenantScope, holder: direct.Row, changes: dict[str, Any]) -> None:
    """An approved change of name or passport: every foreigner record of the person (each
    employer's copy of the same passport) and the person's key follow it; the e-SSC shows the
    new name. ``holder`` is the record as it was before the change."""
    if "passport_number" in changes:
        raise_all(taken_passport(scope.conn, scope.tenant_id, holder, changes["passport_number"]))
    person = of(scope.conn, scope.tenant_id, holder)
    scope.conn.execute(update(foreigners).where(
        foreigners.c.tenant_id == scope.tenant_id,
        *(foreigners.c[column] == holder[column] for column in KEY)).values(**changes))
    if person is None:
        return  # no number assigned under this passport yet: nothing else names it
    if "passport_number" in changes:
        scope.conn.execute(update(persons).where(
            persons.c.tenant_id == scope.tenant_id, persons.c.id == person["id"],
        ).values(passport_number=changes["passport_number"]))
    if "full_name" in changes:
        scope.conn.execute(update(essc_accounts).where(
            essc_accounts.c.tenant_id == scope.tenant_id, essc_accounts.c.person_id == person["id"],
        ).values(full_name=changes["full_name"]))
