"""API keys: random high-entropy tokens, stored only as SHA-256 hashes, looked up by a prefix id.

A key reads ``sw_<key_id>_<secret>``. The ``key_id`` is stored in clear to find the row; the
whole key is hashed, so a stolen database does not hand out working keys.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_PREFIX = "sw"
ROLES = ("admin", "planner", "supervisor", "agent", "routing", "data_scientist")
"""Every role a key can carry (DESIGN.md, Roles)."""


@dataclass(frozen=True)
class NewKey:
    """A freshly made key: the clear text (shown once) and what is stored."""

    key_id: str
    key: str
    key_hash: str


def hash_key(key: str) -> str:
    """SHA-256 hex digest of a whole key (keys are 256-bit random, so no salt or stretching)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def make_key() -> NewKey:
    """Make a new random key (32 random bytes) with a 12-hex-digit lookup id."""
    key_id = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key_id=key_id, key=key, key_hash=hash_key(key))


def split_key(key: str) -> str | None:
    """The lookup id of a presented key, or None when it is not shaped like a Seatwise key."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 12:
        return None
    return parts[1]


def key_matches(key: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented key with a stored hash."""
    return hmac.compare_digest(hash_key(key), stored_hash)
