"""Writing a batch of orders in a few statements, with the effects of
orders.service.upsert_order: status times merged (first time wins), status derived,
lines replaced when they differ, products created from lines, one timeline event per
status time (`order:<id>:<status>`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from careloop.core.money import to_major
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.imports.bulk import JsonText, insert_rows
from careloop.imports.csvfile import ErrorLog
from careloop.imports.customer_writer import CustomerData, CustomerWriter
from careloop.imports.order_rows import LineItem, OrderRow
from careloop.imports.timeline_rows import event_row, insert_events
from careloop.orders.address import address_key
from careloop.orders.models import Order, OrderLine, Product
from careloop.orders.service import STATUS_EVENTS
from careloop.orders.status import TIME_FIELDS, current_status, merge_times

ORDERS: Table = Order.__table__  # type: ignore[assignment]
LINES: Table = OrderLine.__table__  # type: ignore[assignment]
PRODUCTS: Table = Product.__table__  # type: ignore[assignment]


@dataclass
class OrderData:
    """All lines of one order in the file, merged."""

    line: int
    order_id: str
    customer_id: str
    placed_at: datetime
    total_minor: int
    currency: str
    status: str | None = None
    times: dict[str, datetime] = field(default_factory=dict)
    items: list[LineItem] = field(default_factory=list)
    discount_codes: list[str] = field(default_factory=list)
    customer_name: str | None = None
    email: str | None = None
    phone: str | None = None
    accepts_marketing: bool | None = None
    shipping_address: str | None = None

    @classmethod
    def start(cls, row: OrderRow) -> OrderData:
        data = cls(
            line=row.line,
            order_id=row.order_id,
            customer_id=row.customer_id,
            placed_at=row.placed_at,
            total_minor=row.total_minor,
            currency=row.currency,
        )
        data.add(row)
        return data

    def add(self, row: OrderRow) -> None:
        self.status = self.status or row.status
        for status, at in row.times.items():
            self.times.setdefault(status, at)
        if row.item is not None:
            self.items.append(row.item)
        self.discount_codes.extend(c for c in row.discount_codes if c not in self.discount_codes)
        self.customer_name = row.customer_name or self.customer_name
        self.email = row.email or self.email
        self.phone = row.phone or self.phone
        if row.accepts_marketing is not None:
            self.accepts_marketing = row.accepts_marketing
        self.shipping_address = row.shipping_address or self.shipping_address

    def status_times(self) -> dict[str, datetime | None]:
        """Every known time; the stated status without a time of its own gets the latest
        known time (not "now" as in the API: the file is history, and "now" would make an
        old order look freshly delivered to the journeys)."""
        times: dict[str, datetime | None] = {"placed": self.placed_at, **self.times}
        if self.status and times.get(self.status) is None:
            times[self.status] = max(t for t in times.values() if t is not None)
        return times


@dataclass
class OrderWrite:
    customers_new: int = 0
    customers_updated: int = 0
    orders_new: int = 0
    orders_updated: int = 0
    lines: int = 0


@dataclass
class OrderWriter:
    session: Session
    shop_id: int
    now: datetime
    source: str
    log: ErrorLog  # an order that belongs to another customer is reported here
    products: dict[str, int] = field(default_factory=dict)  # sku -> id, few per shop

    def write(self, batch: Sequence[OrderData], result: OrderWrite) -> None:
        customers = self._customers(batch, result)
        stored = self._stored(batch)
        new: list[OrderData] = []
        changed: list[tuple[OrderData, dict[str, Any]]] = []
        for data in batch:
            old = stored.get(data.order_id)
            if old is None:
                new.append(data)
            elif old["customer_id"] != customers[data.customer_id]:
                self.log.add(
                    data.line,
                    "customer_id",
                    f"order {data.order_id!r} already belongs to another customer; "
                    "its customer_id cannot change",
                )
            else:
                changed.append((data, old))
        ids = self._insert(new, customers)
        result.orders_new += len(new)
        events = [
            event
            for data in new
            for event in self._events(
                data, ids[data.order_id], customers[data.customer_id], data.status_times()
            )
        ]
        updated, relined = self._update(changed, events)
        result.orders_updated += updated
        result.lines += self._replace_lines(
            relined, {d.order_id: stored[d.order_id]["id"] for d in relined}
        )
        result.lines += self._insert_lines(new, ids)
        insert_events(self.session, events)

    def _customers(self, batch: Sequence[OrderData], result: OrderWrite) -> dict[str, int]:
        wanted: dict[str, CustomerData] = {}
        for data in batch:
            customer = wanted.setdefault(data.customer_id, CustomerData(data.customer_id))
            for name, value in (
                ("name", data.customer_name),
                ("email", data.email),
                ("phone", data.phone),
            ):
                if value is not None:
                    customer.fields[name] = value
            if data.accepts_marketing is not None:
                customer.accepts_marketing = data.accepts_marketing
            if customer.first_seen is None or data.placed_at < customer.first_seen:
                customer.first_seen = data.placed_at
        writer = CustomerWriter(
            session=self.session,
            shop_id=self.shop_id,
            now=self.now,
            source=self.source,
            history=False,
        )
        written = writer.write(wanted)
        result.customers_new += written.created
        result.customers_updated += written.updated
        return written.ids

    def _stored(self, batch: Sequence[OrderData]) -> dict[str, dict[str, Any]]:
        rows = self.session.execute(
            select(ORDERS).where(
                ORDERS.c.shop_id == self.shop_id,
                ORDERS.c.external_id.in_([d.order_id for d in batch]),
            )
        )
        return {row.external_id: dict(row._mapping) for row in rows}

    def _insert(self, new: list[OrderData], customers: dict[str, int]) -> dict[str, int]:
        if not new:
            return {}
        rows = []
        for data in new:
            times = data.status_times()
            rows.append(
                {
                    "shop_id": self.shop_id,
                    "external_id": data.order_id,
                    "customer_id": customers[data.customer_id],
                    "status": current_status(times),
                    "currency": data.currency,
                    "total_minor": data.total_minor,
                    "discount_codes": list(data.discount_codes),
                    "shipping_address": data.shipping_address,
                    "shipping_address_key": address_key(data.shipping_address),
                    "placed_at": data.placed_at,
                    **{TIME_FIELDS[s]: times.get(s) for s in TIME_FIELDS if s != "placed"},
                    "source": self.source,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
        insert_rows(self.session, ORDERS, rows, conflict_on=("shop_id", "external_id"))
        found = self.session.execute(
            select(ORDERS.c.external_id, ORDERS.c.id).where(
                ORDERS.c.shop_id == self.shop_id,
                ORDERS.c.external_id.in_([d.order_id for d in new]),
            )
        )
        return {ext: oid for ext, oid in found}

    def _update(
        self,
        changed: list[tuple[OrderData, dict[str, Any]]],
        events: list[dict[str, Any]],
    ) -> tuple[int, list[OrderData]]:
        """Refresh stored orders: how many changed, and those whose lines must be replaced."""
        lines = self._stored_lines([old["id"] for data, old in changed if data.items])
        rows: list[dict[str, Any]] = []
        relined: list[OrderData] = []
        for data, old in changed:
            stored_times = {s: old[f] for s, f in TIME_FIELDS.items()}
            new_times = merge_times(stored_times, data.status_times())
            codes = data.discount_codes or old["discount_codes"]
            # A file without the address keeps the one stored.
            address = data.shipping_address or old["shipping_address"]
            refreshed = (data.total_minor, data.currency, codes, address) != (
                old["total_minor"],
                old["currency"],
                old["discount_codes"],
                old["shipping_address"],
            )
            new_lines = bool(data.items) and lines.get(old["id"], []) != data.items
            if new_lines:
                relined.append(data)
            if not (refreshed or new_times or new_lines):
                continue
            times = {**stored_times, **new_times}
            rows.append(
                {
                    "_id": old["id"],
                    "status": current_status(times),
                    "total_minor": data.total_minor,
                    "currency": data.currency,
                    "discount_codes": list(codes),
                    "shipping_address": address,
                    "shipping_address_key": address_key(address),
                    **{TIME_FIELDS[s]: times[s] for s in TIME_FIELDS if s != "placed"},
                    "updated_at": self.now,
                }
            )
            events.extend(self._events(data, old["id"], old["customer_id"], dict(new_times)))
        if rows:
            self.session.execute(update(ORDERS).where(ORDERS.c.id == bindparam("_id")), rows)
        return len(rows), relined

    def _stored_lines(self, order_ids: list[int]) -> dict[int, list[LineItem]]:
        found: dict[int, list[LineItem]] = {}
        if not order_ids:
            return found
        rows = self.session.execute(
            select(
                LINES.c.order_id,
                LINES.c.sku,
                LINES.c.product_name,
                LINES.c.quantity,
                LINES.c.unit_price_minor,
            )
            .where(LINES.c.shop_id == self.shop_id, LINES.c.order_id.in_(order_ids))
            .order_by(LINES.c.id)
        )
        for oid, sku, name, quantity, price in rows:
            found.setdefault(oid, []).append(LineItem(sku, name, quantity, price))
        return found

    def _replace_lines(self, orders: list[OrderData], ids: dict[str, int]) -> int:
        if not orders:
            return 0
        self.session.execute(
            delete(LINES).where(
                LINES.c.shop_id == self.shop_id, LINES.c.order_id.in_(list(ids.values()))
            )
        )
        return self._insert_lines(orders, ids)

    def _insert_lines(self, orders: list[OrderData], ids: dict[str, int]) -> int:
        items = [(ids[d.order_id], item) for d in orders for item in d.items]
        if not items:
            return 0
        products = self._products([item for _, item in items])
        rows = [
            {
                "shop_id": self.shop_id,
                "order_id": oid,
                "product_id": products.get(item.sku) if item.sku else None,
                "sku": item.sku,
                "product_name": item.product_name,
                "quantity": item.quantity,
                "unit_price_minor": item.unit_price_minor,
            }
            for oid, item in items
        ]
        insert_rows(self.session, LINES, rows)
        return len(rows)

    def _products(self, items: list[LineItem]) -> dict[str, int]:
        """Ids by sku, creating unknown products from their first line (as the API does)."""
        missing: dict[str, dict[str, Any]] = {}
        for item in items:
            if item.sku and item.sku not in self.products and item.sku not in missing:
                missing[item.sku] = {
                    "shop_id": self.shop_id,
                    "sku": item.sku,
                    "name": item.product_name or item.sku,
                    "price_minor": item.unit_price_minor,
                    "created_at": self.now,
                }
        if missing:
            insert_ignoring_duplicates(
                self.session, PRODUCTS, list(missing.values()), ["shop_id", "sku"]
            )
            found = self.session.execute(
                select(PRODUCTS.c.sku, PRODUCTS.c.id).where(
                    PRODUCTS.c.shop_id == self.shop_id, PRODUCTS.c.sku.in_(list(missing))
                )
            )
            self.products.update({sku: pid for sku, pid in found})
        return self.products

    def _events(
        self,
        data: OrderData,
        order_id: int,
        customer_id: int,
        times: dict[str, datetime | None],
    ) -> list[dict[str, Any]]:
        # The payload {"order_id", "status", "total", "currency"} as json.dumps writes it,
        # serialised once per order instead of once per event.
        head = f'{{"order_id": {json.dumps(data.order_id)}, "status": "'
        tail = (
            f'", "total": "{to_major(data.total_minor, data.currency)}",'
            f' "currency": {json.dumps(data.currency)}}}'
        )
        return [
            event_row(
                shop_id=self.shop_id,
                customer_id=customer_id,
                order_id=order_id,
                type=STATUS_EVENTS[status],
                occurred_at=at,
                now=self.now,
                source=self.source,
                event_key=f"order:{data.order_id}:{status}",
                payload=JsonText(head + status + tail),
                summary=f"#{data.order_id}",
            )
            for status, at in sorted(
                ((s, t) for s, t in times.items() if t is not None), key=lambda item: item[1]
            )
        ]
