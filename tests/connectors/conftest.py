from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.shops.models import Shop

FIXTURES = Path(__file__).parent.parent / "fixtures" / "connectors"
SECRET = "whsec-test-0123456789"
HEADERS = {
    "shopify": ("X-Shopify-Hmac-Sha256", "X-Shopify-Topic"),
    "woocommerce": ("X-WC-Webhook-Signature", "X-WC-Webhook-Topic"),
    "haravan": ("X-Haravan-Hmacsha256", "X-Haravan-Topic"),
    "sapo": ("X-Sapo-Hmac-Sha256", "X-Sapo-Topic"),
}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def sign_base64(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def connect(ctx: AppContext, shop: Shop) -> Callable[..., None]:
    def factory(platform: str, mapping: dict[str, Any] | None = None) -> None:
        with ctx.sessions() as s, s.begin():
            add_connector(
                session=s,
                clock=ctx.clock,
                shop=s.merge(shop),
                platform=platform,
                secret=SECRET,
                mapping=mapping,
            )

    return factory


Deliver = Callable[..., httpx.Response]


@pytest.fixture
def deliver(app_client: TestClient) -> Deliver:
    """Posts a payload as the platform would: raw bytes, its signature and topic headers."""

    def send(
        platform: str,
        topic: str,
        payload: Any,
        *,
        delivery_id: str | None = None,
        secret: str = SECRET,
        shop: str = "acme",
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        signature_header, topic_header = HEADERS[platform]
        headers = {signature_header: sign_base64(body, secret), topic_header: topic}
        if delivery_id and platform == "shopify":
            headers["X-Shopify-Webhook-Id"] = delivery_id
        if delivery_id and platform == "woocommerce":
            headers["X-WC-Webhook-Delivery-ID"] = delivery_id
        return app_client.post(
            f"/api/v1/webhooks/{platform}/{shop}",
            content=body,
            headers={**headers, "Content-Type": "application/json"},
        )

    return send
