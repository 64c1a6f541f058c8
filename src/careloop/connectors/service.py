"""Connector set-up, webhook receipt and replay.

Acknowledgement policy: platforms switch off webhooks that keep failing (WooCommerce after
more than 5 consecutive failures, `WC_Webhook::failed_delivery()` in
`includes/class-wc-webhook.php`; Shopify removes a subscription after repeated failures), so
a correctly signed delivery is always stored and answered 200 at once. What cannot be applied
(unknown status, no customer, a refund before its order, a malformed body) is *parked* with
a reason naming the field, listed for staff under "needs attention" on the connectors page,
and applied by "retry" once the cause is fixed. Only a bad signature (401), an unknown shop
(404) or an oversized body (413) is refused: those are not the shop's deliveries."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.connectors import compliance, generic
from careloop.connectors.mapped import Mapped
from careloop.connectors.models import Connector, WebhookDelivery
from careloop.connectors.platforms import PLATFORMS, Platform
from careloop.core.clock import Clock
from careloop.core.errors import CareloopError, FieldError, NotFound, ValidationFailed
from careloop.customers.service import upsert_customer
from careloop.orders.service import change_status, upsert_order
from careloop.products.service import save_product
from careloop.shops.models import Shop

MIN_SECRET_LENGTH = 8
RECENT_DELIVERIES = 50
NEEDS_ATTENTION_LIMIT = 200
# Shopify's largest order payloads are well under this; anything bigger is not a delivery.
MAX_BODY_BYTES = 5 * 1024 * 1024
PARKED_STATES = ("parked", "failed")  # "failed": rows stored before parking existed


class SignatureRejected(CareloopError):
    """The delivery is not signed with the connector's secret (answered 401, nothing stored)."""


class BodyTooLarge(CareloopError):
    """The body is larger than any platform delivery (answered 413, nothing stored)."""


@dataclass(frozen=True)
class Receipt:
    status: str  # processed | duplicate | parked | ignored | ping
    delivery_id: str
    result: str

    @property
    def http_status(self) -> int:
        """Always 200: a signed delivery is stored, so the platform must not retry or give up."""
        return 200


def platform_named(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        known = ", ".join(PLATFORMS)
        raise ValidationFailed(
            [FieldError("platform", f"unknown platform {name!r}; known: {known}")]
        ) from None


def add_connector(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    platform: str,
    secret: str,
    mapping: dict[str, Any] | None = None,
    verify_token: str | None = None,
) -> Connector:
    """Create the shop's connector for `platform`, or replace its secret (and mapping)."""
    platform_named(platform)
    errors = []
    if len(secret.strip()) < MIN_SECRET_LENGTH:
        errors.append(FieldError("secret", f"at least {MIN_SECRET_LENGTH} characters"))
    if platform == "generic":
        errors += generic.check_mapping(mapping or {})
    if errors:
        raise ValidationFailed(errors)
    connector = find_connector(session, shop.id, platform)
    now = clock.now()
    if connector is None:
        connector = Connector(shop_id=shop.id, platform=platform, created_at=now)
        session.add(connector)
    connector.secret = secret.strip()
    connector.mapping = mapping or {}
    if verify_token is not None:
        connector.verify_token = verify_token.strip() or None
    # Saving the connector again (after reinstalling the app) switches it back on.
    connector.disabled_at = None
    connector.disabled_reason = None
    connector.updated_at = now
    session.flush()
    return connector


def find_connector(session: Session, shop_id: int, platform: str) -> Connector | None:
    return session.scalar(
        select(Connector).where(Connector.shop_id == shop_id, Connector.platform == platform)
    )


def connectors_of(session: Session, shop_id: int) -> list[Connector]:
    return list(
        session.scalars(
            select(Connector).where(Connector.shop_id == shop_id).order_by(Connector.platform)
        )
    )


@dataclass(frozen=True)
class Verified:
    """A delivery whose signature is the connector's: what the inbox stores about it."""

    shop_id: int
    platform: str
    topic: str
    delivery_id: str
    # Deliveries about one platform order (or product, customer) are applied in order.
    order_key: str


def verify_delivery(
    *,
    session: Session,
    shop_slug: str,
    platform: str,
    headers: Mapping[str, str],
    body: bytes,
) -> Verified | Receipt:
    """Check size, shop, connector and signature; a WooCommerce ping is answered at once
    (the Receipt). Raises NotFound, BodyTooLarge, SignatureRejected. Header keys lower-case."""
    spec = platform_named(platform)
    if len(body) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"body of {len(body)} bytes; at most {MAX_BODY_BYTES}")
    shop = session.scalar(select(Shop).where(Shop.slug == shop_slug))
    connector = find_connector(session, shop.id, platform) if shop else None
    if shop is None or connector is None:
        raise NotFound(f"{spec.label} connector of shop", shop_slug)
    if spec.name == "woocommerce" and body.startswith(b"webhook_id="):
        return Receipt("ping", "", "WooCommerce ping acknowledged")
    if not spec.verify(connector.secret, body, headers.get(spec.signature_header.lower())):
        raise SignatureRejected(f"header {spec.signature_header}: missing or wrong signature")
    topic = spec.topic(headers)
    data, _problem = parse_body(body)
    delivery_id = spec.delivery_id(headers, connector.mapping or {}, data, body)
    subject = (data or {}).get("order_id") or (data or {}).get("id")
    subject_key = str(subject)[:100] if isinstance(subject, (str, int)) else delivery_id
    return Verified(shop.id, spec.name, topic, delivery_id, f"{spec.name}:{subject_key}")


def apply_delivery(
    *, session: Session, clock: Clock, shop: Shop, verified: Verified, body: bytes
) -> Receipt:
    """Store a verified delivery in the delivery log, then apply or park it (the inbox's
    applier for platform sources); a delivery already processed is a duplicate."""
    spec = platform_named(verified.platform)
    connector = find_connector(session, shop.id, spec.name)
    if connector is None:
        raise NotFound(f"{spec.label} connector of shop", shop.slug)
    delivery = _claim(session, clock, shop, spec.name, verified.delivery_id, verified.topic, body)
    if delivery is None:
        return Receipt("duplicate", verified.delivery_id, "already received; stored once")
    return _process(session, clock, shop, spec, connector, delivery)


def receive_webhook(
    *,
    session: Session,
    clock: Clock,
    shop_slug: str,
    platform: str,
    headers: Mapping[str, str],
    body: bytes,
) -> Receipt:
    """Verify, de-duplicate, store, then apply or park one delivery in one transaction (the
    route goes through the ingest inbox instead: careloop.connectors.ingest)."""
    verified = verify_delivery(
        session=session, shop_slug=shop_slug, platform=platform, headers=headers, body=body
    )
    if isinstance(verified, Receipt):
        return verified
    shop = session.get_one(Shop, verified.shop_id)
    return apply_delivery(session=session, clock=clock, shop=shop, verified=verified, body=body)


def replay_delivery(*, session: Session, clock: Clock, shop: Shop, delivery_pk: int) -> Receipt:
    """Apply a stored delivery again (the "retry" button of a parked delivery)."""
    delivery = session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.shop_id == shop.id, WebhookDelivery.id == delivery_pk)
        .with_for_update()
    )
    if delivery is None:
        raise NotFound("webhook delivery", delivery_pk)
    spec = platform_named(delivery.platform)
    connector = find_connector(session, shop.id, delivery.platform)
    if connector is None:
        raise NotFound(f"{spec.label} connector of shop", shop.slug)
    delivery.attempts += 1
    return _process(session, clock, shop, spec, connector, delivery)


def needs_attention(session: Session, shop_id: int) -> list[WebhookDelivery]:
    """Signed deliveries that could not be applied, oldest first, each with its reason."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.shop_id == shop_id, WebhookDelivery.status.in_(PARKED_STATES))
        .order_by(WebhookDelivery.received_at, WebhookDelivery.id)
        .limit(NEEDS_ATTENTION_LIMIT)
    )
    return list(session.scalars(query))


def verify_subscription(
    *, session: Session, shop_slug: str, platform: str, verify_token: str, challenge: str
) -> str:
    """Haravan's webhook registration: it GETs the callback URL with `hub.mode=subscribe`,
    `hub.verify_token` and `hub.challenge`, and expects the challenge back (docs.haravan.com,
    Tutorials > Webhooks > Connect webhook, "Step 3: Register webhook")."""
    spec = platform_named(platform)
    shop = session.scalar(select(Shop).where(Shop.slug == shop_slug))
    connector = find_connector(session, shop.id, platform) if shop else None
    if shop is None or connector is None:
        raise NotFound(f"{spec.label} connector of shop", shop_slug)
    expected = connector.verify_token or ""
    if not expected or not hmac.compare_digest(expected.encode(), verify_token.encode()):
        raise SignatureRejected("hub.verify_token: does not match the connector's verify token")
    return challenge


def recent_deliveries(
    session: Session, shop_id: int, platform: str | None = None
) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.shop_id == shop_id)
    if platform:
        query = query.where(WebhookDelivery.platform == platform)
    order = (WebhookDelivery.received_at.desc(), WebhookDelivery.id.desc())
    return list(session.scalars(query.order_by(*order).limit(RECENT_DELIVERIES)))


def parse_body(body: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object, or None and why not (the reason names the body)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"body: not valid JSON ({exc})"
    except RecursionError:
        return None, "body: JSON nested too deeply to read"
    if not isinstance(data, dict):
        return None, "body: a JSON object is required"
    return data, None


def _map(spec: Platform, connector: Connector, topic: str, data: Any) -> Mapped:
    try:
        return spec.mapper(connector.mapping or {}, topic, data)
    except ValidationError as exc:
        raise ValidationFailed(
            [
                FieldError(".".join(str(p) for p in err["loc"]) or "body", err["msg"])
                for err in exc.errors()
            ]
        ) from None
    except (
        TypeError,
        ValueError,
        AttributeError,
        KeyError,
        ArithmeticError,
        RecursionError,
    ) as exc:
        # A shape no mapper rule foresaw: park it, naming what broke, rather than fail.
        raise ValidationFailed(
            [FieldError("body", f"could not be read ({type(exc).__name__}: {str(exc)[:200]})")]
        ) from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationFailed):
        shown = "; ".join(str(e) for e in exc.errors[:10])
        more = f" (+{len(exc.errors) - 10} more)" if len(exc.errors) > 10 else ""
        return shown + more
    return str(exc) or type(exc).__name__


def _park(session: Session, delivery: WebhookDelivery, reason: str) -> Receipt:
    delivery.status, delivery.result = "parked", reason[:2000]
    session.flush()
    return Receipt(delivery.status, delivery.delivery_id, delivery.result)


def _process(
    session: Session,
    clock: Clock,
    shop: Shop,
    spec: Platform,
    connector: Connector,
    delivery: WebhookDelivery,
) -> Receipt:
    """Apply a stored delivery, or park it with the reason; never raises for its content."""
    data, problem = parse_body(delivery.body.encode("utf-8", errors="replace"))
    if problem is not None or data is None:
        return _park(session, delivery, problem or "body: unreadable")
    topic = delivery.topic
    if spec.topic_header and not topic:
        return _park(session, delivery, f"header {spec.topic_header}: missing")
    if compliance.handles(spec.name, topic):
        try:
            with session.begin_nested():
                result = compliance.handle(
                    session=session,
                    clock=clock,
                    shop=shop,
                    connector=connector,
                    topic=topic,
                    data=data,
                )
        except CareloopError as exc:
            return _park(session, delivery, _reason(exc))
        delivery.status, delivery.result = "processed", result[:2000]
        delivery.processed_at = clock.now()
        session.flush()
        return Receipt(delivery.status, delivery.delivery_id, delivery.result)
    if connector.disabled_at is not None:
        return _park(
            session,
            delivery,
            f"connector: disabled ({connector.disabled_reason or 'by the platform'}); "
            "save the connector again to switch it on, then retry",
        )
    try:
        mapped = _map(spec, connector, topic, data)
    except CareloopError as exc:
        return _park(session, delivery, _reason(exc))
    return _apply(session, clock, shop, spec.name, delivery, mapped)


def _claim(
    session: Session,
    clock: Clock,
    shop: Shop,
    platform: str,
    delivery_id: str,
    topic: str,
    body: bytes,
) -> WebhookDelivery | None:
    """The delivery's row, new or failed before; None if it was processed already."""
    now = clock.now()
    delivery = WebhookDelivery(
        shop_id=shop.id,
        platform=platform,
        delivery_id=delivery_id,
        topic=topic[:64],
        status="processing",
        result="",
        body=body.decode("utf-8", errors="replace"),
        received_at=now,
        attempts=1,
    )
    try:
        with session.begin_nested():
            session.add(delivery)
        return delivery
    except IntegrityError:
        pass
    existing = session.scalar(
        select(WebhookDelivery)
        .where(
            WebhookDelivery.shop_id == shop.id,
            WebhookDelivery.platform == platform,
            WebhookDelivery.delivery_id == delivery_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if existing is None or existing.status in {"processed", "ignored"}:
        return None
    existing.attempts += 1
    return existing


def _apply(
    session: Session,
    clock: Clock,
    shop: Shop,
    platform: str,
    delivery: WebhookDelivery,
    mapped: Mapped,
) -> Receipt:
    try:
        with session.begin_nested():
            for product in mapped.products:
                save_product(session=session, clock=clock, shop=shop, data=product)
            for customer in mapped.customers:
                upsert_customer(
                    session=session, clock=clock, shop=shop, data=customer, source=platform
                )
            for order in mapped.orders:
                upsert_order(session=session, clock=clock, shop=shop, data=order, source=platform)
            for change in mapped.status_changes:
                change_status(
                    session=session,
                    clock=clock,
                    shop=shop,
                    order_external_id=change.order_id,
                    status=change.status,
                    at=change.at,
                    source=platform,
                )
    except CareloopError as exc:
        return _park(session, delivery, _reason(exc))
    except (ArithmeticError, ValueError, OverflowError) as exc:
        return _park(session, delivery, f"could not be applied ({type(exc).__name__}: {exc})")
    else:
        delivery.status = "ignored" if mapped.ignored else "processed"
        delivery.result = mapped.describe()
        delivery.processed_at = clock.now()
    session.flush()
    return Receipt(delivery.status, delivery.delivery_id, delivery.result)
