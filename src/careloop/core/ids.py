"""Random identifiers and secrets."""

from __future__ import annotations

import hashlib
import secrets

# Crockford-style alphabet without look-alikes (0/O, 1/I/L) for codes people type.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def human_code(length: int = 8) -> str:
    """A code a customer can read aloud or type: referral codes, coupons."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_api_key() -> str:
    return "cl_" + secrets.token_urlsafe(32)


def sha256_hex(value: str) -> str:
    # API keys are 256-bit random, so a fast hash is enough (no brute force possible);
    # passwords, which are guessable, use argon2 instead.
    return hashlib.sha256(value.encode()).hexdigest()
