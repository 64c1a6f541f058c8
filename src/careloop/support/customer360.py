"""Customer 360: everything the system knows about a customer, so staff never ask. Parts owned
by other capabilities are read through their faces: segment and CLV from segments, points,
tier, privileges and warranty dates through the `Rewards` port."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core.clock import ensure_aware
from careloop.core.events import label
from careloop.core.ports import Rewards, port
from careloop.customers.models import Consent, Customer, TimelineEvent
from careloop.customers.service import get_customer_by_id
from careloop.customers.timeline import timeline_for
from careloop.orders.models import Order, OrderLine, Product
from careloop.segments.models import CustomerSegment
from careloop.shops.models import Shop
from careloop.support.models import Ticket
from careloop.support.peers import entitlements_of, segment_of
from careloop.support.tickets import ACTIVE, ticket_ref

ORDERS_SHOWN = 20
TIMELINE_SHOWN = 50


@dataclass
class Customer360:
    profile: dict[str, Any]
    orders: list[dict[str, Any]]
    order_count: int
    lifetime_value_minor: int
    timeline: list[dict[str, Any]]
    open_tickets: list[dict[str, Any]]
    past_ticket_count: int
    consents: dict[str, str]
    segment: str | None = None
    predicted_clv_minor: int | None = None
    p_alive: float | None = None
    tier: str | None = None
    points: int | None = None
    entitlements: list[str] = field(default_factory=list)
    # Products under warranty, with the end date loyalty's privileges give (double warranty).
    warranties: list[dict[str, Any]] = field(default_factory=list)
    # Capabilities that were not installed, so their part is missing rather than empty.
    unavailable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def customer_360(*, session: Session, shop: Shop, customer_id: int, now: datetime) -> Customer360:
    """The whole picture of one customer of `shop` (NotFound for another shop's customer)."""
    customer = get_customer_by_id(session, shop, customer_id)
    view = Customer360(
        profile=_profile(customer),
        orders=_orders(session, shop, customer),
        order_count=_count(session, Order, shop, customer),
        lifetime_value_minor=int(
            session.scalar(
                select(func.coalesce(func.sum(Order.total_minor), 0)).where(
                    Order.shop_id == shop.id,
                    Order.customer_id == customer.id,
                    Order.status.not_in(("cancelled", "returned")),
                )
            )
            or 0
        ),
        timeline=[
            _event(e)
            for e in timeline_for(
                session, shop_id=shop.id, customer_id=customer.id, limit=TIMELINE_SHOWN
            )
        ],
        open_tickets=_open_tickets(session, shop, customer),
        past_ticket_count=_count(session, Ticket, shop, customer),
        consents={
            c.channel: c.state
            for c in session.scalars(
                select(Consent).where(
                    Consent.shop_id == shop.id, Consent.customer_id == customer.id
                )
            )
        },
    )
    _add_segment(session, shop, customer, view)
    _add_loyalty(session, shop, customer, view, now)
    view.warranties = _warranties(session, shop, customer, now)
    return view


def _profile(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "customer_id": customer.external_id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "zalo_user_id": customer.zalo_user_id,
        "birthday": customer.birthday.isoformat() if customer.birthday else None,
        "locale": customer.locale,
        "timezone": customer.timezone,
        "preferred_channel": customer.preferred_channel,
        "tags": list(customer.tags or []),
        "since": customer.created_at.isoformat(),
        "erased": customer.erased_at is not None,
    }


def _count(
    session: Session, model: type[Order] | type[Ticket], shop: Shop, customer: Customer
) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.shop_id == shop.id, model.customer_id == customer.id)
        )
        or 0
    )


def _orders(session: Session, shop: Shop, customer: Customer) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Order)
        .where(Order.shop_id == shop.id, Order.customer_id == customer.id)
        .order_by(Order.placed_at.desc())
        .limit(ORDERS_SHOWN)
    )
    return [
        {
            "order_id": o.external_id,
            "status": o.status,
            "total_minor": o.total_minor,
            "currency": o.currency,
            "placed_at": o.placed_at.isoformat(),
            "delivered_at": o.delivered_at.isoformat() if o.delivered_at else None,
        }
        for o in rows
    ]


def _event(event: TimelineEvent) -> dict[str, Any]:
    return {
        "type": event.type,
        "label": label(event.type),
        "occurred_at": event.occurred_at.isoformat(),
        "summary": event.summary,
        # What a page needs to show the line in its reader's language (core.timeline_text).
        "payload": event.payload,
    }


def _open_tickets(session: Session, shop: Shop, customer: Customer) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Ticket)
        .where(
            Ticket.shop_id == shop.id,
            Ticket.customer_id == customer.id,
            Ticket.status.in_(ACTIVE),
        )
        .order_by(Ticket.created_at)
    )
    return [
        {
            "id": t.id,
            "ref": ticket_ref(t),
            "subject": t.subject,
            "status": t.status,
            "problem_type": t.problem_type,
            "created_at": t.created_at.isoformat(),
        }
        for t in rows
    ]


def _add_segment(session: Session, shop: Shop, customer: Customer, view: Customer360) -> None:
    view.segment = segment_of(session=session, shop_id=shop.id, customer_id=customer.id)
    row = session.scalar(
        select(CustomerSegment).where(
            CustomerSegment.shop_id == shop.id, CustomerSegment.customer_id == customer.id
        )
    )
    if row is not None:
        view.predicted_clv_minor = row.predicted_clv_minor
        view.p_alive = row.p_alive


def _add_loyalty(
    session: Session, shop: Shop, customer: Customer, view: Customer360, now: datetime
) -> None:
    rewards = port(Rewards)
    view.tier = rewards.tier(session, shop_id=shop.id, customer_id=customer.id)
    view.points = rewards.points_balance(session, shop_id=shop.id, customer_id=customer.id)
    held = entitlements_of(session=session, shop_id=shop.id, customer_id=customer.id, now=now)
    view.entitlements = sorted(held)


def _warranties(
    session: Session, shop: Shop, customer: Customer, now: datetime
) -> list[dict[str, Any]]:
    """The customer's products with a warranty, newest order first, each with its end date
    (the `Rewards` port's, so a double warranty shows doubled)."""
    rewards = port(Rewards)
    rows = session.execute(
        select(
            Order.external_id,
            Order.placed_at,
            Order.delivered_at,
            Product.sku,
            Product.name,
            Product.warranty_days,
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(
            Order.shop_id == shop.id,
            Order.customer_id == customer.id,
            Order.status.not_in(("cancelled", "returned")),
            Product.warranty_days > 0,
        )
        .order_by(Order.placed_at.desc())
        .limit(ORDERS_SHOWN)
    )
    out = []
    for order_id, placed, delivered, sku, name, days in rows:
        bought = ensure_aware(delivered or placed)
        start: date = bought.astimezone(_zone(shop.timezone)).date()
        base = start + timedelta(days=int(days or 0))
        held = rewards.warranty_privileges(
            session, shop_id=shop.id, customer_id=customer.id, bought_at=bought, now=now
        )
        end = rewards.warranty_ends(start=start, warranty_days=int(days or 0), privileges=held)
        out.append(
            {
                "order_id": order_id,
                "sku": sku,
                "product_name": name,
                "warranty_until": end.isoformat(),
                "extended": end > base,
                "active": end >= now.date(),
            }
        )
    return out


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "Asia/Ho_Chi_Minh")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Ho_Chi_Minh")
