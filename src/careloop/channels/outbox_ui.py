"""The Outbox page: what the demo outbox delivered, each message as the customer would see
it on a phone (an email card, an SMS bubble, a Zalo card), so a newcomer watches the Golden
Hours, surveys and review requests happen without any provider account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from careloop.channels import links
from careloop.channels.models import ChannelSettings, Message
from careloop.channels.outbox import OUTBOX
from careloop.customers.models import Customer
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import CurrentStaff
from careloop.web.ui.templating import render

router = APIRouter()
SHOWN = 50


def uses_outbox(session: Session, shop_id: int) -> bool:
    found = session.scalar(
        select(ChannelSettings.id)
        .where(ChannelSettings.shop_id == shop_id, ChannelSettings.provider == OUTBOX)
        .limit(1)
    )
    return found is not None


def nav_shown(staff: Any) -> bool:
    """The Demo outbox entry shows only for a shop whose channels deliver into it."""
    session = object_session(staff.shop)
    return session is not None and uses_outbox(session, staff.shop.id)


@dataclass(frozen=True)
class Delivered:
    """One outbox message as the customer's phone shows it."""

    id: int
    channel: str
    to: str
    customer: str
    sender: str
    subject: str
    text: str
    # A Zalo ZNS message is the OA's approved template filled with these parameters.
    data: list[tuple[str, str]]
    at: datetime
    template_key: str


@router.get("/outbox")
def outbox_page(request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx) -> Response:
    senders = _senders(session, staff.shop.id, staff.shop.name)
    rows = session.execute(
        select(Message, Customer)
        .join(Customer, Customer.id == Message.customer_id)
        .where(Message.shop_id == staff.shop.id, Message.provider == OUTBOX)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(SHOWN)
    ).all()
    items = [_delivered(ctx, m, c, senders) for m, c in rows]
    return render(
        request,
        "channels/outbox.html",
        {"items": items, "active": uses_outbox(session, staff.shop.id)},
        staff=staff,
    )


def _senders(session: Session, shop_id: int, shop_name: str) -> dict[str, str]:
    """Who each channel's messages come from: the email sender, or the shop's name."""
    rows = session.scalars(select(ChannelSettings).where(ChannelSettings.shop_id == shop_id))
    senders: dict[str, str] = {}
    for row in rows:
        name = str(row.config.get("from_name") or shop_name)
        address = str(row.config.get("from_address") or "")
        senders[row.channel] = f"{name} <{address}>" if address else name
    return senders


def _delivered(
    ctx: Ctx, message: Message, customer: Customer, senders: dict[str, str]
) -> Delivered:
    channel = message.channel or ""
    rendered = message.rendered.get(channel) or {}
    payload = {"s": message.shop_id, "c": message.customer_id, "m": message.id}

    def fill(text: str) -> str:
        # The same signed links the customer received (the dispatcher fills them at send).
        return links.fill_markers(
            text,
            base_url=ctx.settings.base_url,
            secret=ctx.secret_key,
            payload=payload,
            channel=channel,
        )

    return Delivered(
        id=message.id,
        channel=channel,
        to=message.to_address or "",
        customer=customer.name or customer.external_id,
        sender=senders.get(channel, ""),
        subject=fill(str(rendered.get("subject") or "")),
        text=fill(str(rendered.get("text") or "")),
        data=[
            (str(k), fill(v) if isinstance(v, str) else str(v))
            for k, v in dict(rendered.get("data") or {}).items()
        ],
        at=message.delivered_at or message.created_at,
        template_key=message.template_key,
    )
