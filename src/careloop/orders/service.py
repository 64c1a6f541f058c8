"""Use cases of orders: upsert by external id, status changes, products from order lines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from careloop.core.money import to_major, to_minor
from careloop.customers.models import Customer
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.customers.timeline import record_event
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.orders.address import address_key, join_address
from careloop.orders.models import Order, OrderLine, Product
from careloop.orders.schemas import OrderIn, OrderLinePublic, OrderPublic
from careloop.orders.status import TIME_FIELDS, current_status, merge_times
from careloop.shops.models import Shop

# The largest amount in minor units an order or line may carry (as the CSV importer).
MAX_MINOR = 10**15
STATUS_EVENTS = {
    "placed": events.ORDER_PLACED,
    "paid": events.ORDER_PAID,
    "shipped": events.ORDER_SHIPPED,
    "delivered": events.ORDER_DELIVERED,
    "returned": events.ORDER_RETURNED,
    "cancelled": events.ORDER_CANCELLED,
}


@dataclass(frozen=True)
class OrderResult:
    order: Order
    created: bool


def get_order(session: Session, shop: Shop, external_id: str, *, lock: bool = False) -> Order:
    """The shop's order by external id; `lock` holds its row until commit (for updates)."""
    order = session.scalar(_order_query(shop, external_id, lock=lock))
    if order is None:
        raise NotFound("order", external_id)
    return order


def _order_query(shop: Shop, external_id: str, *, lock: bool) -> Select[Order]:
    query = select(Order).where(Order.shop_id == shop.id, Order.external_id == external_id)
    if lock:
        # Concurrent status changes of one order must not overwrite each other's times
        # (PostgreSQL READ COMMITTED); SQLite already serialises writers.
        query = query.with_for_update().execution_options(populate_existing=True)
    return query


def stored_times(order: Order) -> dict[str, datetime | None]:
    return {status: getattr(order, field) for status, field in TIME_FIELDS.items()}


def upsert_order(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    data: OrderIn,
    source: str = "api",
    status_time: datetime | None = None,
) -> OrderResult:
    """Store the order once per `order_id`; a re-send merges status times and refreshes lines.

    `status_time` is when `data.status` happened if the payload does not say (default: now).
    """
    currency = (data.currency or shop.currency).upper()
    total_minor = minor_amount(data.total, currency, "total")
    customer = _ensure_customer(session, clock, shop, data, source)
    times = data.status_times()
    if times.get(data.status) is None:
        times[data.status] = max(status_time or clock.now(), data.placed_at)

    order = session.scalar(_order_query(shop, data.order_id, lock=True))
    created = False
    baseline: dict[str, datetime | None] = {}
    if order is None:
        order, created = _insert_order(session, clock, shop, data, customer, currency, total_minor)
    if order.customer_id != customer.id:
        raise Conflict(
            f"order {data.order_id!r} belongs to another customer; its customer_id cannot change"
        )
    if not created:
        baseline = stored_times(order)
        _refresh_order(session, clock, order, data, currency, total_minor)
    if created or data.lines:
        _replace_lines(session, clock, shop, order, data, currency)
    _apply_times(session, clock, shop, order, times, source, baseline=baseline)
    return OrderResult(order=order, created=created)


def minor_amount(amount: object, currency: str, field: str) -> int:
    try:
        minor = to_minor(str(amount), currency)
    except ValueError as exc:
        raise ValidationFailed([FieldError(field, str(exc))]) from None
    if minor > MAX_MINOR:
        # Beyond this the 64-bit column overflows (a 500), and no real order comes close.
        raise ValidationFailed([FieldError(field, f"too large (got {amount})")])
    return minor


def _ensure_customer(
    session: Session, clock: Clock, shop: Shop, data: OrderIn, source: str
) -> Customer:
    fields = {"customer_id": data.customer_id}
    if data.customer_name:
        fields["name"] = data.customer_name
    if data.email:
        fields["email"] = data.email
    if data.phone:
        fields["phone"] = data.phone
    return upsert_customer(
        session=session, clock=clock, shop=shop, data=CustomerIn(**fields), source=source
    ).customer


def _insert_order(
    session: Session,
    clock: Clock,
    shop: Shop,
    data: OrderIn,
    customer: Customer,
    currency: str,
    total_minor: int,
) -> tuple[Order, bool]:
    now = clock.now()
    address = data.shipping_line()
    order = Order(
        shop_id=shop.id,
        external_id=data.order_id,
        number=data.number,
        customer_id=customer.id,
        status="placed",
        currency=currency,
        total_minor=total_minor,
        discount_codes=list(data.discount_codes),
        shipping_address=address,
        shipping_address_key=address_key(address),
        placed_at=data.placed_at,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(order)
    except IntegrityError:
        # A concurrent request stored the same order first: continue as an update.
        return get_order(session, shop, data.order_id, lock=True), False
    return order, True


def _refresh_order(
    session: Session, clock: Clock, order: Order, data: OrderIn, currency: str, total_minor: int
) -> None:
    address = data.shipping_line()
    changed = (
        order.total_minor != total_minor
        or order.currency != currency
        or (data.discount_codes and order.discount_codes != list(data.discount_codes))
        or (address is not None and address != order.shipping_address)
        or (data.number is not None and data.number != order.number)
    )
    if changed:
        if data.number is not None:  # a re-send without the number keeps the one we have
            order.number = data.number
        if address is not None:  # a re-send without the address keeps the one we have
            order.shipping_address, order.shipping_address_key = address, address_key(address)
        order.total_minor, order.currency = total_minor, currency
        if data.discount_codes:
            order.discount_codes = list(data.discount_codes)
        order.updated_at = clock.now()


def _replace_lines(
    session: Session, clock: Clock, shop: Shop, order: Order, data: OrderIn, currency: str
) -> None:
    wanted = [
        (
            line.sku,
            line.product_name,
            line.quantity,
            minor_amount(line.unit_price, currency, "unit_price"),
        )
        for line in data.lines
    ]
    current = [
        (line.sku, line.product_name, line.quantity, line.unit_price_minor)
        for line in lines_of(session, order)
    ]
    if wanted == current:
        return
    for line in lines_of(session, order):
        session.delete(line)
    products = ensure_products(session, clock, shop, ((s, n, p) for s, n, _, p in wanted if s))
    for sku, name, quantity, price in wanted:
        session.add(
            OrderLine(
                shop_id=shop.id,
                order_id=order.id,
                product_id=products.get(sku) if sku else None,
                sku=sku,
                product_name=name,
                quantity=quantity,
                unit_price_minor=price,
            )
        )
    session.flush()


def ensure_products(
    session: Session, clock: Clock, shop: Shop, items: Iterable[tuple[str, str, int]]
) -> dict[str, int]:
    """Product ids by sku, creating unknown products from order lines (sku, name, price)."""
    rows = {
        sku: {
            "shop_id": shop.id,
            "sku": sku,
            "name": name or sku,
            "price_minor": price,
            "created_at": clock.now(),
        }
        for sku, name, price in items
    }
    if not rows:
        return {}
    insert_ignoring_duplicates(session, Product.__table__, list(rows.values()), ["shop_id", "sku"])  # type: ignore[arg-type]
    found = session.execute(
        select(Product.sku, Product.id).where(Product.shop_id == shop.id, Product.sku.in_(rows))
    )
    return {sku: pid for sku, pid in found}


def _apply_times(
    session: Session,
    clock: Clock,
    shop: Shop,
    order: Order,
    incoming: dict[str, datetime | None],
    source: str,
    event_id: str | None = None,
    baseline: dict[str, datetime | None] | None = None,
) -> None:
    """Set newly known status times, derive the status, and put each change on the timeline.

    `baseline` is what was known before this request (a just-inserted order knows nothing)."""
    known = stored_times(order) if baseline is None else baseline
    new_times = merge_times(known, incoming)
    if not new_times:
        return
    for status, at in new_times.items():
        setattr(order, TIME_FIELDS[status], at)
    order.status = current_status(stored_times(order))
    order.updated_at = clock.now()
    session.flush()
    for status, at in sorted(new_times.items(), key=lambda item: item[1]):
        record_event(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=order.customer_id,
            order_id=order.id,
            type=STATUS_EVENTS[status],
            occurred_at=at,
            source=source,
            event_key=f"order:{order.external_id}:{status}",
            payload={
                "order_id": order.external_id,
                "status": status,
                "total": str(to_major(order.total_minor, order.currency)),
                "currency": order.currency,
                **({"event_id": event_id} if event_id else {}),
            },
            summary=f"#{order.external_id}",
        )


def change_status(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    order_external_id: str,
    status: str,
    at: datetime | None,
    source: str = "api",
    event_id: str | None = None,
) -> Order:
    """Record that the order reached `status` at `at`; duplicates and late arrivals are harmless."""
    order = get_order(session, shop, order_external_id, lock=True)
    moment = at or clock.now()
    if moment < order.placed_at:
        raise ValidationFailed(
            [FieldError("at", f"{moment.isoformat()} is before the order was placed")]
        )
    _apply_times(session, clock, shop, order, {status: moment}, source, event_id)
    return order


def set_shipping_address(
    *, session: Session, clock: Clock, shop: Shop, order_external_id: str, address: str | None
) -> Order:
    """Correct where an order ships (None clears it); the normalised key follows."""
    order = get_order(session, shop, order_external_id, lock=True)
    line = join_address([address])
    if line != order.shipping_address:
        order.shipping_address, order.shipping_address_key = line, address_key(line)
        order.updated_at = clock.now()
    return order


def lines_of(session: Session, order: Order) -> list[OrderLine]:
    return list(
        session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)
        )
    )


def order_public(session: Session, order: Order) -> OrderPublic:
    customer_external = session.scalar(
        select(Customer.external_id).where(Customer.id == order.customer_id)
    )
    return OrderPublic(
        order_id=order.external_id,
        number=order.number,
        customer_id=customer_external or "",
        status=order.status,  # type: ignore[arg-type]
        currency=order.currency,
        total=str(to_major(order.total_minor, order.currency)),
        discount_codes=list(order.discount_codes or []),
        placed_at=order.placed_at,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        returned_at=order.returned_at,
        cancelled_at=order.cancelled_at,
        shipping_address=order.shipping_address,
        lines=[
            OrderLinePublic(
                sku=line.sku,
                product_name=line.product_name,
                quantity=line.quantity,
                unit_price=str(to_major(line.unit_price_minor, order.currency)),
            )
            for line in lines_of(session, order)
        ],
    )


def orders_of_customer(session: Session, shop: Shop, customer_id: int) -> list[Order]:
    return list(
        session.scalars(
            select(Order)
            .where(Order.shop_id == shop.id, Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc())
        )
    )
