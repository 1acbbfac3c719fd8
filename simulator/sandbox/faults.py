"""Fault injection (故障注入): per-tenant rules that slow down, fail or drop one operation's calls.

Rules live in the tenant's settings under ``faults`` (``{"seq": n, "rules": [...]}``), each with
``matched``, the count of requests it has seen. The n-th matching request of a rule draws from
``derive_random(seed, "fault", rule_id, n)``, and the count is kept in the database, so every worker
process rolls the same dice for the same sequence of requests. Counting costs one short write per
matching request; tenants without rules never reach the database on the request path (the web
side caches which operations have rules, see :class:`RuleCache`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, select, update

from simulator import specs
from simulator.core import rng
from simulator.core.errors import DomainError
from simulator.store.db import Database
from simulator.store.schema import tenants
from simulator.store.tenancy import settings_of

KINDS = ("LATENCY", "ERROR", "DROP")
MAX_LATENCY_MS = 30_000
RETRY_STATUSES = frozenset({429, 503})
CACHE_SECONDS = 1.0
FAULTABLE = tuple(base for name, (base, _) in specs.SURFACES.items() if name != "sandbox")
"""Path prefixes rules apply to: never the control plane, so a tester can always remove them."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    operation_id: str
    kind: str
    probability: float = 1.0
    latency_ms: int | None = None
    latency_min_ms: int | None = None
    latency_max_ms: int | None = None
    status: int | None = None
    retry_after_s: int | None = None
    limit: int | None = None  # only the first ``limit`` matching requests are faulted

    def label(self) -> str:
        """What the journal and the ``X-Sandbox-Fault`` header show."""
        what = {"ERROR": f"ERROR {self.status}", "LATENCY": "LATENCY"}.get(self.kind, self.kind)
        return f"{what} {self.id}"


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule that fired on one request; ``delay_ms`` for LATENCY."""

    rule: Rule
    delay_ms: int = 0


# --- the operations rules can name --------------------------------------------------------------

@cache
def operation_ids() -> frozenset[str]:
    """Every faultable operation (``specs.routes``). Which one a request is, connexion's routing
    says (``web/fault_middleware.py``)."""
    return frozenset(operation_id for _, _, operation_id, name in specs.routes()
                     if specs.SURFACES[name][0] in FAULTABLE)


def resolve(name: str) -> str:
    """The operationId a rule names: one of /fwp/v1 or /ssc/v1 (``getEmployer``), or, until the
    next release, the old form it was renamed from (``get_employer``, the full Python path)."""
    known = operation_ids()
    found = specs.from_old_name(name)
    if found in known:
        return found
    hint = next((f"; did you mean {o!r}?" for o in known if o.lower() == found.lower()), ".")
    raise _invalid(f"operation_id {name!r} names no operation of /fwp/v1 or /ssc/v1{hint}",
                   f"operation_id {name!r} 不对应 /fwp/v1 或 /ssc/v1 的接口操作。", "operation_id")


# --- rules (control plane) ----------------------------------------------------------------------

def _stored(conn: Connection, tenant_id: str, *, lock: bool = False) -> dict[str, Any]:
    return _current(settings_of(conn, tenant_id, lock=lock).get("faults"))


def _current(faults: dict[str, Any] | None) -> dict[str, Any]:
    """A tenant's stored rules, each naming its operation by the short operationId even when
    0.1.0 stored the Python path (saved back so on the next write)."""
    faults = dict(faults or {"seq": 0, "rules": []})
    return {**faults, "rules": [{**r, "operation_id": specs.from_old_name(r["operation_id"])}
                                for r in faults["rules"]]}


def _save(conn: Connection, tenant_id: str, faults: dict[str, Any]) -> None:
    settings = {**settings_of(conn, tenant_id), "faults": faults}
    conn.execute(update(tenants).where(tenants.c.id == tenant_id).values(settings=settings))


def _invalid(detail: str, detail_zh: str, field: str) -> DomainError:
    return DomainError("E_FAULT_RULE_INVALID", detail, detail_zh, field)


def _checked(body: dict[str, Any]) -> dict[str, Any]:
    """The rule's fields for its kind; the schema checked each field, this their combination."""
    kind, rule = body["kind"], {"kind": body["kind"], "probability": body.get("probability", 1.0),
                                "limit": body.get("limit")}
    if kind == "LATENCY":
        fixed, low, high = (body.get(k) for k in ("latency_ms", "latency_min_ms", "latency_max_ms"))
        ranged = low is not None or high is not None
        if (fixed is not None) == ranged or (ranged and (low is None or high is None)):
            raise _invalid("LATENCY needs latency_ms, or both latency_min_ms and latency_max_ms.",
                           "LATENCY 需要 latency_ms，或同时给出 latency_min_ms 和 latency_max_ms。",
                           "latency_ms")
        if low is not None and high is not None and low > high:
            raise _invalid("latency_min_ms is above latency_max_ms.",
                           "latency_min_ms 大于 latency_max_ms。", "latency_min_ms")
        rule.update(latency_ms=fixed, latency_min_ms=low, latency_max_ms=high)
    elif kind == "ERROR":
        if body.get("status") is None:
            raise _invalid("ERROR needs a status.", "ERROR 需要 status。", "status")
        rule["status"] = body["status"]
        if body["status"] in RETRY_STATUSES:
            rule["retry_after_s"] = body.get("retry_after_s", 1)
    return rule


def list_rules(db: Database, tenant_id: str) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [view(r) for r in _stored(conn, tenant_id)["rules"]]


def add_rule(conn: Connection, tenant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    rule = {"operation_id": resolve(body["operation_id"]), **_checked(body)}
    faults = _stored(conn, tenant_id, lock=True)  # the dice count under the same lock (roll)
    seed = conn.execute(select(tenants.c.seed).where(tenants.c.id == tenant_id)).scalar_one()
    rule = {"id": rng.public_id("flt", seed, faults["seq"]), **rule, "matched": 0}
    _save(conn, tenant_id, {"seq": faults["seq"] + 1, "rules": [*faults["rules"], rule]})
    return view(rule)


def remove_rule(conn: Connection, tenant_id: str, rule_id: str) -> None:
    faults = _stored(conn, tenant_id, lock=True)
    kept = [r for r in faults["rules"] if r["id"] != rule_id]
    if len(kept) == len(faults["rules"]):
        raise DomainError("E_NOT_FOUND", f"No fault {rule_id} for this tenant.",
                          f"不存在该故障规则：{rule_id}。", "faultId")
    _save(conn, tenant_id, {**faults, "rules": kept})


def view(stored: dict[str, Any]) -> dict[str, Any]:
    return {**asdict(_rule(stored)), "matched": stored.get("matched", 0)}


def _rule(stored: dict[str, Any]) -> Rule:
    return Rule(**{k: v for k, v in stored.items() if k != "matched"})


# --- the dice (request path, in a worker thread) ------------------------------------------------

def roll(db: Database, tenant_id: str, operation_id: str) -> list[Hit]:
    """Count this request against each of the operation's rules and roll their dice."""
    with db.write() as conn:
        return count(conn, tenant_id, operation_id)


def count(conn: Connection, tenant_id: str, operation_id: str) -> list[Hit]:
    """:func:`roll` inside ``conn``'s transaction, the tenant row locked until it ends."""
    row = conn.execute(select(tenants.c.seed, tenants.c.settings)
                       .where(tenants.c.id == tenant_id).with_for_update()).first()
    if row is None:
        return []
    faults = _current((row.settings or {}).get("faults"))
    rules = faults["rules"]
    hits = [hit for stored in rules if stored["operation_id"] == operation_id
            if (hit := _draw(row.seed, stored)) is not None]
    if any(r["operation_id"] == operation_id for r in rules):
        _save(conn, tenant_id, {**faults, "rules": rules})
    return hits


def _draw(seed: int, stored: dict[str, Any]) -> Hit | None:
    """Bumps ``matched``; the n-th request's dice come from the seed, the rule and n. Past its
    ``limit`` a rule only counts (an exact "the next n calls fail", whatever the client's pace)."""
    n, stored["matched"] = stored.get("matched", 0), stored.get("matched", 0) + 1
    rule = _rule(stored)
    dice = rng.derive_random(seed, "fault", rule.id, n)
    if (rule.limit is not None and n >= rule.limit) or not dice.random() < rule.probability:
        return None
    if rule.kind != "LATENCY":
        return Hit(rule)
    delay = rule.latency_ms if rule.latency_ms is not None else dice.randint(
        rule.latency_min_ms or 0, rule.latency_max_ms or 0)
    return Hit(rule, min(delay, MAX_LATENCY_MS))


# --- which tenants have rules (request path, cached) ---------------------------------------------

class RuleCache:
    """Per tenant, the operations that have rules, for CACHE_SECONDS; a change made through this
    process's control plane is seen at once, one made through another worker within the TTL."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._entries: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def fresh(self, tenant_id: str) -> frozenset[str] | None:
        """The cached operations, or ``None`` when they must be loaded."""
        entry = self._entries.get(tenant_id)
        return entry[1] if entry is not None and entry[0] > time.monotonic() else None

    def load(self, tenant_id: str) -> frozenset[str]:
        with self.db.read() as conn:
            row = conn.execute(select(tenants.c.settings).where(tenants.c.id == tenant_id)).first()
        rules = _current((row.settings or {}).get("faults"))["rules"] if row else []
        operations = frozenset(r["operation_id"] for r in rules)
        with self._lock:
            if len(self._entries) > 10_000:  # bounded: forget everyone, reload on demand
                self._entries.clear()
            self._entries[tenant_id] = (time.monotonic() + CACHE_SECONDS, operations)
        return operations

    def forget(self, tenant_id: str) -> None:
        self._entries.pop(tenant_id, None)


_caches: WeakKeyDictionary[Database, RuleCache] = WeakKeyDictionary()


def cache_for(db: Database) -> RuleCache:
    found = _caches.get(db)
    if found is None:
        found = _caches[db] = RuleCache(db)
    return found


def forget(db: Database, tenant_id: str) -> None:
    """After a change of the tenant's rules has committed (forgotten before, a request of another
    thread could cache the old rules again for CACHE_SECONDS)."""
    cache_for(db).forget(tenant_id)
