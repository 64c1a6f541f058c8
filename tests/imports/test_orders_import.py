from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.models import Consent, Customer, TimelineEvent
from careloop.imports import run_import
from careloop.orders.models import Order, OrderLine, Product
from careloop.shops.models import Shop
from tests.imports.factories import ORDER_HEADER, count, order_line, write_csv

GOOD = [
    order_line(),
    order_line(
        sku="CF-ROBUSTA", product_name="Robusta Buôn Ma Thuột", quantity="1", unit_price="0"
    ),
    order_line(
        order_id="A-2",
        customer_id="C-2",
        placed_at="2026-11-01T10:00:00+07:00",
        total="120000",
        status="paid",
        sku="CF-ARABICA",
        quantity="1",
        unit_price="120000",
        paid_at="2026-11-01T10:01:00+07:00",
        delivered_at="",
        discount_code="TET10;FREESHIP",
        customer_name="Trần Văn Minh",
        email="MINH@example.vn",
        phone="+84 903 111 222",
    ),
]


def everything(ctx: AppContext) -> dict[str, list[tuple[object, ...]]]:
    """A snapshot of the rows an import writes, to compare before and after."""
    with ctx.sessions() as s:
        return {
            "customers": [
                tuple(r)
                for r in s.execute(
                    select(
                        Customer.external_id,
                        Customer.name,
                        Customer.email,
                        Customer.phone,
                        Customer.updated_at,
                    ).order_by(Customer.external_id)
                )
            ],
            "orders": [
                tuple(r)
                for r in s.execute(
                    select(
                        Order.external_id,
                        Order.status,
                        Order.total_minor,
                        Order.paid_at,
                        Order.delivered_at,
                        Order.discount_codes,
                        Order.updated_at,
                    ).order_by(Order.external_id)
                )
            ],
            "lines": [
                tuple(r)
                for r in s.execute(
                    select(
                        OrderLine.id, OrderLine.sku, OrderLine.quantity, OrderLine.unit_price_minor
                    ).order_by(OrderLine.id)
                )
            ],
            "events": [
                tuple(r)
                for r in s.execute(
                    select(TimelineEvent.id, TimelineEvent.type, TimelineEvent.event_key).order_by(
                        TimelineEvent.id
                    )
                )
            ],
            "products": [tuple(r) for r in s.execute(select(Product.sku, Product.name))],
        }


def test_a_good_file_imports_customers_orders_and_timeline_as_the_api_shows_them(
    ctx: AppContext, shop: Shop, api: TestClient, tmp_path: Path
) -> None:
    summary = run_import(ctx, shop, "orders", write_csv(tmp_path / "orders.csv", GOOD))

    assert (summary.rows, summary.orders_new, summary.customers_new, summary.lines) == (3, 2, 2, 3)
    assert "3 orders row(s)" in str(summary)
    order = api.get("/api/v1/orders/A-1").json()
    assert order["status"] == "delivered"
    assert order["total"] == "450000"
    assert order["customer_id"] == "C-1"
    assert order["paid_at"].startswith("2025-05-01T02:05")
    assert order["delivered_at"].startswith("2025-05-03T08:00")
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [
        ("CF-ARABICA", 2),
        ("CF-ROBUSTA", 1),
    ]
    second = api.get("/api/v1/orders/A-2").json()
    assert second["status"] == "paid"
    assert second["discount_codes"] == ["TET10", "FREESHIP"]
    customer = api.get("/api/v1/customers/C-2").json()
    assert customer["name"] == "Trần Văn Minh"
    assert customer["email"] == "minh@example.vn"
    assert customer["phone"] == "+84903111222"
    assert customer["orders_count"] == 1
    assert count(ctx, Product) == 2


def test_history_is_stored_dispatched_and_recent_events_are_left_for_journeys(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    run_import(ctx, shop, "orders", write_csv(tmp_path / "orders.csv", GOOD))

    with ctx.sessions() as s:
        events = {
            e.event_key: e
            for e in s.scalars(select(TimelineEvent).where(TimelineEvent.shop_id == shop.id))
        }
    assert set(events) == {
        "customer:C-1:created",
        "order:A-1:placed",
        "order:A-1:paid",
        "order:A-1:delivered",
        "customer:C-2:created",
        "order:A-2:placed",
        "order:A-2:paid",
    }
    old = events["order:A-1:delivered"]
    assert old.history
    assert old.payload == {
        "order_id": "A-1",
        "status": "delivered",
        "total": "450000",
        "currency": "VND",
    }
    assert old.source == "import"
    assert events["customer:C-1:created"].history
    assert not events["order:A-2:paid"].history
    assert not events["customer:C-2:created"].history


def test_a_file_with_several_bad_rows_reports_each_and_changes_nothing(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            order_line(),
            order_line(order_id="A-2", placed_at="31/02/2025"),
            order_line(order_id="A-3", total="-5"),
            order_line(order_id="A-4", currency="dong", quantity="-1"),
            order_line(order_id="A-5", email="not-an-email", phone="12"),
            order_line(customer_id="C-9"),
            order_line(order_id="A-6", status="lost"),
        ],
    )
    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "orders", path)

    assert [str(e) for e in failed.value.errors] == [
        f"{path}:3: placed_at: no such date or time: '31/02/2025'",
        f"{path}:4: total: must not be negative (got -5)",
        f"{path}:5: currency: not a 3-letter ISO 4217 currency code: 'dong'",
        f"{path}:5: quantity: must be at least 1 (got -1)",
        f"{path}:6: email: not an email address: 'not-an-email'",
        f"{path}:6: phone: not a possible phone number: '12'",
        f"{path}:7: customer_id: differs from line 2 of order 'A-1'",
        f"{path}:8: status: unknown status 'lost' (one of placed, paid, shipped, delivered, "
        "returned, cancelled)",
    ]
    assert count(ctx, Order) == count(ctx, Customer) == count(ctx, TimelineEvent) == 0


def test_a_missing_column_is_named_and_nothing_is_imported(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    header = ("order_id", "customer_id", "total")
    path = write_csv(tmp_path / "orders.csv", [order_line()], header=header)

    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "orders", path)

    assert [str(e) for e in failed.value.errors] == [
        f"{path}:1: placed_at: required column placed_at is missing (accepted headers:"
        " placed_at, Ngày đặt, Ngày đặt hàng, Thời gian đặt hàng, Ngày tạo đơn;"
        " the header has: order_id, customer_id, total)"
    ]
    assert count(ctx, Order) == 0


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    ctx: AppContext, shop: Shop, clock: object, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "orders.csv", GOOD)
    run_import(ctx, shop, "orders", path)
    before = everything(ctx)

    again = run_import(ctx, shop, "orders", path)

    assert everything(ctx) == before
    assert (
        again.orders_new,
        again.orders_updated,
        again.customers_new,
        again.customers_updated,
        again.lines,
    ) == (0, 0, 0, 0, 0)


def test_reimporting_with_changes_updates_the_order_like_the_api(
    ctx: AppContext, shop: Shop, api: TestClient, tmp_path: Path
) -> None:
    run_import(ctx, shop, "orders", write_csv(tmp_path / "v1.csv", GOOD))
    changed = [
        GOOD[0],  # A-1 loses its second line
        {
            **GOOD[2],
            "status": "delivered",
            "delivered_at": "2026-11-02T08:00:00+07:00",
            "customer_name": "Trần Minh",
            "total": "130000",
            "paid_at": "2026-11-01T11:00:00+07:00",
        },
    ]

    summary = run_import(ctx, shop, "orders", write_csv(tmp_path / "v2.csv", changed))

    assert (summary.orders_new, summary.orders_updated, summary.customers_updated) == (0, 2, 1)
    first = api.get("/api/v1/orders/A-1").json()
    assert [line["sku"] for line in first["lines"]] == ["CF-ARABICA"]
    second = api.get("/api/v1/orders/A-2").json()
    assert second["status"] == "delivered"
    assert second["total"] == "130000"
    assert second["paid_at"].startswith("2026-11-01T03:01")  # the first paid time is kept
    assert api.get("/api/v1/customers/C-2").json()["name"] == "Trần Minh"
    with ctx.sessions() as s:
        delivered = s.scalar(
            select(TimelineEvent).where(TimelineEvent.event_key == "order:A-2:delivered")
        )
        updated = s.scalar(select(TimelineEvent).where(TimelineEvent.type == "customer.updated"))
    assert delivered is not None and not delivered.history
    assert updated is not None and updated.payload == {
        "changes": {"name": ["Trần Văn Minh", "Trần Minh"]}
    }


def test_status_columns_in_any_order_end_in_the_furthest_status_with_every_time_kept(
    ctx: AppContext, shop: Shop, api: TestClient, tmp_path: Path
) -> None:
    header = (
        "delivered_at",
        "status",
        "paid_at",
        "total",
        "placed_at",
        "customer_id",
        "order_id",
        "shipped_at",
    )
    row = {
        "order_id": "A-7",
        "customer_id": "C-7",
        "placed_at": "2025-01-10T08:00:00Z",
        "total": "99000",
        "status": "paid",  # stale: the times say it was delivered
        "delivered_at": "2025-01-12T08:00:00Z",
        "paid_at": "2025-01-10T08:30:00Z",
        "shipped_at": "2025-01-11T08:00:00Z",
    }
    run_import(ctx, shop, "orders", write_csv(tmp_path / "o.csv", [row], header=header))

    order = api.get("/api/v1/orders/A-7").json()
    assert order["status"] == "delivered"
    assert [order[f][:10] for f in ("paid_at", "shipped_at", "delivered_at")] == [
        "2025-01-10",
        "2025-01-11",
        "2025-01-12",
    ]
    assert order["lines"] == []


def test_a_status_without_its_time_takes_the_latest_known_time_not_now(
    ctx: AppContext, shop: Shop, api: TestClient, tmp_path: Path
) -> None:
    row = order_line(status="cancelled", paid_at="", delivered_at="")
    run_import(ctx, shop, "orders", write_csv(tmp_path / "o.csv", [row]))

    order = api.get("/api/v1/orders/A-1").json()
    assert order["status"] == "cancelled"
    assert order["cancelled_at"] == order["placed_at"]


OTHER_PERSON = {"customer_name": "Trần Văn Bình", "email": "binh@example.vn", "phone": "0987654321"}


def test_an_order_that_belongs_to_another_customer_is_refused_and_nothing_changes(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    run_import(ctx, shop, "orders", write_csv(tmp_path / "v1.csv", GOOD))
    before = everything(ctx)
    path = write_csv(
        tmp_path / "v2.csv",
        # C-3 is another person (another name, email and phone), so not linked to C-1.
        [
            order_line(order_id="A-9", customer_id="C-3", **OTHER_PERSON),
            order_line(customer_id="C-3", **OTHER_PERSON),
        ],
    )

    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "orders", path)

    assert [str(e) for e in failed.value.errors] == [
        f"{path}:3: customer_id: order 'A-1' already belongs to another customer; "
        "its customer_id cannot change"
    ]
    assert everything(ctx) == before


def test_lines_of_one_order_may_be_scattered_through_the_file(
    ctx: AppContext, shop: Shop, api: TestClient, tmp_path: Path
) -> None:
    rows = [
        order_line(order_id="A-1", sku="S-1"),
        order_line(order_id="A-2", customer_id="C-2", sku="S-2"),
        order_line(order_id="A-1", sku="S-3", total="450000"),
    ]
    run_import(ctx, shop, "orders", write_csv(tmp_path / "o.csv", rows))

    assert [line["sku"] for line in api.get("/api/v1/orders/A-1").json()["lines"]] == ["S-1", "S-3"]
    assert count(ctx, OrderLine) == 3


def test_an_orders_file_without_accepts_marketing_leaves_consent_unknown(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    run_import(ctx, shop, "orders", write_csv(tmp_path / "o.csv", GOOD))
    assert count(ctx, Consent) == 0


def test_accepts_marketing_in_an_orders_file_sets_consent_quietly(
    ctx: AppContext, shop: Shop, api: TestClient, tmp_path: Path
) -> None:
    header = (*ORDER_HEADER, "accepts_marketing")
    rows = [order_line(accepts_marketing="no"), order_line(sku="S-2", accepts_marketing="")]
    run_import(ctx, shop, "orders", write_csv(tmp_path / "o.csv", rows, header=header))

    consents = api.get("/api/v1/customers/C-1").json()["consents"]
    assert {(c["channel"], c["state"], c["source"]) for c in consents} == {
        ("email", "denied", "import"),
        ("sms", "denied", "import"),
        ("zalo", "denied", "import"),
    }
    with ctx.sessions() as s:
        changes = list(
            s.scalars(select(TimelineEvent).where(TimelineEvent.type == "consent.changed"))
        )
    assert len(changes) == 3 and all(e.history for e in changes)
