"""The references the catalogue's checks enforce, registered in the engine's registry.

Notice points are numbered as in ``docs/domain.md`` §1.1 (NOTICE-75-1 … 8), domain rules by
their section of ``docs/domain.md``, HTTP behaviour by the RFC clause.
"""

from __future__ import annotations

from simulator.conform.model import Reference, register_references

DOMAIN = "docs/domain.md"

register_references(
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
    Reference("DOMAIN-5.2", f"{DOMAIN} §5.2: the application's states; every defect told at once"),
    Reference("DOMAIN-5.3", f"{DOMAIN} §5.3: the permit after approval (extension, reissue, expiry)"),
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
    Reference("FWP-SPEC", "The sandbox's OpenAPI specs (specs/*.yaml): every request valid"),
    Reference("FWP-CALLBACKS", "README, Callbacks: verify the signature on the raw body, refuse "
              "old timestamps, deduplicate on X-Sandbox-Event-Id, answer 2xx fast"),
    Reference("FWP-POLLING", "README, Callbacks: learn about changes without polling; poll, if at "
              "all, at a bounded rate"),
)
