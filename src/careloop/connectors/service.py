"""Connector set-up, webhook receipt and replay.

A delivery is verified, de-duplicated and mapped before anything is stored: a bad signature
(401) or a payload missing a required field (422) leaves no trace. A valid delivery that
cannot be applied yet (a refund for an order Careloop has not seen) is kept as failed, so the
platform's retry or a staff replay can apply it later."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.connectors import generic
from careloop.connectors.mapped import Mapped
from careloop.connectors.models import Connector, WebhookDelivery
from careloop.connectors.platforms import PLATFORMS, Platform
from careloop.core.clock import Clock
from careloop.core.errors import CareloopError, FieldError, NotFound, ValidationFailed
from careloop.customers.service import upsert_customer
from careloop.orders.service import change_status, upsert_order
from careloop.shops.models import Shop

MIN_SECRET_LENGTH = 8
RECENT_DELIVERIES = 50


class SignatureRejected(CareloopError):
    """The delivery is not signed with the connector's secret (answered 401, nothing stored)."""


@dataclass(frozen=True)
class Receipt:
    status: str  # processed | duplicate | failed | ignored | ping
    delivery_id: str
    result: str

    @property
    def http_status(self) -> int:
        return 409 if self.status == "failed" else 200


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


def receive_webhook(
    *,
    session: Session,
    clock: Clock,
    shop_slug: str,
    platform: str,
    headers: Mapping[str, str],
    body: bytes,
) -> Receipt:
    """Verify, de-duplicate, map and apply one delivery. `headers` keys are lower-case."""
    spec = platform_named(platform)
    shop = session.scalar(select(Shop).where(Shop.slug == shop_slug))
    connector = find_connector(session, shop.id, platform) if shop else None
    if shop is None or connector is None:
        raise NotFound(f"{spec.label} connector of shop", shop_slug)
    if spec.name == "woocommerce" and body.startswith(b"webhook_id="):
        return Receipt("ping", "", "WooCommerce ping acknowledged")
    if not spec.verify(connector.secret, body, headers.get(spec.signature_header.lower())):
        raise SignatureRejected(f"header {spec.signature_header}: missing or wrong signature")
    data = _parse(body)
    topic = spec.topic(headers)
    if spec.topic_header and not topic:
        raise ValidationFailed([FieldError(f"header {spec.topic_header}", "required")])
    mapped = _map(spec, connector, topic, data)
    delivery_id = spec.delivery_id(headers, connector.mapping, data, body)
    delivery = _claim(session, clock, shop, spec.name, delivery_id, topic, body)
    if delivery is None:
        return Receipt("duplicate", delivery_id, "already received; stored once")
    return _apply(session, clock, shop, spec.name, delivery, mapped)


def replay_delivery(*, session: Session, clock: Clock, shop: Shop, delivery_pk: int) -> Receipt:
    """Apply a stored delivery again (the connector page's replay button)."""
    delivery = session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.shop_id == shop.id, WebhookDelivery.id == delivery_pk)
        .with_for_update()
    )
    if delivery is None:
        raise NotFound("webhook delivery", delivery_pk)
    spec = platform_named(delivery.platform)
    connector = find_connector(session, shop.id, delivery.platform)
    mapping = connector.mapping if connector else {}
    body = delivery.body.encode()
    mapped = _map(spec, Connector(mapping=mapping), delivery.topic, _parse(body))
    delivery.attempts += 1
    return _apply(session, clock, shop, spec.name, delivery, mapped)


def recent_deliveries(
    session: Session, shop_id: int, platform: str | None = None
) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.shop_id == shop_id)
    if platform:
        query = query.where(WebhookDelivery.platform == platform)
    order = (WebhookDelivery.received_at.desc(), WebhookDelivery.id.desc())
    return list(session.scalars(query.order_by(*order).limit(RECENT_DELIVERIES)))


def _parse(body: bytes) -> Any:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed([FieldError("body", f"not valid JSON: {exc}")]) from None
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("body", "a JSON object is required")])
    return data


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
        body=body.decode(),
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
        delivery.status, delivery.result = "failed", str(exc)[:2000]
    else:
        delivery.status = "ignored" if mapped.ignored else "processed"
        delivery.result = mapped.describe()
        delivery.processed_at = clock.now()
    session.flush()
    return Receipt(delivery.status, delivery.delivery_id, delivery.result)
