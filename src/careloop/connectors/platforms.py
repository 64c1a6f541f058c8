"""The platforms Careloop takes webhooks from: how each signs, names its topic and delivery,
and which mapper reads its JSON."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from careloop.connectors import generic, haravan, sapo, shopify, woocommerce
from careloop.connectors.mapped import Mapped
from careloop.connectors.signatures import valid_base64_hmac, valid_hex_hmac

Mapper = Callable[[dict[str, Any], str, Any], Mapped]  # (connector mapping, topic, payload)


@dataclass(frozen=True)
class Platform:
    name: str
    label: str
    signature_header: str
    topic_header: str | None
    delivery_header: str | None
    verify: Callable[[str, bytes, str | None], bool]
    mapper: Mapper
    docs: str
    # The platform's event id when it sends one (the same on every retry of one event).
    event_header: str | None = None

    def topic(self, headers: Mapping[str, str]) -> str:
        return headers.get(self.topic_header.lower(), "") if self.topic_header else "order"

    def delivery_id(
        self, headers: Mapping[str, str], mapping: dict[str, Any], data: Any, body: bytes
    ) -> str:
        """The platform's event identity plus the sha256 of the body.

        A platform's delivery id alone is not unique: WooCommerce makes it from the webhook id
        and the current second (`get_new_delivery_id()` in woocommerce/woocommerce
        `includes/class-wc-webhook.php`: `wp_hash( $this->get_id() . strtotime( 'now' ) )`),
        so two order updates in one second share it. With the body's digest, distinct
        deliveries both count and a true repeat (same id, same bytes) counts once."""
        own = headers.get(self.event_header.lower(), "") if self.event_header else ""
        if not own and self.delivery_header:
            own = headers.get(self.delivery_header.lower(), "")
        if not own and self.name == "generic":
            own = generic.delivery_id(mapping, data) or ""
        identity = (own or self.topic(headers) or "-").strip()[:60]
        return f"{identity}:{hashlib.sha256(body).hexdigest()}"


PLATFORMS: dict[str, Platform] = {
    "shopify": Platform(
        "shopify",
        "Shopify",
        "X-Shopify-Hmac-Sha256",
        "X-Shopify-Topic",
        "X-Shopify-Webhook-Id",
        valid_base64_hmac,
        lambda _m, topic, data: shopify.map_payload(topic, data),
        "Settings > Notifications > Webhooks (JSON), or an app's webhook subscriptions",
        # shopify.dev, Webhooks > "Ignore duplicate webhooks": X-Shopify-Event-Id.
        event_header="X-Shopify-Event-Id",
    ),
    "woocommerce": Platform(
        "woocommerce",
        "WooCommerce",
        "X-WC-Webhook-Signature",
        "X-WC-Webhook-Topic",
        "X-WC-Webhook-Delivery-ID",
        valid_base64_hmac,
        lambda _m, topic, data: woocommerce.map_payload(topic, data),
        "WooCommerce > Settings > Advanced > Webhooks, API version v3",
    ),
    "haravan": Platform(
        "haravan",
        "Haravan",
        # docs.haravan.com, Webhooks > "Authenticate webhook": header X-Haravan-Hmacsha256,
        # base64(HMAC-SHA256(raw body, app secret)).
        "X-Haravan-Hmacsha256",
        "X-Haravan-Topic",
        None,
        valid_base64_hmac,
        lambda _m, topic, data: haravan.map_payload(topic, data),
        "Haravan Partners app > Webhooks (orders/create, orders/updated, orders/paid, "
        "orders/fulfilled, ...); paste the verify token below as its Verify Token",
    ),
    "sapo": Platform(
        "sapo",
        "Sapo",
        "X-Sapo-Hmac-Sha256",
        "X-Sapo-Topic",
        None,
        valid_base64_hmac,
        lambda _m, topic, data: sapo.map_payload(topic, data),
        "Sapo app > Webhooks (orders/create, orders/update, orders/paid, orders/fulfilled, ...)",
    ),
    "generic": Platform(
        "generic",
        "Any platform (field mapping)",
        "X-Careloop-Signature",
        None,
        None,
        valid_hex_hmac,
        lambda mapping, _topic, data: generic.map_payload(mapping, data),
        "Send order JSON with header X-Careloop-Signature: sha256=<hex HMAC-SHA256 of the body>",
    ),
}
