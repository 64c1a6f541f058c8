"""Webhook signature checks, each as its platform documents it, compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac


def hmac_sha256(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


def valid_base64_hmac(secret: str, body: bytes, header: str | None) -> bool:
    """Shopify, WooCommerce, Haravan, Sapo: base64(HMAC-SHA256(raw body, secret))."""
    if not header:
        return False
    expected = base64.b64encode(hmac_sha256(secret, body)).decode()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def valid_hex_hmac(secret: str, body: bytes, header: str | None) -> bool:
    """Generic connector: `sha256=<hex HMAC-SHA256 of the raw body>` (the prefix is optional)."""
    if not header:
        return False
    given = header.strip().removeprefix("sha256=").lower()
    expected = hmac_sha256(secret, body).hex()
    return hmac.compare_digest(expected.encode(), given.encode())
