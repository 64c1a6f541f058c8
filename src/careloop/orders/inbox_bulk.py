"""Applying a claimed round of inbox rows set-based: one statement per table for the
whole round, not ~20 ORM statements per row (docs/decisions/0029-batched-apply.md).

A round (orders.inbox._claim) holds at most one row per order: the head of each order's
pending rows. This module takes the rows whose effects need no judgement and writes them
together, with exactly the effects `orders.service.upsert_order` and `change_status` have
for the same rows:
- an order, new or sent again, from the REST API or from a platform delivery (a source's
  `BulkSource` reads its rows into `OrderIn`s and, after the write, records what it keeps,
  e.g. the connectors' delivery log): customers settled in bulk
  (customers/bulk_identity.py, identity rules unchanged), new orders, products and lines
  inserted, re-sent orders refreshed (fields, lines, status times) in one statement each;
- a status change (`POST /api/v1/orders/{id}/status`): the order's status times merged by
  orders/status.py's rules, so a "delivered" before its "paid" and a repeat behave as one
  at a time;
- every timeline event (`customer.created`, one `order.<status>` per newly known time; what
  journeys enrol on) in one statement.

Every other row (a customer whose details the rules must weigh, an order that would change
customer, a status change of an unknown order or before its order was placed, a payload the
schema refuses, a second row of an order, customer, phone or email already in the round
that could see the first one's effects) is returned to the caller, which applies it the
one-at-a-time way after this, in received order. If anything in the bulk write fails, the
caller's savepoint undoes it and every row goes the one-at-a-time way: a bulk write is
never the only way a row can apply, so it never changes what fails or why."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import CareloopError
from careloop.core.money import to_major
from careloop.customers.bulk_identity import resolve_customers
from careloop.customers.schemas import CustomerIn
from careloop.customers.timeline import event_row, record_events
from careloop.orders.address import address_key
from careloop.orders.models import IngestInboxRow, Order, OrderLine, Product
from careloop.orders.schemas import OrderIn, StatusRowIn
from careloop.orders.service import STATUS_EVENTS, ensure_products, minor_amount
from careloop.orders.status import TIME_FIELDS, current_status, merge_times
from careloop.shops.models import Shop

ORDERS: Table = Order.__table__  # type: ignore[assignment]
LINES: Table = OrderLine.__table__  # type: ignore[assignment]
API_SOURCE = "api"
ORDER_TOPIC = "order"
STATUS_TOPIC = "status"
# The columns a re-sent order or a status change may rewrite (besides `placed_at`, never).
# PostgreSQL advisory lock class of the keys a batch written beside others holds (hold_keys).
KEY_LOCK_CLASS = 0x1B0D
UPDATABLE = (
    "number",
    "shipping_address",
    "shipping_address_key",
    "total_minor",
    "currency",
    "discount_codes",
    "status",
    "updated_at",
    *(field for status, field in TIME_FIELDS.items() if status != "placed"),
)
Line = tuple[str | None, str, int, int]  # sku, name, quantity, unit price (minor)


@dataclass(frozen=True)
class Handed:
    """A platform row handed to the bulk writer: the one order it carries (mapped as its
    applier maps it), the marketing consent its customer carries (written in bulk only when
    it changes nothing: bulk_identity), and what the source will record it did."""

    order: OrderIn
    said: str
    accepts_marketing: bool | None = None
    consents: dict[str, str] | None = None


@dataclass(frozen=True)
class BulkSource:
    """How a platform's rows join the bulk write. `read` returns the rows it can hand over
    (row id -> Handed); the others go one at a time. `record` keeps what the source keeps
    about the rows once they are written (e.g. the delivery log), in the same savepoint,
    given each row and its `said`, and returns row id -> a one-line result."""

    read: Callable[[Session, Shop, Sequence[IngestInboxRow]], dict[int, Handed]]
    record: Callable[[Session, Clock, Shop, Sequence[tuple[IngestInboxRow, str]]], dict[int, str]]


_SOURCES: dict[str, BulkSource] = {}


def register_bulk_source(source: str, bulk: BulkSource) -> None:
    """Let rows of `source` (a platform) join the bulk write (one BulkSource per source)."""
    _SOURCES[source] = bulk


@dataclass(frozen=True)
class OrderItem:
    """An order row (new or sent again) read and checked, ready for the bulk write."""

    row: IngestInboxRow
    data: OrderIn
    customer: CustomerIn
    currency: str
    total_minor: int
    lines: list[Line]
    source: str
    said: str = ""  # what a platform source will record it did (BulkSource.read)


@dataclass(frozen=True)
class StatusItem:
    """A status change row (`POST /api/v1/orders/{id}/status`) read and checked."""

    row: IngestInboxRow
    change: StatusRowIn
    source: str = API_SOURCE


Item = OrderItem | StatusItem
_BLOCKED = object()  # a key held by a row that goes one at a time: later rows follow it


def plan(
    session: Session, rows: Sequence[IngestInboxRow], shops: dict[int, Shop]
) -> tuple[list[Item], list[IngestInboxRow], list[IngestInboxRow]]:
    """Which rows may go in bulk (reads the payloads and, for platform rows, their
    connector): the items, the rows to apply one at a time (their payload is not for the
    bulk writer), and the rows for a later round: a row that shares an order, or a customer,
    phone or email with other details, with an earlier row of the round waits until that one
    is applied, and so does every later row that shares one with it, so each order's and
    customer's rows keep their received order."""
    mapped: dict[int, Handed] = {}
    groups: dict[tuple[int, str], list[IngestInboxRow]] = defaultdict(list)
    for row in rows:
        if row.source in _SOURCES:
            groups[(row.shop_id, row.source)].append(row)
    for (shop_id, source), group in groups.items():
        mapped.update(_SOURCES[source].read(session, shops[shop_id], group))
    items: list[Item] = []
    rest: list[IngestInboxRow] = []
    later: list[IngestInboxRow] = []
    taken: dict[tuple[int, str], object] = {}
    for row in rows:
        item = _read(row, shops[row.shop_id], mapped.get(row.id))
        claims = _claims(row, item)
        clash = any(
            k in taken and (taken[k] is _BLOCKED or taken[k] != v) for k, v in claims.items()
        )
        if item is None or clash:
            (rest if item is None else later).append(row)
            taken.update(dict.fromkeys(claims, _BLOCKED))
        else:
            items.append(item)
            for key, value in claims.items():
                taken.setdefault(key, value)
    return items, rest, later


def _read(row: IngestInboxRow, shop: Shop, mapped: Handed | None) -> Item | None:
    try:
        if row.source == API_SOURCE and row.topic == STATUS_TOPIC:
            return StatusItem(row, StatusRowIn.model_validate_json(row.payload))
        if row.source == API_SOURCE and row.topic == ORDER_TOPIC:
            data = OrderIn.model_validate_json(row.payload)
        elif mapped is not None:
            data = mapped.order
        else:
            return None
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
        if mapped is not None and mapped.accepts_marketing is not None:
            fields["accepts_marketing"] = mapped.accepts_marketing
        if mapped is not None and mapped.consents:
            fields["consents"] = mapped.consents
        customer = CustomerIn(**fields)
    except (ValidationError, CareloopError, ValueError):
        return None  # the one-at-a-time way reports it as it always has
    said = mapped.said if mapped is not None else ""
    return OrderItem(row, data, customer, currency, total_minor, lines, row.source, said)


def _claims(row: IngestInboxRow, item: Item | None) -> dict[tuple[int, str], object]:
    """The keys a row touches, each with what it says about it: two rows may share a
    customer (phone, email) only if they say the same about them from the same source."""
    shop = row.shop_id
    claims: dict[tuple[int, str], object] = {(shop, f"key:{row.order_key}"): row.id}
    if isinstance(item, StatusItem):
        claims[(shop, f"order:{item.change.order_id}")] = row.id
    elif item is not None:
        person = (item.source, item.customer.model_dump())
        claims[(shop, f"order:{item.data.order_id}")] = row.id
        claims[(shop, f"customer:{item.customer.customer_id}")] = person
        if item.customer.phone:
            claims[(shop, f"phone:{item.customer.phone}")] = person
        if item.customer.email:
            claims[(shop, f"email:{item.customer.email.lower()}")] = person
    return claims


def hold_keys(session: Session, planned: Sequence[Item]) -> list[Item]:
    """The items whose keys this transaction now holds (PostgreSQL, a batch written beside
    other workers' batches of the shop): each order, customer id, phone, email, platform
    delivery and product not yet stored that an item writes is a transaction-level advisory
    lock (class, hash), taken with `pg_try_advisory_xact_lock`, which never waits (PostgreSQL
    documentation, 9.28.10 "Advisory Lock Functions"): no deadlock; an item with a key
    another batch holds is left for later. Two batches so never write one order, insert one
    customer, delivery or product, or link two ids to one phone or email at once, and a
    customer's row is changed in bulk only through its own id (bulk_identity), whose key the
    batch holds: no row is written by two batches, so neither waits for the other."""
    if not planned:
        return []
    shop_id = planned[0].row.shop_id  # a keyed batch applies one shop (inbox._claim)
    skus = {sku for p in planned if isinstance(p, OrderItem) for sku, *_ in p.lines if sku}
    stored_skus = (
        set(
            session.scalars(
                select(Product.sku).where(Product.shop_id == shop_id, Product.sku.in_(skus))
            )
        )
        if skus
        else set()
    )
    keys_of = {p.row.id: _lock_keys(p, stored_skus) for p in planned}
    wanted = sorted({key for keys in keys_of.values() for key in keys})
    found = session.execute(
        text(
            "SELECT k, pg_try_advisory_xact_lock(CAST(:class AS integer), k)"
            " FROM unnest(CAST(:keys AS integer[])) AS k"
        ),
        {"class": KEY_LOCK_CLASS, "keys": [_key_hash(shop_id, k) for k in wanted]},
    )
    held: dict[int, bool] = {int(k): bool(ok) for k, ok in found}
    return [p for p in planned if all(held[_key_hash(shop_id, k)] for k in keys_of[p.row.id])]


def _lock_keys(p: Item, stored_skus: set[str]) -> set[str]:
    if isinstance(p, StatusItem):
        return {f"order:{p.change.order_id}"}
    keys = {f"order:{p.data.order_id}", f"customer:{p.customer.customer_id}"}
    if p.customer.phone:
        keys.add(f"phone:{p.customer.phone}")
    if p.customer.email:
        keys.add(f"email:{p.customer.email.lower()}")
    if p.source != API_SOURCE:
        keys.add(f"delivery:{p.source}:{p.row.external_id}")
    keys |= {f"sku:{sku}" for sku, *_ in p.lines if sku and sku not in stored_skus}
    return keys


def _key_hash(shop_id: int, key: str) -> int:
    """A stable signed 32-bit number for (shop, key); a collision only holds a row back."""
    digest = hashlib.blake2b(f"{shop_id}:{key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def apply_planned(
    session: Session, clock: Clock, shop: Shop, planned: Sequence[Item]
) -> tuple[dict[int, str], list[IngestInboxRow]]:
    """Write one shop's planned rows; returns what was applied (row id -> a one-line
    result) and the rows left for the one-at-a-time way (in received order)."""
    now = clock.now()
    order_items = [p for p in planned if isinstance(p, OrderItem)]
    status_items = [p for p in planned if isinstance(p, StatusItem)]
    stored = _stored_orders(
        session,
        shop.id,
        {p.data.order_id for p in order_items} | {p.change.order_id for p in status_items},
    )
    customers = _settle_customers(session, now, shop.id, order_items, stored)
    ready: list[tuple[OrderItem, int]] = []
    for p in order_items:
        customer_id = customers.get((p.source, p.customer.customer_id))
        known = stored.get(p.data.order_id)
        if customer_id is not None and (known is None or known["customer_id"] == customer_id):
            ready.append((p, customer_id))
    changes = [
        p
        for p in status_items
        if p.change.order_id in stored
        and (p.change.at or now) >= stored[p.change.order_id]["placed_at"]
    ]
    done = {p.row.id for p, _ in ready} | {p.row.id for p in changes}
    rest = [p.row for p in planned if p.row.id not in done]
    if not done:
        return {}, rest
    fresh = [(p, c) for p, c in ready if p.data.order_id not in stored]
    order_ids = _insert_orders(session, now, shop, fresh)
    order_ids.update({external: known["id"] for external, known in stored.items()})
    _write_lines(session, clock, shop, [p for p, _ in ready], stored, order_ids)
    events: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for p, customer_id in ready:
        known = stored.get(p.data.order_id)
        events += _order_changes(now, shop, p, known, order_ids, customer_id, updates)
    for change in changes:
        known = stored[change.change.order_id]
        events += _status_changes(now, shop, change, known, updates)
    if updates:
        session.execute(update(ORDERS).where(ORDERS.c.id == bindparam("_id")), updates)
        for change_row in updates:  # an order loaded earlier in this session is read again
            loaded = session.identity_map.get(session.identity_key(Order, change_row["_id"]))
            if loaded is not None:
                session.expire(loaded)
    record_events(session, events)
    results = {
        p.row.id: f"order {p.data.order_id} {'updated' if p.data.order_id in stored else 'created'}"
        for p, _ in ready
    }
    results.update({p.row.id: f"order {p.change.order_id} {p.change.status}" for p in changes})
    by_source: dict[str, list[tuple[IngestInboxRow, str]]] = defaultdict(list)
    for p, _ in ready:
        if p.source in _SOURCES:
            by_source[p.source].append((p.row, p.said))
    for source, written in by_source.items():
        results.update(_SOURCES[source].record(session, clock, shop, written))
    return results, rest


def _stored_orders(
    session: Session, shop_id: int, external_ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    """The shop's stored orders among `external_ids`, as column dicts, locked until commit
    on PostgreSQL (as `upsert_order` and `change_status` lock the order they change)."""
    if not external_ids:
        return {}
    query = (
        select(ORDERS)
        .where(ORDERS.c.shop_id == shop_id, ORDERS.c.external_id.in_(external_ids))
        .order_by(ORDERS.c.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return {row.external_id: dict(row._mapping) for row in session.execute(query)}


def _settle_customers(
    session: Session,
    now: datetime,
    shop_id: int,
    items: Sequence[OrderItem],
    stored: dict[str, dict[str, Any]],
) -> dict[tuple[str, str], int]:
    """(source, external id) -> customer id for the items whose customer needs no judgement.
    Only the customer of a new order may be created (a stored order never changes customer)."""
    settled: dict[tuple[str, str], int] = {}
    sources = sorted({p.source for p in items})
    for source in sources:
        wanted: dict[str, CustomerIn] = {}
        creatable: set[str] = set()
        for p in items:
            if p.source != source:
                continue
            wanted.setdefault(p.customer.customer_id, p.customer)
            if p.data.order_id not in stored:
                creatable.add(p.customer.customer_id)
        resolved = resolve_customers(
            session,
            now=now,
            shop_id=shop_id,
            wanted=list(wanted.values()),
            source=source,
            creatable=creatable,
        )
        settled.update({(source, ext): cid for ext, cid in resolved.ids.items()})
    return settled


def _times(p: OrderItem, now: datetime) -> dict[str, datetime | None]:
    """The status times an order row says, as upsert_order reads them (the stated status
    without a time of its own happened when the row is applied, never before placed_at)."""
    times = p.data.status_times()
    if times.get(p.data.status) is None:
        times[p.data.status] = max(now, p.data.placed_at)
    return times


def _insert_orders(
    session: Session, now: datetime, shop: Shop, fresh: list[tuple[OrderItem, int]]
) -> dict[str, int]:
    if not fresh:
        return {}
    rows = []
    for p, customer_id in fresh:
        times = merge_times({}, _times(p, now))
        address = p.data.shipping_line()
        rows.append(
            {
                "shop_id": shop.id,
                "external_id": p.data.order_id,
                "number": p.data.number,
                "customer_id": customer_id,
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


def _write_lines(
    session: Session,
    clock: Clock,
    shop: Shop,
    items: list[OrderItem],
    stored: dict[str, dict[str, Any]],
    order_ids: dict[str, int],
) -> None:
    """Lines of new orders, and of re-sent orders whose lines changed (replaced, as
    `upsert_order` replaces them; a re-send without lines keeps the stored ones)."""
    resent = [p for p in items if p.data.order_id in stored and p.lines]
    current: dict[int, list[Line]] = defaultdict(list)
    if resent:
        for row in session.execute(
            select(
                LINES.c.order_id,
                LINES.c.sku,
                LINES.c.product_name,
                LINES.c.quantity,
                LINES.c.unit_price_minor,
            )
            .where(LINES.c.order_id.in_([order_ids[p.data.order_id] for p in resent]))
            .order_by(LINES.c.id)
        ):
            current[row[0]].append(tuple(row[1:]))  # type: ignore[arg-type]
    replaced = [p for p in resent if current[order_ids[p.data.order_id]] != p.lines]
    if replaced:
        session.execute(
            delete(LINES).where(
                LINES.c.order_id.in_([order_ids[p.data.order_id] for p in replaced])
            )
        )
    written = [p for p in items if p.data.order_id not in stored] + replaced
    written.sort(key=lambda p: p.row.id)
    first: dict[str, tuple[str, str, int]] = {}  # the first line of a sku names its product
    for p in written:
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
        for p in written
        for sku, name, quantity, price in p.lines
    ]
    if rows:
        session.execute(insert(LINES), rows)


def _order_changes(
    now: datetime,
    shop: Shop,
    p: OrderItem,
    known: dict[str, Any] | None,
    order_ids: dict[str, int],
    customer_id: int,
    updates: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """A re-sent order's refreshed fields and new status times (an update row), and the
    events of its newly known times; for a new order, the events of all its times."""
    if known is None:
        times = merge_times({}, _times(p, now))
        order: dict[str, Any] = {
            "id": order_ids[p.data.order_id],
            "customer_id": customer_id,
            "total_minor": p.total_minor,
            "currency": p.currency,
        }
        return _events(now, shop, p.data.order_id, order, times, p.source, None)
    order = dict(known)
    _refresh(order, p, now)
    times = merge_times(_stored_times(known), _times(p, now))
    _set_times(order, times, now)
    if order != known:
        updates.append(_update_row(order))
    return _events(now, shop, p.data.order_id, order, times, p.source, None)


def _status_changes(
    now: datetime, shop: Shop, p: StatusItem, known: dict[str, Any], updates: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A status change merged into its stored order (orders.service.change_status)."""
    order = dict(known)
    times = merge_times(_stored_times(known), {p.change.status: p.change.at or now})
    _set_times(order, times, now)
    if order != known:
        updates.append(_update_row(order))
    return _events(now, shop, p.change.order_id, order, times, p.source, p.change.event_id)


def _refresh(order: dict[str, Any], p: OrderItem, now: datetime) -> None:
    """orders.service._refresh_order on a column dict."""
    data = p.data
    address = data.shipping_line()
    changed = (
        order["total_minor"] != p.total_minor
        or order["currency"] != p.currency
        or (data.discount_codes and order["discount_codes"] != list(data.discount_codes))
        or (address is not None and address != order["shipping_address"])
        or (data.number is not None and data.number != order["number"])
    )
    if not changed:
        return
    if data.number is not None:
        order["number"] = data.number
    if address is not None:
        order["shipping_address"], order["shipping_address_key"] = address, address_key(address)
    order["total_minor"], order["currency"] = p.total_minor, p.currency
    if data.discount_codes:
        order["discount_codes"] = list(data.discount_codes)
    order["updated_at"] = now


def _stored_times(order: dict[str, Any]) -> dict[str, datetime | None]:
    return {status: order[field] for status, field in TIME_FIELDS.items()}


def _set_times(order: dict[str, Any], new_times: dict[str, datetime], now: datetime) -> None:
    """orders.service._apply_times on a column dict: the status follows the times."""
    if not new_times:
        return
    for status, at in new_times.items():
        order[TIME_FIELDS[status]] = at
    order["status"] = current_status(_stored_times(order))
    order["updated_at"] = now


def _update_row(order: dict[str, Any]) -> dict[str, Any]:
    return {"_id": order["id"], **{column: order[column] for column in UPDATABLE}}


def _events(
    now: datetime,
    shop: Shop,
    external_id: str,
    order: dict[str, Any],
    new_times: dict[str, datetime],
    source: str,
    event_id: str | None,
) -> list[dict[str, Any]]:
    """One event per newly known status time, oldest first (orders.service._apply_times)."""
    total = str(to_major(order["total_minor"], order["currency"]))
    return [
        event_row(
            now=now,
            shop_id=shop.id,
            customer_id=order["customer_id"],
            order_id=order["id"],
            type=STATUS_EVENTS[status],
            occurred_at=at,
            source=source,
            event_key=f"order:{external_id}:{status}",
            payload={
                "order_id": external_id,
                "status": status,
                "total": total,
                "currency": order["currency"],
                **({"event_id": event_id} if event_id else {}),
            },
            summary=f"#{external_id}",
        )
        for status, at in sorted(new_times.items(), key=lambda item: item[1])
    ]
