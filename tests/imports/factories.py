from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy import func, select

from careloop.context import AppContext

ORDER_HEADER = (
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
    "delivered_at",
    "discount_code",
    "customer_name",
    "email",
    "phone",
)


def order_line(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "order_id": "A-1",
        "customer_id": "C-1",
        "placed_at": "2025-05-01T09:00:00+07:00",
        "total": "450000",
        "status": "delivered",
        "currency": "VND",
        "sku": "CF-ARABICA",
        "product_name": "Arabica Cầu Đất 500g",
        "quantity": "2",
        "unit_price": "225000",
        "paid_at": "2025-05-01T09:05:00+07:00",
        "delivered_at": "2025-05-03T15:00:00+07:00",
        "discount_code": "",
        "customer_name": "Nguyễn Thị Lan",
        "email": "lan@example.vn",
        "phone": "0912 345 678",
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path, rows: Iterable[Mapping[str, object]], header: Iterable[str] = ORDER_HEADER
) -> Path:
    columns = list(header)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def count(ctx: AppContext, model: type) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)
