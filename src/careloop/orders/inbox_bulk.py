"""Applying a claimed round of API order rows set-based: one statement per table for the
whole round, not ~20 ORM statements per order (docs/decisions/0029-batched-apply.md).

A round (orders.inbox._claim) holds at most one row per order: the head of each order's
pending rows. This module takes the rows whose effect is a plain insert, the new order of
a repeat or new buyer, and writes them together: customers settled in bulk
(customers/bulk_identity.py, identity rules unchanged), orders, products and lines inserted
in one statement each, and every timeline event (`customer.created`, one `order.<status>`
per known status time; what journeys enrol on) in one. The effects are those of
`orders.service.upsert_order` for the same row.

Every other row (an update of a stored order, a status change, a platform delivery, a
customer whose details the rules must weigh, a payload the schema refuses, a second order
of a customer already in the round) is returned to the caller, which applies it the
one-at-a-time way after this, in received order. If anything in the bulk write fails, the
caller's savepoint undoes it and every row goes the one-at-a-time way: a bulk write is
never the only way a row can apply, so it never changes what fails or why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import CareloopError
from careloop.core.money import to_major
from careloop.customers.bulk_identity import resolve_customers
from careloop.customers.schemas import CustomerIn
from careloop.customers.timeline import event_row, record_events
from careloop.orders.address import address_key
from careloop.orders.models import IngestInboxRow, Order, OrderLine
from careloop.orders.schemas import OrderIn
from careloop.orders.service import STATUS_EVENTS, ensure_products, minor_amount
from careloop.orders.status import TIME_FIELDS, current_status, merge_times
from careloop.shops.models import Shop

ORDERS: Table = Order.__table__  # type: ignore[assignment]
LINES: Table = OrderLine.__table__  # type: ignore[assignment]
SOURCE = "api"


@dataclass(frozen=True)
class Planned:
    """One API order row read and checked, ready for the bulk write."""

    row: IngestInboxRow
    data: OrderIn
    customer: CustomerIn
    currency: str
    total_minor: int
    lines: list[tuple[str | None, str, int, int]]  # sku, name, quantity, unit price (minor)


def plan(
    rows: Sequence[IngestInboxRow], shops: dict[int, Shop]
) -> tuple[list[Planned], list[IngestInboxRow]]:
    """Which rows may go in bulk (pure: reads only the payloads). Rows that share an order,
    a customer id, a phone or an email with an earlier row of the round go one at a time
    after it, so each customer's orders are applied in received order."""
    planned: list[Planned] = []
    rest: list[IngestInboxRow] = []
    taken: set[tuple[int, str]] = set()
    for row in rows:
        item = _read(row, shops[row.shop_id])
        keys = _keys(row, item)
        if item is None or keys & taken:
            rest.append(row)
        else:
            planned.append(item)
        taken |= keys
    return planned, rest


def _read(row: IngestInboxRow, shop: Shop) -> Planned | None:
    try:
        data = OrderIn.model_validate_json(row.payload)
        currency = (data.currency or shop.currency).upper()
        total_minor = minor_amount(data.total, currency, "total")
        lines = [
            (
                line.sku,
                line.product_name,
                line.quantity,
                minor_amount(line.unit_price, currency, "unit_price"),
            )
            for line in data.lines
        ]
        fields: dict[str, Any] = {"customer_id": data.customer_id}
        if data.customer_name:
            fields["name"] = data.customer_name
        if data.email:
            fields["email"] = data.email
        if data.phone:
            fields["phone"] = data.phone
        customer = CustomerIn(**fields)
    except (ValidationError, CareloopError, ValueError):
        return None  # the one-at-a-time way reports it as it always has
    return Planned(row, data, customer, currency, total_minor, lines)


def _keys(row: IngestInboxRow, item: Planned | None) -> set[tuple[int, str]]:
    keys = {(row.shop_id, f"key:{row.order_key}")}
    if item is not None:
        keys |= {
            (row.shop_id, f"order:{item.data.order_id}"),
            (row.shop_id, f"customer:{item.customer.customer_id}"),
        }
        if item.customer.phone:
            keys.add((row.shop_id, f"phone:{item.customer.phone}"))
        if item.customer.email:
            keys.add((row.shop_id, f"email:{item.customer.email.lower()}"))
    return keys


def apply_planned(
    session: Session, clock: Clock, shop: Shop, planned: list[Planned]
) -> tuple[dict[int, str], list[IngestInboxRow]]:
    """Write one shop's planned rows; returns what was applied (row id -> a one-line
    result) and the rows left for the one-at-a-time way (in received order)."""
    now = clock.now()
    stored = set(
        session.scalars(
            select(ORDERS.c.external_id).where(
                ORDERS.c.shop_id == shop.id,
                ORDERS.c.external_id.in_([p.data.order_id for p in planned]),
            )
        )
    )
    fresh = [p for p in planned if p.data.order_id not in stored]
    customers = resolve_customers(
        session, now=now, shop_id=shop.id, wanted=[p.customer for p in fresh], source=SOURCE
    )
    ready = [p for p in fresh if p.customer.customer_id in customers.ids]
    applied_ids = {p.row.id for p in ready}
    rest = [p.row for p in planned if p.row.id not in applied_ids]
    if not ready:
        return {}, rest
    order_ids = _insert_orders(session, now, shop, ready, customers.ids)
    _insert_lines(session, clock, shop, ready, order_ids)
    record_events(
        session,
        [
            event
            for p in ready
            for event in _status_events(
                now, shop, p, order_ids[p.data.order_id], customers.ids[p.customer.customer_id]
            )
        ],
    )
    return {p.row.id: f"order {p.data.order_id} created" for p in ready}, rest


def _times(p: Planned, now: datetime) -> dict[str, datetime]:
    """The new order's status times, as upsert_order merges them (the stated status without
    a time of its own happened when the row is applied, never before placed_at)."""
    times = p.data.status_times()
    if times.get(p.data.status) is None:
        times[p.data.status] = max(now, p.data.placed_at)
    return merge_times({}, times)


def _insert_orders(
    session: Session, now: datetime, shop: Shop, ready: list[Planned], customers: dict[str, int]
) -> dict[str, int]:
    rows = []
    for p in ready:
        times = _times(p, now)
        address = p.data.shipping_line()
        rows.append(
            {
                "shop_id": shop.id,
                "external_id": p.data.order_id,
                "number": p.data.number,
                "customer_id": customers[p.customer.customer_id],
                "status": current_status(times),
                "currency": p.currency,
                "total_minor": p.total_minor,
                "discount_codes": list(p.data.discount_codes),
                "shipping_address": address,
                "shipping_address_key": address_key(address),
                "placed_at": p.data.placed_at,
                **{TIME_FIELDS[s]: times.get(s) for s in TIME_FIELDS if s != "placed"},
                "created_at": now,
                "updated_at": now,
            }
        )
    inserted = session.execute(insert(ORDERS).returning(ORDERS.c.id, ORDERS.c.external_id), rows)
    return {external: order_id for order_id, external in inserted}


def _insert_lines(
    session: Session, clock: Clock, shop: Shop, ready: list[Planned], order_ids: dict[str, int]
) -> None:
    first: dict[str, tuple[str, str, int]] = {}  # the first line of a sku names its product
    for p in ready:
        for sku, name, _quantity, price in p.lines:
            if sku and sku not in first:
                first[sku] = (sku, name, price)
    products = ensure_products(session, clock, shop, first.values())
    rows = [
        {
            "shop_id": shop.id,
            "order_id": order_ids[p.data.order_id],
            "product_id": products.get(sku) if sku else None,
            "sku": sku,
            "product_name": name,
            "quantity": quantity,
            "unit_price_minor": price,
        }
        for p in ready
        for sku, name, quantity, price in p.lines
    ]
    if rows:
        session.execute(insert(LINES), rows)


def _status_events(
    now: datetime, shop: Shop, p: Planned, order_id: int, customer_id: int
) -> list[dict[str, Any]]:
    """One event per status time, oldest first, as orders.service._apply_times writes them."""
    total = str(to_major(p.total_minor, p.currency))
    return [
        event_row(
            now=now,
            shop_id=shop.id,
            customer_id=customer_id,
            order_id=order_id,
            type=STATUS_EVENTS[status],
            occurred_at=at,
            source=SOURCE,
            event_key=f"order:{p.data.order_id}:{status}",
            payload={
                "order_id": p.data.order_id,
                "status": status,
                "total": total,
                "currency": p.currency,
            },
            summary=f"#{p.data.order_id}",
        )
        for status, at in sorted(_times(p, now).items(), key=lambda item: item[1])
    ]
