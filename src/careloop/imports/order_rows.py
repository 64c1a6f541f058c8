"""Reading one line of an orders file, and the checks that span lines. Pure: no database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from careloop.imports import fields
from careloop.imports.csvfile import ErrorLog, Row
from careloop.orders.address import MAX_ADDRESS_CHARS
from careloop.orders.status import STATUSES

COLUMNS: Final = (
    "order_id",
    "customer_id",
    "placed_at",
    "total",
    "status",
    "currency",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "returned_at",
    "cancelled_at",
    "discount_code",
    "customer_name",
    "email",
    "phone",
    "accepts_marketing",
    "shipping_address",
)
REQUIRED: Final = ("order_id", "customer_id", "placed_at", "total")
LATER_TIMES: Final = ("paid", "shipped", "delivered", "returned", "cancelled")
# Several discount codes share one cell: "TET10;FREESHIP" (as `careloop export orders` writes).
CODE_SEPARATORS: Final = (";", ",")


@dataclass(frozen=True, slots=True)
class LineItem:
    sku: str | None
    product_name: str
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One valid line of an orders file."""

    line: int
    order_id: str
    customer_id: str
    placed_at: datetime
    total_minor: int
    currency: str
    status: str | None
    times: dict[str, datetime]  # later statuses the line gives a time for
    item: LineItem | None  # None: the line carries only order-level data
    discount_codes: tuple[str, ...]
    customer_name: str | None
    email: str | None
    phone: str | None
    accepts_marketing: bool | None
    shipping_address: str | None


def parse_row(line: int, values: Row, shop_currency: str, log: ErrorLog) -> OrderRow | None:
    """The row, or None after logging each bad field as `file:line: field: reason`.

    The hot loop of an import (twice per line): blank optional cells cost nothing."""
    (
        order_id,
        customer_id,
        placed_at,
        total,
        status,
        currency,
        sku,
        product_name,
        quantity,
        unit_price,
        *times_raw,
        discount_code,
        customer_name,
        email,
        phone,
        accepts_marketing,
        shipping_address,
    ) = values
    bad: list[tuple[str, str]] = []
    # Lengths are checked inline: a function call per cell is most of the cost here.
    for name, value in (("order_id", order_id), ("customer_id", customer_id)):
        if not value:
            bad.append((name, "required"))
        elif len(value) > fields.MAX_EXTERNAL_ID:
            bad.append((name, f"longer than {fields.MAX_EXTERNAL_ID} characters"))
    placed = _parse(bad, "placed_at", fields.moment, placed_at, required=True)
    code = _parse(bad, "currency", fields.currency, currency) if currency else shop_currency
    code = code or "XXX"  # an unknown currency still lets the amounts be checked
    total_minor = _parse(bad, "total", fields.money, total, code, required=True)
    if status:
        status = status.lower()
        if status not in STATUSES:
            bad.append(("status", f"unknown status {status!r} (one of {', '.join(STATUSES)})"))
    times: dict[str, datetime] = {}
    for name, raw in zip(LATER_TIMES, times_raw, strict=True):
        if raw and (at := _parse(bad, f"{name}_at", fields.moment, raw)) is not None:
            if placed is not None and at < placed:
                bad.append((f"{name}_at", f"{at.isoformat()} is before placed_at"))
            times[name] = at
    for name, value, limit in (
        ("sku", sku, 128),
        ("product_name", product_name, 300),
        ("customer_name", customer_name, 200),
        ("shipping_address", shipping_address, MAX_ADDRESS_CHARS),
    ):
        if len(value) > limit:
            bad.append((name, f"longer than {limit} characters"))
    item = None
    if sku or product_name or quantity or unit_price:
        item = LineItem(
            sku=sku or None,
            product_name=product_name,
            quantity=_parse(bad, "quantity", fields.quantity, quantity) if quantity else 1,
            unit_price_minor=_parse(bad, "unit_price", fields.money, unit_price, code)
            if unit_price
            else 0,
        )
    codes = _discount_codes(discount_code) if discount_code else ()
    if any(len(c) > 64 for c in codes):
        bad.append(("discount_code", "a code is longer than 64 characters"))
    mail = _parse(bad, "email", fields.email, email) if email else None
    tel = _parse(bad, "phone", fields.phone, phone) if phone else None
    marketing = (
        _parse(bad, "accepts_marketing", fields.boolean, accepts_marketing)
        if accepts_marketing
        else None
    )
    if bad:
        for field, reason in bad:
            log.add(line, field, reason)
        return None
    return OrderRow(
        line=line,
        order_id=order_id,
        customer_id=customer_id,
        placed_at=placed,
        total_minor=total_minor,
        currency=code,
        status=status or None,
        times=times,
        item=item,
        discount_codes=codes,
        customer_name=customer_name or None,
        email=mail,
        phone=tel,
        accepts_marketing=marketing,
        shipping_address=shipping_address or None,
    )


def _parse(
    bad: list[tuple[str, str]],
    name: str,
    parse: Callable[..., Any],
    raw: str,
    *args: Any,
    required: bool = False,
) -> Any:
    """parse(raw, *args), or None with the reason appended to `bad`."""
    if required and not raw:
        bad.append((name, "required"))
        return None
    try:
        return parse(raw, *args)
    except ValueError as exc:
        bad.append((name, str(exc)))
        return None


def _discount_codes(raw: str) -> tuple[str, ...]:
    for separator in CODE_SEPARATORS:
        raw = raw.replace(separator, " ")
    return tuple(dict.fromkeys(raw.split()))


# --- checks across the lines of one order --------------------------------------------

# Order-level values every line of an order must agree on (a blank optional one agrees).
SHARED: Final = ("customer_id", "placed_at", "total", "currency", "status", *LATER_TIMES)
_BITS: Final = 20
_MASK: Final = (1 << _BITS) - 1
_LINE_BITS: Final = 32
_LINE_MASK: Final = (1 << _LINE_BITS) - 1


def _fingerprints(row: OrderRow) -> list[int]:
    values: list[object] = [
        row.customer_id,
        row.placed_at,
        row.total_minor,
        row.currency,
        row.status,
    ]
    values += [row.times.get(name) for name in LATER_TIMES]
    # 0 means "not given"; a 20-bit hash of the value otherwise.
    return [0 if v is None else (hash(v) & _MASK) or 1 for v in values]


class OrderIndex:
    """Per order id: its first and last line and a fingerprint of its shared values.

    Packed into one int per order so a file of a million lines stays small in memory; a
    differing value is caught unless two 20-bit hashes collide (about 1 in a million)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, row: OrderRow, log: ErrorLog) -> None:
        prints = _fingerprints(row)
        packed = self._seen.get(row.order_id)
        if packed is None:
            self._seen[row.order_id] = _pack(row.line, row.line, prints)
            return
        first, _last, stored = _unpack(packed)
        for i, (known, given) in enumerate(zip(stored, prints, strict=True)):
            if known and given and known != given:
                log.add(
                    row.line,
                    _field_name(SHARED[i]),
                    f"differs from line {first} of order {row.order_id!r}",
                )
            elif given and not known:
                stored[i] = given
        self._seen[row.order_id] = _pack(first, row.line, stored)

    def forget(self, order_id: str) -> None:
        """Drop a completed order: memory then holds only the orders still being read."""
        self._seen.pop(order_id, None)

    def last_line(self, order_id: str) -> int | None:
        packed = self._seen.get(order_id)
        return None if packed is None else _unpack(packed)[1]


def _field_name(shared: str) -> str:
    return f"{shared}_at" if shared in LATER_TIMES else shared


def _pack(first: int, last: int, prints: list[int]) -> int:
    packed = 0
    for value in reversed(prints):
        packed = (packed << _BITS) | value
    return (((packed << _LINE_BITS) | last) << _LINE_BITS) | first


def _unpack(packed: int) -> tuple[int, int, list[int]]:
    first = packed & _LINE_MASK
    last = (packed >> _LINE_BITS) & _LINE_MASK
    rest = packed >> (2 * _LINE_BITS)
    return first, last, [(rest >> (_BITS * i)) & _MASK for i in range(len(SHARED))]
