"""Password hashing with argon2id.

Production uses argon2-cffi's RFC 9106 "low memory" defaults. The test suite sets
CARELOOP_PASSWORD_HASH=fast (tests/conftest.py) so thousands of logins stay quick; a hash
records its own parameters, so a fast hash made in a test still verifies anywhere, and a
real login re-hashes it with the production parameters (`needs_rehash`)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from careloop.core.settings import current_settings

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
_PRODUCTION = PasswordHasher()
# Cheapest parameters argon2 allows: for tests only, never selected by default.
_FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _hasher() -> PasswordHasher:
    return _FAST if current_settings().password_hash == "fast" else _PRODUCTION


def password_problem(password: str) -> str | None:
    """Why `password` cannot be used, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters"
    return None


def hash_password(password: str) -> str:
    if (problem := password_problem(password)) is not None:
        raise ValueError(f"password: {problem}")
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
