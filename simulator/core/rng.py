"""One seeded source of randomness per tenant.

Nothing here keeps generator state in memory, so several worker processes agree: every value is
derived from the tenant seed and a purpose plus a counter that lives in the database. Same seed and
same sequence of requests, same identifiers.
"""

from __future__ import annotations

import base64
import hashlib
import random


def derive_bytes(seed: int, *parts: object, size: int = 16) -> bytes:
    message = "\x1f".join(str(part) for part in parts).encode()
    return hashlib.blake2b(message, key=seed.to_bytes(8, "big"), digest_size=size).digest()


def derive_random(seed: int, *parts: object) -> random.Random:
    """A generator for one purpose (a persona, a fault roll), reproducible from the seed."""
    return random.Random(int.from_bytes(derive_bytes(seed, *parts), "big"))


def public_id(prefix: str, seed: int, sequence: int) -> str:
    """``prefix_`` plus 12 base32 characters, unique per tenant and stable for a seed."""
    digest = derive_bytes(seed, "id", prefix, sequence, size=10)
    return f"{prefix}_{base64.b32encode(digest).decode().lower()[:12]}"


def code(seed: int, *parts: object, length: int = 10) -> str:
    """An upper-case base32 code (verification codes, letter numbers)."""
    return base64.b32encode(derive_bytes(seed, "code", *parts, size=10)).decode()[:length]
