"""Shared steps of channel tests: configure a channel, enqueue, dispatch."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from careloop.channels.dispatch import dispatch_due
from careloop.channels.models import Message, MessageStatusHistory
from careloop.channels.service import enqueue_message
from careloop.channels.settings import set_channel_settings
from careloop.context import AppContext
from careloop.customers.models import Customer, TimelineEvent
from careloop.shops.models import Shop


def configure(
    ctx: AppContext, shop: Shop, channel: str, provider: str | None = None, **values: Any
) -> None:
    with ctx.sessions() as s, s.begin():
        set_channel_settings(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            channel=channel,
            provider=provider,
            values=values,
        )


def enqueue(
    ctx: AppContext,
    shop: Shop,
    customer_id: int,
    *,
    channels: list[str],
    kind: str = "marketing",
    template_key: str = "thank_you",
    key: str = "k1",
    context: dict[str, Any] | None = None,
) -> int:
    with ctx.sessions() as s, s.begin():
        message = enqueue_message(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.get_one(Customer, customer_id),
            channels=channels,
            template_key=template_key,
            kind=kind,  # type: ignore[arg-type]
            context=context or {},
            idempotency_key=key,
        )
        assert message is not None
        return message.id


def dispatch(ctx: AppContext) -> int:
    return dispatch_due(ctx)


def message(ctx: AppContext, message_id: int) -> Message:
    with ctx.sessions() as s:
        return s.get_one(Message, message_id)


def history(ctx: AppContext, message_id: int) -> list[tuple[str, str | None, str | None]]:
    with ctx.sessions() as s:
        rows = s.scalars(
            select(MessageStatusHistory)
            .where(MessageStatusHistory.message_id == message_id)
            .order_by(MessageStatusHistory.id)
        )
        return [(r.status, r.channel, r.reason) for r in rows]


def timeline_types(ctx: AppContext, customer_id: int, prefix: str = "message.") -> list[str]:
    with ctx.sessions() as s:
        rows = s.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.customer_id == customer_id, TimelineEvent.type.like(f"{prefix}%"))
            .order_by(TimelineEvent.id)
        )
        return [r.type for r in rows]
