from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.customers.models import TimelineEvent
from careloop.imports import orders as orders_import
from careloop.imports import run_import
from careloop.orders.models import Order, OrderLine
from careloop.shops.models import Shop
from tests.imports.factories import ORDER_HEADER, count

LINES = 12_000


def generate(path: Path, lines: int, seed: int = 7) -> int:
    """Orders of 1-4 lines for ~lines/8 customers; returns how many orders."""
    rng = random.Random(seed)
    orders = written = 0
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(ORDER_HEADER)
        while written < lines:
            orders += 1
            n = min(rng.randint(1, 4), lines - written)
            customer = rng.randrange(lines // 8)
            day = rng.randint(1, 28)
            for i in range(n):
                writer.writerow(
                    (
                        f"O-{orders}",
                        f"C-{customer}",
                        f"2025-03-{day:02d}T10:00:00+07:00",
                        "300000",
                        "delivered",
                        "VND",
                        f"SKU-{i}",
                        f"Product {i}",
                        "1",
                        "75000",
                        f"2025-03-{day:02d}T10:05:00+07:00",
                        f"2025-04-{day:02d}T10:00:00+07:00",
                        "",
                        f"Customer {customer}",
                        f"c{customer}@example.vn",
                        f"09{customer:08d}",
                    )
                )
            written += n
    return orders


def test_a_file_of_many_batches_imports_in_one_run(
    ctx: AppContext, shop: Shop, api: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orders_import, "ORDER_BATCH", 500)  # customers recur across batches
    orders = generate(tmp_path / "big.csv", LINES)

    summary = run_import(ctx, shop, "orders", tmp_path / "big.csv")

    assert (summary.rows, summary.lines, summary.orders_new) == (LINES, LINES, orders)
    assert count(ctx, Order) == orders
    assert count(ctx, OrderLine) == LINES
    assert count(ctx, TimelineEvent) == summary.customers_new + 3 * orders
    assert api.get("/api/v1/orders/O-1").json()["status"] == "delivered"
