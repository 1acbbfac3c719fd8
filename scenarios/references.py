"""The references the catalogue's checks enforce, registered in the engine's registry.

Notice points are numbered as in ``docs/domain.md`` §1.1 (NOTICE-75-1 … 8), domain rules by
their section of ``docs/domain.md``, HTTP behaviour by the RFC clause.
"""

from __future__ import annotations

from simulator.conform.model import Reference, explain_uncovered, register_references

DOMAIN = "docs/domain.md"

register_references(
    Reference("NOTICE-75-1", "The permit's information is carried by the holder's social security "
              "card, physical and electronic"),
    Reference("NOTICE-75-2", "A valid physical permit is neither changed nor replaced (不变不换) "
              "until its next extension or change"),
    Reference("NOTICE-75-3", "A physical-permit holder gets an e-SSC only after the employer's "
              "Reissue Electronic Work Permit is approved"),
    Reference("NOTICE-75-4", "Applying, extending, changing and cancelling are all online"),
    Reference("NOTICE-75-5", "The pre-entry application yields the notification letter and the "
              "permit; the post-entry application is gone"),
    Reference("NOTICE-75-6", "The foreigner registers the e-SSC with name and permit number and "
              "passes identity checks"),
    Reference("NOTICE-75-7", "Permit status and expiry can be read in real time"),
    Reference("NOTICE-75-8", "Appointments for permit business are no longer needed"),
    Reference("DOMAIN-5.1", f"{DOMAIN} §5.1: deadlines (extension lead time, change, cancellation)"),
    Reference("DOMAIN-5.1-ORIGINALS", f"{DOMAIN} §5.1: the originals check of categories B and C "
              "within 30 days of entry"),
    Reference("DOMAIN-5.1-EXTENSION", f"{DOMAIN} §5.1: an extension filed before the permit's last "
              "day, outside the lead time"),
    Reference("DOMAIN-5.1-CHANGE", f"{DOMAIN} §5.1: a change of name, passport, position or place "
              "within 10 days of the event"),
    Reference("DOMAIN-5.1-CANCELLATION", f"{DOMAIN} §5.1: cancellation within 10 working days of "
              "the contract's end"),
    Reference("DOMAIN-5.1-INSURANCE", f"{DOMAIN} §5.1: social insurance registered within 30 days "
              "of the permit"),
    Reference("DOMAIN-5.1-FRESHNESS", f"{DOMAIN} §5.1: criminal record and health certificate at "
              "most 6 months old"),
    Reference("DOMAIN-5.1-REVIEW", f"{DOMAIN} §5.1: pre-review in 5 working days, review in 5 or 10, "
              "the statutory 20 (+10)"),
    Reference("DOMAIN-5.2", f"{DOMAIN} §5.2: the application's states; every defect told at once"),
    Reference("DOMAIN-5.3", f"{DOMAIN} §5.3: the permit after approval (extension, reissue, expiry)"),
    *(Reference(f"DOMAIN-6.{n}", f"{DOMAIN} §6 rule {n}: {title}") for n, title in enumerate((
        "the employer's code is valid and the employer registered before filing",
        "age at least 18 when filed; category B at most 60 without a relaxation reason",
        "category B needs a bachelor's and 2 years, or another route of §4.1",
        "the claimed category agrees with the evidence (points)",
        "documents fresh; the passport valid at least 6 more months",
        "foreign documents translated; degrees and criminal records legalised",
        "the contract names place, duties, pay, period and position",
        "one active permit per person",
        "identifier formats of §3",
        "e-SSC registration: the passport name, a permit in force, the password policy",
        "deadlines: no extension after the last day; late filings flagged",
        "a permanent-resident card holder needs no permit"), start=1)),
    Reference("RFC9110-9.2.2", "RFC 9110 §9.2.2: POST is not idempotent; a client must not "
              "repeat it blindly", "https://www.rfc-editor.org/rfc/rfc9110#section-9.2.2"),
    Reference("RFC9110-10.2.3", "RFC 9110 §10.2.3: Retry-After says how long to wait",
              "https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3"),
    Reference("RFC6585-4", "RFC 6585 §4: 429 Too Many Requests, with Retry-After",
              "https://www.rfc-editor.org/rfc/rfc6585#section-4"),
    Reference("IDEMPOTENCY-KEY", "The Idempotency-Key HTTP header (IETF httpapi draft): one key per "
              "operation, the same on every retry",
              "https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/"),
    Reference("RFC6749-4.4", "RFC 6749 §4.4: client-credentials tokens, reused until they expire",
              "https://www.rfc-editor.org/rfc/rfc6749#section-4.4"),
    Reference("RFC6750-3.1", "RFC 6750 §3.1: invalid_token (401): the client may request a new "
              "access token and retry", "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"),
    Reference("FWP-SPEC", "The sandbox's OpenAPI specs (specs/*.yaml): every request valid"),
    Reference("FWP-CALLBACKS", "README, Callbacks: verify the signature on the raw body, refuse "
              "old timestamps, deduplicate on X-Sandbox-Event-Id, answer 2xx fast"),
    Reference("FWP-PERSONAS", "README, Test data and the control plane: synthetic people only (the "
              "seeded personas and the ones a test makes up), never real personal data"),
    Reference("FWP-POLLING", "README, Callbacks: learn about changes without polling; poll, if at "
              "all, at a bounded rate"),
)


UNCOVERED: dict[str, str] = {
    "DOMAIN-5.1-REVIEW": "the authority's time limits (the officer's), not the client's: the "
                         "sandbox keeps them, a client cannot break them",
    "DOMAIN-5.1-FRESHNESS": "the sandbox refuses stale documents at filing (E_DOC_EXPIRED); the "
                            "steps hand the client fresh ones, so a client breaks it only by "
                            "altering HR data, which the refusal already tells",
    **{f"DOMAIN-6.{n}": "validated by the sandbox at filing: the steps hand the client valid data, "
                        "so a client breaks it only by altering it, and the refusal (422 naming the "
                        "field) tells it at once" for n in (1, 2, 3, 4, 5, 6, 7, 9)},
    "DOMAIN-6.10": "validated by the e-SSC at registration (the passport name, a permit in force, "
                   "the password policy): the steps hand the foreigner's app valid data; retrying a "
                   "refusal is judged by FWP-LEG-01",
    "DOMAIN-6.12": "a PR-card holder's optional application: nothing a client can get wrong",
}
"""Why a registered reference has no check (the traceability listing shows it; a test keeps this
in step with the catalogue: every uncovered reference has a reason, and no covered one has)."""
explain_uncovered(UNCOVERED)
