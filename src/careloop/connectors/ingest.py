"""Webhook deliveries through the ingest inbox (careloop.orders.inbox).

The route verifies the signature and appends the delivery to the inbox in one short
transaction; that commit is the acknowledgement. The delivery is then applied by the inbox's
applier for its platform, which is the connectors' own delivery log and mapping
(`service.apply_delivery`: processed, ignored or parked for staff, exactly as before). When
nothing of the shop is waiting in the inbox, the request applies its own delivery at once and
answers with the outcome; when a backlog is waiting (a flash sale), or the sender asked with
`Prefer: respond-async` (RFC 7240 section 4.1), it answers "queued" and the worker applies it."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from careloop.connectors.bulk import BULK_SOURCE
from careloop.connectors.models import WebhookDelivery
from careloop.connectors.platforms import PLATFORMS
from careloop.connectors.service import Receipt, Verified, apply_delivery, verify_delivery
from careloop.core.clock import Clock
from careloop.db.engine import transaction
from careloop.orders import inbox, inbox_bulk
from careloop.orders.models import IngestInboxRow
from careloop.shops.models import Shop

QUEUED_RESULT = "stored; the worker applies it"


def accept_webhook(
    *,
    sessions: sessionmaker[Session],
    clock: Clock,
    shop_slug: str,
    platform: str,
    headers: Mapping[str, str],
    body: bytes,
    respond_async: bool = False,
) -> tuple[Receipt, int | None]:
    """Verify and store one delivery; apply it now unless a backlog waits or the sender asked
    not to wait. Returns the receipt and the inbox row id (None for a ping)."""
    with transaction(sessions) as session:
        verified = verify_delivery(
            session=session, shop_slug=shop_slug, platform=platform, headers=headers, body=body
        )
        if isinstance(verified, Receipt):
            return verified, None
        appended = inbox.append(
            session=session,
            clock=clock,
            shop_id=verified.shop_id,
            source=verified.platform,
            topic=verified.topic,
            external_id=verified.delivery_id,
            order_key=verified.order_key,
            payload=body.decode("utf-8", errors="replace"),
        )
    if appended.duplicate:
        return Receipt("duplicate", verified.delivery_id, "already received; stored once"), (
            appended.id
        )
    if respond_async or appended.queued_behind:
        return Receipt("queued", verified.delivery_id, QUEUED_RESULT), appended.id
    outcome = inbox.apply_own(sessions, clock, appended.id)
    if outcome.state != inbox.APPLIED:
        return Receipt("queued", verified.delivery_id, QUEUED_RESULT), appended.id
    return _logged_receipt(sessions, verified), appended.id


def _logged_receipt(sessions: sessionmaker[Session], verified: Verified) -> Receipt:
    """What the delivery log says about a delivery just applied."""
    with sessions() as session:
        status, result = session.execute(
            select(WebhookDelivery.status, WebhookDelivery.result).where(
                WebhookDelivery.shop_id == verified.shop_id,
                WebhookDelivery.platform == verified.platform,
                WebhookDelivery.delivery_id == verified.delivery_id,
            )
        ).one()
    return Receipt(status, verified.delivery_id, result)


def apply_webhook_row(session: Session, clock: Clock, shop: Shop, row: IngestInboxRow) -> str:
    """The inbox's applier for platform deliveries: the connectors' delivery log decides."""
    verified = Verified(row.shop_id, row.source, row.topic, row.external_id, row.order_key)
    body = row.payload.encode("utf-8")
    receipt = apply_delivery(session=session, clock=clock, shop=shop, verified=verified, body=body)
    return f"{receipt.status}: {receipt.result}"[: inbox.ERROR_LENGTH]


for _platform in PLATFORMS:
    inbox.register_applier(_platform, apply_webhook_row)
    # Deliveries of one order each join the batch's set-based write (connectors.bulk).
    inbox_bulk.register_bulk_source(_platform, BULK_SOURCE)
