"""The harness's cross-scenario checks on the journal of a vendor client under load.

What the checks judge in one scenario holds across a whole load run too: no duplicate filing,
every create keyed and its retries reusing the key, Retry-After honoured and 5xx retried with
backoff, no blind re-send, bounded polling. Besides those, a load run asks one thing of its own:
no server error that the client caused, i.e. a 5xx that no fault rule injected (the sandbox
promises never to answer 500, so one is a request that broke it). Each check's verdict becomes a
row of the objectives table, failed when it has findings (MUST and SHOULD alike: a load run
grades the client's habits under stress, where a warning is the thing being looked for).
"""

from __future__ import annotations

from typing import Any

from scenarios import views
from scenarios.common_checks import DUP_01, POLL_01
from scenarios.retry_checks import IDEM_01, IDEM_02, IDEM_03, RETRY_01, RETRY_02
from simulator.conform import journal
from simulator.conform.model import Check, Evidence, Finding, Level
from simulator.loadtest.verdicts import Row
from simulator.testing import Tenant


def _caused_server_errors(evidence: Evidence) -> list[Finding]:
    return [Finding(seen=f"{views.describe(e)} with no fault rule behind it",
                    expected="no request of the client makes the sandbox fail",
                    fix="look at the request in the journal: the sandbox should have refused it with a "
                        "4xx problem; report it to the sandbox's maintainers",
                    entries=views.ids(e))
            for e in views.client(evidence.entries) if e["status"] >= 500 and not e.get("fault")]


SRV_01 = Check("FWP-LOAD-SRV-01", "No server error the client caused (a 5xx without a fault rule)",
               Level.MUST, ("FWP-SPEC",), _caused_server_errors)
CHECKS: tuple[Check, ...] = (DUP_01, IDEM_01, IDEM_02, IDEM_03, RETRY_01, RETRY_02, POLL_01, SRV_01)


def judge(journals: list[tuple[list[dict[str, Any]], Tenant]],
          checks: tuple[Check, ...] = CHECKS) -> list[Row]:
    """One row per check: its findings over every client instance's journal, the first one's text
    masked as the harness's reports are (a polled URL may carry a token the client sent in it)."""
    masker = journal.Masker()
    for entries, _ in journals:
        masker.learn_journal(entries)
    rows = []
    for check in checks:
        findings = [f for entries, tenant in journals for f in check.judge(Evidence(entries, tenant, {}))]
        first = f": {masker.text(findings[0].seen)}"[:160] if findings else ""
        measured = f"{len(findings)} finding(s){first}"
        rows.append(Row(f"{check.id} {check.title}", measured, not findings))
    return rows


def judge_tenants(http: Any, tenants: list[dict[str, Any]]) -> tuple[list[Row], int]:
    """The checks' rows on the vendor tenants' settled journals, and how many entries they had."""
    journals = []
    for tenant in tenants:
        handle = Tenant(http, tenant["id"], tenant["admin_key"], {}, 0)
        journals.append((journal.settled(handle, journal.SETTLE_S), handle))
    return judge(journals), sum(len(entries) for entries, _ in journals)
