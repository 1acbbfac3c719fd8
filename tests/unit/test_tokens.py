"""Bearer tokens: signed, expiring, and remembered once verified without trusting the memory
past a token's expiry or for a token that was never valid."""

from __future__ import annotations

import pytest

from simulator.web.tokens import Principal, TokenSigner

ALICE = Principal(tenant_id="ten_aaaaaaaaaaaa", subject="emp_aaaaaaaaaaaa", kind="employer")


@pytest.fixture
def signer() -> TokenSigner:
    return TokenSigner(b"k" * 32, ttl_seconds=60)


def test_a_token_verifies_until_it_expires_even_once_remembered(signer: TokenSigner) -> None:
    token = signer.issue(ALICE, now=1000)
    assert signer.verify(token, now=1000) == ALICE
    assert signer.verify(token, now=1060) == ALICE  # remembered, still valid
    assert signer.verify(token, now=1061) is None
    assert TokenSigner(b"k" * 32, 60).verify(token, now=1061) is None  # and without the memory


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),           # signature
    lambda t: t.replace("emp_aaaaaaaaaaaa", "emp_bbbbbbbbbbbb"),  # subject
    lambda t: "v2" + t[2:],                                        # version
    lambda t: t + ".x",                                            # shape
])
def test_a_tampered_token_is_refused_before_and_after_the_real_one_was_verified(
        signer: TokenSigner, tamper: object) -> None:
    token = signer.issue(ALICE, now=1000)
    forged = tamper(token)  # type: ignore[operator]
    assert signer.verify(forged, now=1000) is None
    assert signer.verify(token, now=1000) == ALICE
    assert signer.verify(forged, now=1000) is None


def test_another_secret_refuses_the_token(signer: TokenSigner) -> None:
    token = signer.issue(ALICE, now=1000)
    assert signer.verify(token, now=1000) == ALICE
    assert TokenSigner(b"x" * 32, 60).verify(token, now=1000) is None


def test_the_memory_is_bounded(signer: TokenSigner) -> None:
    for i in range(TokenSigner.CACHE_SIZE + 10):
        principal = Principal(tenant_id="ten_aaaaaaaaaaaa", subject=f"emp_{i:012d}", kind="employer")
        assert signer.verify(signer.issue(principal, now=1000), now=1000) == principal
    assert len(signer._verified) <= TokenSigner.CACHE_SIZE
