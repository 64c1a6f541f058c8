"""Turns drafted customers and orders into rows, batch by batch, with SQLAlchemy Core.

The rows have the shapes the API writes (orders/service.py, customers/service.py): the
same event types, event keys and payloads, so every screen and journey reads demo data
like real data. Timeline events are stored already dispatched: history is not news, and
loading the demo must not set off journeys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.money import to_major
from careloop.customers.models import Consent, Customer, TimelineEvent
from careloop.demo.catalog import PRODUCTS
from careloop.demo.history import CustomerDraft, OrderDraft
from careloop.orders.models import Order, OrderLine, Product
from careloop.orders.service import STATUS_EVENTS
from careloop.orders.status import RANK, TIME_FIELDS

SOURCE = "demo"
TIMEZONE = "Asia/Ho_Chi_Minh"


def table(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


@dataclass
class Counts:
    customers: int = 0
    orders: int = 0
    lines: int = 0
    events: int = 0


def insert_products(session: Session, *, shop_id: int, created_at: datetime) -> list[int]:
    """The catalogue, in PRODUCTS order; returns the product ids in that order."""
    rows = [
        {
            "shop_id": shop_id,
            "sku": p.sku,
            "name": p.name,
            "category": p.category,
            "price_minor": p.price_vnd,
            "usage_days": p.usage_days,
            "warranty_days": p.warranty_days,
            "maintenance_interval_days": p.maintenance_interval_days,
            "care_guide_text": p.care_guide,
            "care_guide_url": None,
            "created_at": created_at,
        }
        for p in PRODUCTS
    ]
    return _insert_returning_ids(session, table(Product), rows)


def _insert_returning_ids(session: Session, target: Table, rows: list[dict[str, Any]]) -> list[int]:
    stmt = insert(target).returning(target.c.id, sort_by_parameter_order=True)
    return list(session.execute(stmt, rows).scalars())


def _insert(session: Session, target: Table, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(target), list(rows))


class DemoWriter:
    """Writes one batch of drafted customers (with their orders) per call."""

    def __init__(
        self, *, shop_id: int, currency: str, product_ids: list[int], now: datetime
    ) -> None:
        self.shop_id = shop_id
        self.currency = currency
        self.product_ids = product_ids
        self.now = now

    def write(self, session: Session, drafts: Sequence[CustomerDraft]) -> Counts:
        counts = Counts(customers=len(drafts))
        if not drafts:
            return counts
        customer_ids = _insert_returning_ids(
            session, table(Customer), [self._customer_row(d) for d in drafts]
        )
        consents: list[dict[str, Any]] = []
        timeline: list[dict[str, Any]] = []
        for draft, customer_id in zip(drafts, customer_ids, strict=True):
            timeline.append(self._customer_created(draft, customer_id))
            for channel, state in sorted(draft.person.consents.items()):
                consents.append(self._consent_row(draft, customer_id, channel, state))
                timeline.append(self._consent_event(draft, customer_id, channel, state))
        _insert(session, table(Consent), consents)

        placed = [(o, cid) for d, cid in zip(drafts, customer_ids, strict=True) for o in d.orders]
        order_ids = (
            _insert_returning_ids(session, table(Order), [self._order_row(o, c) for o, c in placed])
            if placed
            else []
        )
        lines: list[dict[str, Any]] = []
        for (order, customer_id), order_id in zip(placed, order_ids, strict=True):
            lines.extend(self._line_rows(order, order_id))
            timeline.extend(self._order_events(order, order_id, customer_id))
        _insert(session, table(OrderLine), lines)
        _insert(session, table(TimelineEvent), timeline)
        counts.orders, counts.lines, counts.events = len(placed), len(lines), len(timeline)
        return counts

    def _customer_row(self, draft: CustomerDraft) -> dict[str, Any]:
        person = draft.person
        return {
            "shop_id": self.shop_id,
            "external_id": draft.external_id,
            "name": person.name,
            "email": person.email,
            "phone": person.phone,
            "zalo_user_id": person.zalo_user_id,
            "birthday": person.birthday,
            "locale": person.locale,
            "timezone": TIMEZONE,
            "preferred_channel": person.preferred_channel,
            "tags": person.tags,
            "referral_code": draft.referral_code,
            "created_at": draft.created_at,
            "updated_at": draft.created_at,
            "erased_at": None,
        }

    def _event(
        self,
        *,
        customer_id: int,
        type: str,
        occurred_at: datetime,
        payload: dict[str, Any],
        summary: str,
        event_key: str | None = None,
        order_id: int | None = None,
    ) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "customer_id": customer_id,
            "order_id": order_id,
            "type": type,
            "occurred_at": occurred_at,
            "recorded_at": self.now,
            "source": SOURCE,
            "event_key": event_key,
            "payload": payload,
            "summary": summary,
            "history": True,
        }

    def _customer_created(self, draft: CustomerDraft, customer_id: int) -> dict[str, Any]:
        return self._event(
            customer_id=customer_id,
            type=events.CUSTOMER_CREATED,
            occurred_at=draft.created_at,
            payload={},
            summary=draft.person.name,
            event_key=f"customer:{draft.external_id}:created",
        )

    def _consent_row(
        self, draft: CustomerDraft, customer_id: int, channel: str, state: str
    ) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "customer_id": customer_id,
            "channel": channel,
            "state": state,
            "changed_at": draft.created_at,
            "source": SOURCE,
        }

    def _consent_event(
        self, draft: CustomerDraft, customer_id: int, channel: str, state: str
    ) -> dict[str, Any]:
        return self._event(
            customer_id=customer_id,
            type=events.CONSENT_CHANGED,
            occurred_at=draft.created_at,
            payload={"channel": channel, "from": "unknown", "to": state},
            summary=f"{channel}: unknown → {state}",
        )

    def _order_row(self, order: OrderDraft, customer_id: int) -> dict[str, Any]:
        row: dict[str, Any] = {
            "shop_id": self.shop_id,
            "external_id": order.external_id,
            "customer_id": customer_id,
            "status": order.status,
            "currency": self.currency,
            "total_minor": order.total_minor,
            "discount_codes": order.discount_codes,
            "source": SOURCE,
            "created_at": order.placed_at,
            "updated_at": max(order.times.values()),
        }
        for status, field in TIME_FIELDS.items():
            row[field] = order.times.get(status)
        return row

    def _line_rows(self, order: OrderDraft, order_id: int) -> list[dict[str, Any]]:
        return [
            {
                "shop_id": self.shop_id,
                "order_id": order_id,
                "product_id": self.product_ids[line.product],
                "sku": PRODUCTS[line.product].sku,
                "product_name": PRODUCTS[line.product].name,
                "quantity": line.quantity,
                "unit_price_minor": line.unit_price_minor,
            }
            for line in order.lines
        ]

    def _order_events(
        self, order: OrderDraft, order_id: int, customer_id: int
    ) -> list[dict[str, Any]]:
        total = str(to_major(order.total_minor, self.currency))
        # In time order, ties in lifecycle order, as orders/service.py records them.
        steps = sorted(order.times.items(), key=lambda item: (item[1], RANK[item[0]]))
        return [
            self._event(
                customer_id=customer_id,
                order_id=order_id,
                type=STATUS_EVENTS[status],
                occurred_at=at,
                payload={
                    "order_id": order.external_id,
                    "status": status,
                    "total": total,
                    "currency": self.currency,
                },
                summary=f"#{order.external_id}",
                event_key=f"order:{order.external_id}:{status}",
            )
            for status, at in steps
        ]
