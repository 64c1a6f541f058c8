"""Connectors' "needs attention" items: signed webhook deliveries that were stored but
parked (no customer, unknown status, a malformed body...), one line per cause with a count
and a link to the connectors page where each can be fixed and retried. Staff alerts read
the same items, so a parked delivery reaches a person without anyone opening the page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.connectors.models import WebhookDelivery
from careloop.connectors.service import PARKED_STATES
from careloop.core.attention import URGENT, AttentionItem
from careloop.orders.inbox import FAILED
from careloop.orders.models import IngestInboxRow

CONNECTORS_URL = "/settings/connectors"
CAUSE_LENGTH = 80


def parked_cause(reason: str | None) -> str:
    """A parking reason folded into its cause: the field or header it names ("customer",
    "header X-Shopify-Topic", "body"), so deliveries parked for the same thing share a line
    whatever ids the full reason carries."""
    text = (reason or "").strip()
    head = text.split(":", 1)[0].strip() if ":" in text else text
    return (head or "?")[:CAUSE_LENGTH]


def parked_items(session: Session, shop: Any, now: datetime) -> list[AttentionItem]:
    rows = session.execute(
        select(WebhookDelivery.platform, WebhookDelivery.result, func.count())
        .where(WebhookDelivery.shop_id == shop.id, WebhookDelivery.status.in_(PARKED_STATES))
        .group_by(WebhookDelivery.platform, WebhookDelivery.result)
    ).all()
    causes: dict[tuple[str, str], int] = {}
    for platform, result, n in rows:
        key = (str(platform), parked_cause(result))
        causes[key] = causes.get(key, 0) + int(n)
    items = []
    for (platform, cause), n in sorted(causes.items()):
        # Braces in a cause must not be read as format fields by AttentionItem.say.
        shown = cause.replace("{", "{{").replace("}", "}}")
        items.append(
            AttentionItem(
                key=f"connectors.parked:{platform}:{cause}",
                count=n,
                text={
                    "en": f"{{n}} {platform} webhooks parked: {shown}",
                    "vi": f"{{n}} webhook {platform} đang chờ xử lý: {shown}",
                },
                fix_url=CONNECTORS_URL,
                fix_text={"en": "Fix and retry", "vi": "Sửa và thử lại"},
                severity=URGENT,
            )
        )
    return items


def inbox_items(session: Session, shop: Any, now: datetime) -> list[AttentionItem]:
    """Accepted orders and webhooks the ingest inbox could not apply (careloop.orders.inbox),
    one line per source and cause."""
    rows = session.execute(
        select(IngestInboxRow.source, IngestInboxRow.error, func.count())
        .where(IngestInboxRow.shop_id == shop.id, IngestInboxRow.state == FAILED)
        .group_by(IngestInboxRow.source, IngestInboxRow.error)
    ).all()
    causes: dict[tuple[str, str], int] = {}
    for source, error, n in rows:
        key = (str(source), parked_cause(error))
        causes[key] = causes.get(key, 0) + int(n)
    items = []
    for (source, cause), n in sorted(causes.items()):
        shown = cause.replace("{", "{{").replace("}", "}}")
        items.append(
            AttentionItem(
                key=f"connectors.inbox_failed:{source}:{cause}",
                count=n,
                text={
                    "en": f"{{n}} received {source} orders or webhooks not applied: {shown}",
                    "vi": f"{{n}} đơn hoặc webhook {source} đã nhận chưa áp dụng được: {shown}",
                },
                fix_url=CONNECTORS_URL,
                fix_text={"en": "Fix and retry", "vi": "Sửa và thử lại"},
                severity=URGENT,
            )
        )
    return items


def attention_items(session: Session, shop: Any, now: datetime) -> list[AttentionItem]:
    return parked_items(session, shop, now) + inbox_items(session, shop, now)
