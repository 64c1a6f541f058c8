"""The ingest inbox (careloop.orders.inbox): API orders accepted with
`Prefer: respond-async` (RFC 7240 section 4.1: 202 Accepted, `Preference-Applied`), applied
by the worker in batches, each order's rows in received order, exactly once, a poison row
parked after MAX_ATTEMPTS without holding up its batch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import Clock, VirtualClock
from careloop.customers.erasure import erase_customer
from careloop.customers.models import TimelineEvent
from careloop.orders import inbox
from careloop.orders.models import IngestInboxRow, Order
from careloop.shops.models import Shop
from careloop.web.prefer import preference_names, prefers_async

from .test_api import ORDER

ASYNC = {"Prefer": "respond-async"}


def rows(ctx: AppContext) -> list[IngestInboxRow]:
    with ctx.sessions() as s:
        return list(s.scalars(select(IngestInboxRow).order_by(IngestInboxRow.id)))


def count(ctx: AppContext, model: type) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def placed_events(ctx: AppContext) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).where(TimelineEvent.type == "order.placed")) or 0)


def test_an_api_order_with_prefer_respond_async_gets_202_then_appears_after_the_worker_runs(
    api: TestClient, ctx: AppContext
) -> None:
    response = api.post("/api/v1/orders", json=ORDER, headers=ASYNC)

    assert response.status_code == 202, response.text
    assert response.headers["Preference-Applied"] == "respond-async"
    assert response.json()["inbox_id"] == rows(ctx)[0].id
    assert api.get("/api/v1/orders/A-1001").status_code == 404

    assert inbox.apply_pass(ctx.sessions, ctx.clock) == 1

    order = api.get("/api/v1/orders/A-1001")
    assert order.status_code == 200 and order.json()["total"] == "450000"
    assert [r.state for r in rows(ctx)] == ["applied"]


def test_an_api_order_without_prefer_is_answered_with_the_order_applied_through_the_inbox(
    api: TestClient, ctx: AppContext
) -> None:
    response = api.post("/api/v1/orders", json=ORDER)

    assert response.status_code == 200 and response.json()["order_id"] == "A-1001"
    assert [r.state for r in rows(ctx)] == ["applied"]


def test_the_same_order_sent_twice_async_is_one_inbox_row_applied_once(
    api: TestClient, ctx: AppContext
) -> None:
    first = api.post("/api/v1/orders", json=ORDER, headers=ASYNC)
    again = api.post("/api/v1/orders", json=ORDER, headers=ASYNC)

    assert first.json()["inbox_id"] == again.json()["inbox_id"]
    inbox.apply_pass(ctx.sessions, ctx.clock)
    inbox.apply_pass(ctx.sessions, ctx.clock)
    assert count(ctx, Order) == 1 and placed_events(ctx) == 1


def test_one_orders_rows_are_applied_in_received_order_even_across_batches(
    api: TestClient, ctx: AppContext
) -> None:
    delivered = dict(ORDER, status="delivered", delivered_at="2026-10-03T09:00:00+07:00")
    other = dict(ORDER, order_id="A-2002")
    api.post("/api/v1/orders", json=ORDER, headers=ASYNC)
    api.post("/api/v1/orders", json=other, headers=ASYNC)
    api.post("/api/v1/orders", json=dict(delivered, total="500000"), headers=ASYNC)

    with ctx.sessions() as s, s.begin():
        first = inbox.apply_batch(s, ctx.clock, limit=2)
    assert sorted(first) == [rows(ctx)[0].id, rows(ctx)[1].id]  # the later A-1001 row waits
    inbox.apply_pass(ctx.sessions, ctx.clock)

    order = api.get("/api/v1/orders/A-1001").json()
    assert (order["status"], order["total"]) == ("delivered", "500000")


def test_a_batch_that_crashes_before_commit_applies_nothing_and_the_next_applies_each_once(
    api: TestClient, ctx: AppContext
) -> None:
    for n in range(3):
        api.post("/api/v1/orders", json=dict(ORDER, order_id=f"A-{n}"), headers=ASYNC)

    with pytest.raises(RuntimeError), ctx.sessions() as s, s.begin():
        assert len(inbox.apply_batch(s, ctx.clock)) == 3
        raise RuntimeError("the worker died before its commit")

    assert [r.state for r in rows(ctx)] == ["pending"] * 3 and count(ctx, Order) == 0
    assert inbox.apply_pass(ctx.sessions, ctx.clock) == 3
    assert inbox.apply_pass(ctx.sessions, ctx.clock) == 0
    assert count(ctx, Order) == 3 and placed_events(ctx) == 3


@pytest.fixture
def poison_source() -> Iterator[str]:
    def explode(session: Session, clock: Clock, shop: Shop, row: IngestInboxRow) -> str:
        raise RuntimeError(f"cannot read row {row.external_id}")

    inbox.register_applier("test-poison", explode)
    yield "test-poison"
    inbox._APPLIERS.pop("test-poison")


def append(ctx: AppContext, shop: Shop, source: str, external_id: str, payload: Any) -> int:
    with ctx.sessions() as s, s.begin():
        return inbox.append(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            source=source,
            topic="order",
            external_id=external_id,
            order_key=f"order:{external_id}",
            payload=payload,
        ).id


def test_a_poison_row_is_retried_then_failed_after_max_attempts_while_the_others_apply(
    ctx: AppContext, shop: Shop, poison_source: str
) -> None:
    append(ctx, shop, poison_source, "P-1", "{}")
    append(ctx, shop, "api", "A-1", ORDER_JSON)

    assert inbox.apply_pass(ctx.sessions, ctx.clock) == 2
    for _ in range(inbox.MAX_ATTEMPTS - 1):
        inbox.apply_pass(ctx.sessions, ctx.clock)

    poison, good = rows(ctx)
    assert (good.state, count(ctx, Order)) == ("applied", 1)
    assert (poison.state, poison.attempts) == ("failed", inbox.MAX_ATTEMPTS)
    assert poison.error == "RuntimeError: cannot read row P-1"
    assert inbox.apply_pass(ctx.sessions, ctx.clock) == 0


def test_a_payload_the_order_schema_refuses_is_failed_naming_the_field(
    ctx: AppContext, shop: Shop
) -> None:
    append(ctx, shop, "api", "BAD-1", '{"order_id": "BAD-1", "total": "-5"}')

    inbox.apply_pass(ctx.sessions, ctx.clock)

    (row,) = rows(ctx)
    assert row.state == "failed" and row.error is not None
    assert "customer_id" in row.error and "placed_at" in row.error


def test_erasing_a_customer_blanks_their_inbox_payloads_and_keeps_the_keys(
    api: TestClient, ctx: AppContext, shop: Shop
) -> None:
    api.post("/api/v1/orders", json=ORDER)

    with ctx.sessions() as s, s.begin():
        erase_customer(
            session=s, clock=ctx.clock, shop=s.merge(shop), external_id="C-1", actor="test"
        )

    (row,) = rows(ctx)
    assert (row.payload, row.state, row.external_id) == ("", "erased", "A-1001")


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        ("respond-async", True),
        ("Respond-Async, wait=10", True),
        ("wait=5; foo=bar, respond-async", True),
        ("return=minimal", False),
        (None, False),
    ],
)
def test_prefer_respond_async_is_read_as_rfc_7240_writes_it(
    header: str | None, wanted: bool
) -> None:
    assert prefers_async(header) is wanted


def test_preference_names_ignore_values_and_parameters() -> None:
    assert preference_names("return=representation; x=1, wait=100") == {"return", "wait"}


ORDER_JSON = (
    '{"order_id": "A-1", "customer_id": "C-1", "placed_at": "2026-10-01T09:00:00+07:00",'
    ' "total": "1000", "currency": "VND"}'
)


def test_a_status_change_sent_async_waits_behind_its_order_and_applies_after_it(
    api: TestClient, ctx: AppContext
) -> None:
    """A shop's system may push an order and its "paid" without waiting for either: the
    status change is stored behind its order (RFC 7240 section 4.1, 202 Accepted)."""
    created = api.post("/api/v1/orders", json=ORDER, headers=ASYNC)
    paid = {"status": "paid", "at": "2026-10-01T10:00:00+07:00", "event_id": "pay-1"}
    changed = api.post("/api/v1/orders/A-1001/status", json=paid, headers=ASYNC)

    assert (created.status_code, changed.status_code) == (202, 202)
    assert changed.headers["Preference-Applied"] == "respond-async"
    assert [r.topic for r in rows(ctx)] == ["order", "status"]

    assert inbox.apply_pass(ctx.sessions, ctx.clock) == 2
    order = api.get("/api/v1/orders/A-1001").json()
    assert (order["status"], order["paid_at"]) == ("paid", "2026-10-01T03:00:00Z")


def test_a_status_change_sent_twice_async_is_one_row_and_one_timeline_event(
    api: TestClient, ctx: AppContext
) -> None:
    api.post("/api/v1/orders", json=ORDER)
    paid = {"status": "paid", "at": "2026-10-01T10:00:00+07:00", "event_id": "pay-1"}
    first = api.post("/api/v1/orders/A-1001/status", json=paid, headers=ASYNC)
    again = api.post("/api/v1/orders/A-1001/status", json=paid, headers=ASYNC)

    assert first.json()["inbox_id"] == again.json()["inbox_id"]
    inbox.apply_pass(ctx.sessions, ctx.clock)
    with ctx.sessions() as s:
        paid_events = s.scalar(select(func.count()).where(TimelineEvent.type == "order.paid"))
    assert paid_events == 1


def test_a_status_change_without_prefer_is_applied_behind_its_queued_order_and_answered(
    api: TestClient, ctx: AppContext
) -> None:
    api.post("/api/v1/orders", json=ORDER, headers=ASYNC)
    paid = {"status": "paid", "at": "2026-10-01T10:00:00+07:00"}

    response = api.post("/api/v1/orders/A-1001/status", json=paid)

    assert response.status_code == 200 and response.json()["status"] == "paid"
    assert [r.state for r in rows(ctx)] == ["applied", "applied"]


def test_a_status_change_for_an_unknown_order_sent_async_fails_naming_the_order(
    api: TestClient, ctx: AppContext
) -> None:
    api.post("/api/v1/orders/NOPE-1/status", json={"status": "paid"}, headers=ASYNC)

    inbox.apply_pass(ctx.sessions, ctx.clock)

    (row,) = rows(ctx)
    assert row.state == "failed" and "NOPE-1" in (row.error or "")


def test_applied_rows_older_than_the_kept_days_are_deleted_and_the_rest_kept(
    api: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    api.post("/api/v1/orders", json=ORDER)  # applied now
    clock.advance(timedelta(days=10))
    api.post("/api/v1/orders", json=dict(ORDER, order_id="A-2"))  # applied 10 days later
    append(ctx, shop, "api", "BAD-1", '{"order_id": "BAD-1"}')
    inbox.apply_pass(ctx.sessions, ctx.clock)  # failed: waits for staff, never deleted
    clock.advance(timedelta(days=5))

    with ctx.sessions() as s, s.begin():
        deleted = inbox.purge_applied(s, ctx.clock, keep_days=14)

    assert deleted == 1
    assert [(r.external_id, r.state) for r in rows(ctx)] == [
        ("A-2", "applied"),
        ("BAD-1", "failed"),
    ]


def test_an_order_sent_again_after_its_row_was_deleted_is_still_stored_once(
    api: TestClient, ctx: AppContext, clock: VirtualClock
) -> None:
    api.post("/api/v1/orders", json=ORDER)
    clock.advance(timedelta(days=30))
    with ctx.sessions() as s, s.begin():
        inbox.purge_applied(s, ctx.clock, keep_days=14)

    again = api.post("/api/v1/orders", json=ORDER)

    assert again.status_code == 200
    assert count(ctx, Order) == 1 and placed_events(ctx) == 1


def test_retry_puts_a_failed_row_back_only_for_its_own_shop(
    ctx: AppContext, shop: Shop, make_shop: Any
) -> None:
    other = make_shop("other", name="Other")
    row_id = append(ctx, shop, "api", "BAD-1", '{"order_id": "BAD-1"}')
    inbox.apply_pass(ctx.sessions, ctx.clock)

    with ctx.sessions() as s, s.begin():
        assert inbox.retry(s, row_id, shop_id=other.id) is False
    assert rows(ctx)[0].state == "failed"
    with ctx.sessions() as s, s.begin():
        assert inbox.retry(s, row_id, shop_id=shop.id) is True
    assert (rows(ctx)[0].state, rows(ctx)[0].attempts) == ("pending", 0)


def test_the_worker_deletes_applied_rows_after_the_kept_days_at_most_once_an_hour(
    api: TestClient, ctx: AppContext, clock: VirtualClock
) -> None:
    from careloop.orders.tasks import inbox_retention_pass

    api.post("/api/v1/orders", json=ORDER)  # applied now
    clock.advance(timedelta(days=ctx.settings.inbox_keep_days, minutes=-10))
    assert inbox_retention_pass(ctx) == 0  # not yet old enough
    clock.advance(timedelta(minutes=20))
    assert inbox_retention_pass(ctx) == 0  # old enough, but purged less than an hour ago
    assert len(rows(ctx)) == 1
    clock.advance(timedelta(hours=1))

    assert inbox_retention_pass(ctx) == 1
    assert rows(ctx) == []


def test_a_keep_days_setting_below_one_is_refused_naming_it() -> None:
    from pydantic import ValidationError

    from careloop.core.settings import Settings

    with pytest.raises(ValidationError, match="inbox_keep_days"):
        Settings(inbox_keep_days=0)
