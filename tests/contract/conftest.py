"""Contract tests: each platform's and provider's published sample requests, replayed through
Careloop's real HTTP stack (the FastAPI app with its middleware, via Starlette's client) and
the channel tests' local servers (a real aiosmtpd SMTP server, one local HTTP server speaking
Twilio's, eSMS's and Zalo's documented APIs), signed as each documentation says."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path

import pytest

from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.channels.conftest import providers, smtp_server

__all__ = ["base64_hmac", "connect", "providers", "raw", "smtp_server"]

SAMPLES = Path(__file__).parent.parent / "fixtures"
SECRET = "contract-secret-0123456789"


def raw(platform: str, name: str) -> bytes:
    """A published sample exactly as stored: these bytes are what gets signed and sent."""
    return (SAMPLES / platform / name).read_bytes()


def base64_hmac(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def connect(ctx: AppContext, shop: Shop) -> Callable[..., None]:
    def factory(platform: str, verify_token: str | None = None) -> None:
        with ctx.sessions() as s, s.begin():
            add_connector(
                session=s,
                clock=ctx.clock,
                shop=s.merge(shop),
                platform=platform,
                secret=SECRET,
                verify_token=verify_token,
            )

    return factory
