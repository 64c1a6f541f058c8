"""Reading one line of an orders file, and the checks that span lines. Pure: no database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from careloop.imports import fields
from careloop.imports.csvfile import ErrorLog, Row
from careloop.imports.headers import HeaderTable
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
# The Vietnamese header names read as each column (imports/headers.py; first: its name on
# the import page). Matched without accents or case: "ngay dat" is "Ngày đặt".
HEADERS: Final[HeaderTable] = {
    "order_id": ("Mã đơn hàng", "Mã đơn", "Mã ĐH"),
    "customer_id": ("Mã khách hàng", "Mã KH"),
    "placed_at": ("Ngày đặt", "Ngày đặt hàng", "Thời gian đặt hàng", "Ngày tạo đơn"),
    "total": ("Tổng tiền", "Tổng cộng", "Tổng tiền đơn hàng"),
    "status": ("Trạng thái", "Trạng thái đơn hàng"),
    "currency": ("Tiền tệ", "Đơn vị tiền tệ"),
    "sku": ("Mã sản phẩm", "Mã hàng", "Mã SKU"),
    "product_name": ("Tên sản phẩm", "Tên hàng"),
    "quantity": ("Số lượng", "SL"),
    "unit_price": ("Đơn giá", "Giá bán"),
    "paid_at": ("Ngày thanh toán",),
    "shipped_at": ("Ngày gửi hàng", "Ngày xuất kho"),
    "delivered_at": ("Ngày giao hàng", "Ngày nhận hàng"),
    "returned_at": ("Ngày trả hàng", "Ngày hoàn hàng"),
    "cancelled_at": ("Ngày hủy", "Ngày hủy đơn"),
    "discount_code": ("Mã giảm giá", "Mã khuyến mãi", "Mã KM"),
    "customer_name": ("Tên khách hàng", "Họ tên", "Khách hàng"),
    "email": ("Email", "Địa chỉ email"),
    "phone": ("Số điện thoại", "SĐT", "Điện thoại"),
    "accepts_marketing": ("Đồng ý nhận tin", "Nhận tin khuyến mãi"),
    "shipping_address": ("Địa chỉ giao hàng", "Địa chỉ nhận hàng", "Địa chỉ"),
}
# The line item's cells in COLUMNS (sku, product_name, quantity, unit_price); the others
# belong to the order and repeat on each of its lines.
ITEM_START: Final = 6
ITEM_END: Final = 10
MAX_SKU_CHARS: Final = 128
MAX_PRODUCT_NAME_CHARS: Final = 300
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
        ("sku", sku, MAX_SKU_CHARS),
        ("product_name", product_name, MAX_PRODUCT_NAME_CHARS),
        ("customer_name", customer_name, 200),
        ("shipping_address", shipping_address, MAX_ADDRESS_CHARS),
    ):
        if len(value) > limit:
            bad.append((name, f"longer than {limit} characters"))
    item = _item(bad, sku, product_name, quantity, unit_price, code)
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


def _item(
    bad: list[tuple[str, str]],
    sku: str,
    product_name: str,
    quantity: str,
    unit_price: str,
    code: str,
) -> LineItem | None:
    """The line's item (None if it names none); bad cells appended to `bad`."""
    if not (sku or product_name or quantity or unit_price):
        return None
    return LineItem(
        sku=sku or None,
        product_name=product_name,
        quantity=_parse(bad, "quantity", fields.quantity, quantity) if quantity else 1,
        unit_price_minor=_parse(bad, "unit_price", fields.money, unit_price, code)
        if unit_price
        else 0,
    )


class LineParser:
    """`parse_row` for the lines of a file in order. The lines of one order repeat its
    order-level cells (id, customer, times, total, contact); a line whose order-level cells
    are those of the previous valid line reuses what was parsed from them and checks only
    its item, with the same problems reported in the same order."""

    def __init__(self, shop_currency: str, log: ErrorLog) -> None:
        self._currency = shop_currency
        self._log = log
        self._cells: Row | None = None  # order-level cells of self._row
        self._row: OrderRow | None = None

    def parse(self, line: int, values: Row) -> OrderRow | None:
        cells = values[:ITEM_START] + values[ITEM_END:]
        last = self._row
        if last is None or cells != self._cells:
            row = parse_row(line, values, self._currency, self._log)
            self._cells, self._row = cells, row
            return row
        sku, product_name, quantity, unit_price = values[ITEM_START:ITEM_END]
        bad: list[tuple[str, str]] = []
        if len(sku) > MAX_SKU_CHARS:
            bad.append(("sku", f"longer than {MAX_SKU_CHARS} characters"))
        if len(product_name) > MAX_PRODUCT_NAME_CHARS:
            bad.append(("product_name", f"longer than {MAX_PRODUCT_NAME_CHARS} characters"))
        item = _item(bad, sku, product_name, quantity, unit_price, last.currency)
        if bad:
            for field, reason in bad:
                self._log.add(line, field, reason)
            return None
        return OrderRow(
            line,
            last.order_id,
            last.customer_id,
            last.placed_at,
            last.total_minor,
            last.currency,
            last.status,
            last.times,  # the same object: OrderIndex knows the values are unchanged
            item,
            last.discount_codes,
            last.customer_name,
            last.email,
            last.phone,
            last.accepts_marketing,
            last.shipping_address,
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
        self._last: OrderRow | None = None

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, row: OrderRow, log: ErrorLog) -> None:
        last, self._last = self._last, row
        packed = self._seen.get(row.order_id)
        if (
            packed is not None
            and last is not None
            and row.times is last.times
            and row.order_id == last.order_id
        ):
            # LineParser reused the previous line's values: only the last line moves.
            cleared = packed & ~(_LINE_MASK << _LINE_BITS)
            self._seen[row.order_id] = cleared | (row.line << _LINE_BITS)
            return
        prints = _fingerprints(row)
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
