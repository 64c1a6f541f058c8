"""Backfill a shop's history from its platform's export: Shopify's orders CSV export and
WooCommerce's REST order list (JSON array). All or nothing; every bad row is reported with
its file and line (CSV) or index (JSON). History does not trigger journeys: events older
than BACKFILL_WINDOW are marked as history (journeys pass over them)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.orm import Session

from careloop.connectors import woocommerce
from careloop.core.clock import Clock
from careloop.core.errors import CareloopError, FieldError, ValidationFailed
from careloop.customers.models import TimelineEvent
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.imports.backfill import BACKFILL_WINDOW
from careloop.orders.address import address_line
from careloop.orders.schemas import OrderIn, OrderLineIn
from careloop.orders.service import upsert_order
from careloop.shops.models import Shop

SHOPIFY_REQUIRED = ("Name", "Created at", "Total")
SHOPIFY_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z")


@dataclass(frozen=True)
class BackfillSummary:
    orders: int
    customers: int

    def __str__(self) -> str:
        return f"backfilled {self.orders} order(s) of {self.customers} customer(s)"


def backfill(
    *, session: Session, clock: Clock, shop: Shop, platform: str, path: Path
) -> BackfillSummary:
    if platform == "shopify":
        orders = list(_shopify_orders(path))
    elif platform == "woocommerce":
        orders = list(_woocommerce_orders(path))
    else:
        raise ValidationFailed(
            [FieldError("platform", f"no backfill for {platform!r}: use shopify or woocommerce")]
        )
    source = f"{platform}:backfill"
    customers: set[str] = set()
    for order, customer in orders:
        try:
            if customer is not None:
                upsert_customer(
                    session=session, clock=clock, shop=shop, data=customer, source=source
                )
            upsert_order(session=session, clock=clock, shop=shop, data=order, source=source)
        except CareloopError as exc:
            raise ValidationFailed([FieldError(f"order {order.order_id}", str(exc))]) from None
        customers.add(order.customer_id)
    session.execute(
        update(TimelineEvent)
        .where(
            TimelineEvent.shop_id == shop.id,
            TimelineEvent.source == source,
            TimelineEvent.history.is_(False),
            # Recent orders still get their care; old ones and profile facts are history.
            (TimelineEvent.occurred_at < clock.now() - BACKFILL_WINDOW)
            | ~TimelineEvent.type.like("order.%"),
        )
        .values(history=True)
    )
    return BackfillSummary(orders=len(orders), customers=len(customers))


def _shopify_orders(path: Path) -> Iterator[tuple[OrderIn, CustomerIn | None]]:
    """Shopify's export has one row per line item; order fields only on the order's first row."""
    errors: list[FieldError] = []
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in SHOPIFY_REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationFailed(
                [
                    FieldError(c, "required column is missing", line=1, source=str(path))
                    for c in missing
                ]
            )
        for row in reader:
            groups.setdefault(row["Name"].strip(), []).append((reader.line_num, row))
    results = []
    for name, rows in groups.items():
        try:
            results.append(_shopify_order(name, rows, str(path)))
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    yield from results


def _shopify_order(
    name: str, rows: list[tuple[int, dict[str, str]]], source: str
) -> tuple[OrderIn, CustomerIn | None]:
    line_no, head = rows[0]

    def fail(field: str, reason: str) -> ValidationFailed:
        return ValidationFailed([FieldError(field, reason, line=line_no, source=source)])

    placed = _shopify_time(head.get("Created at", ""))
    if placed is None:
        raise fail("Created at", f"not a time: {head.get('Created at')!r}")
    email = (head.get("Email") or "").strip().lower() or None
    external = (head.get("Id") or "").strip() or name
    customer_id = f"email:{email}" if email else f"shopify-order:{external}"
    times: dict[str, datetime] = {}
    for column, field in (
        ("Paid at", "paid_at"),
        ("Fulfilled at", "shipped_at"),
        ("Cancelled at", "cancelled_at"),
    ):
        if raw := (head.get(column) or "").strip():
            at = _shopify_time(raw)
            if at is None:
                raise fail(column, f"not a time: {raw!r}")
            times[field] = max(at, placed)
    if (head.get("Financial Status") or "").strip() == "refunded":
        times["returned_at"] = max(times.get("paid_at", placed), placed)
    try:
        lines = [
            OrderLineIn(
                sku=(row.get("Lineitem sku") or "").strip() or None,
                product_name=(row.get("Lineitem name") or "").strip(),
                quantity=int(row.get("Lineitem quantity") or 1),
                unit_price=(row.get("Lineitem price") or "0").strip(),
            )
            for _, row in rows
        ]
        order = OrderIn(
            order_id=external,
            customer_id=customer_id,
            placed_at=placed,
            total=(head.get("Total") or "").strip(),
            currency=(head.get("Currency") or "").strip() or None,
            lines=lines,
            discount_codes=[c for c in [(head.get("Discount Code") or "").strip()] if c],
            customer_name=(head.get("Billing Name") or "").strip() or None,
            email=email,
            shipping_address=address_line(
                [
                    head.get(f"Shipping {part}")
                    for part in ("Address1", "Address2", "City", "Province", "Zip", "Country")
                ]
                if head.get("Shipping Address1")
                else [head.get("Shipping Street"), head.get("Shipping City")]
            ),
            **times,
        )
    except (ValidationError, ValueError) as exc:
        raise fail(_first_field(exc), _first_reason(exc)) from None
    accepts = (head.get("Accepts Marketing") or "").strip().lower()
    customer = (
        CustomerIn(customer_id=customer_id, accepts_marketing=accepts == "yes")
        if accepts in {"yes", "no"}
        else None
    )
    return order, customer


def _woocommerce_orders(path: Path) -> Iterator[tuple[OrderIn, CustomerIn | None]]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(
            [FieldError("file", f"not valid JSON: {exc}", source=str(path))]
        ) from None
    if not isinstance(data, list):
        raise ValidationFailed(
            [FieldError("file", "a JSON array of orders is required", source=str(path))]
        )
    results: list[tuple[OrderIn, CustomerIn | None]] = []
    errors: list[FieldError] = []
    for index, item in enumerate(data):
        try:
            mapped = woocommerce.map_order(item)
            results.extend((order, None) for order in mapped.orders)
        except ValidationFailed as exc:
            errors += [
                FieldError(f"[{index}].{e.field}", e.reason, source=str(path)) for e in exc.errors
            ]
        except ValidationError as exc:
            errors.append(
                FieldError(f"[{index}].{_first_field(exc)}", _first_reason(exc), source=str(path))
            )
    if errors:
        raise ValidationFailed(errors)
    yield from results


def _shopify_time(raw: str) -> datetime | None:
    text = raw.strip()
    for pattern in SHOPIFY_TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _first_field(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        return ".".join(str(p) for p in exc.errors()[0]["loc"]) or "row"
    return "row"


def _first_reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        return str(exc.errors()[0]["msg"])
    return str(exc)
