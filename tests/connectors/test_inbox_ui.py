"""Failed ingest inbox rows on the connectors page (careloop.connectors.ui): a received
order or webhook the inbox could not apply is listed with its cause, and an agent's
"Retry" / "Thử lại" puts it back for the worker (CSRF-protected, audited, own shop only)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.audit.models import AuditEntry
from careloop.context import AppContext
from careloop.orders import inbox
from careloop.orders.models import IngestInboxRow
from careloop.shops.models import Shop
from tests.orders.test_api import ORDER
from tests.web.helpers import csrf_from, sign_in

ASYNC = {"Prefer": "respond-async"}
PAID = {"status": "paid", "at": "2026-10-01T10:00:00+07:00", "event_id": "pay-1"}


def failed_status_row(api: TestClient, ctx: AppContext) -> int:
    """A "paid" for an order not received yet: refused by the inbox, waiting for staff."""
    answer = api.post("/api/v1/orders/A-1001/status", json=PAID, headers=ASYNC)
    inbox.apply_pass(ctx.sessions, ctx.clock)
    row_id = int(answer.json()["inbox_id"])
    with ctx.sessions() as s:
        assert s.get_one(IngestInboxRow, row_id).state == inbox.FAILED
    return row_id


def test_an_agent_retries_a_failed_row_once_its_cause_is_fixed_and_the_worker_applies_it(
    api: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    row_id = failed_status_row(api, ctx)
    api.post("/api/v1/orders", json=ORDER)  # the cause is gone: the order now exists
    client = TestClient(api.app)
    sign_in(client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)

    page = client.get("/settings/connectors")
    assert f'data-testid="inbox-row-{row_id}"' in page.text
    assert "Received but not applied" in page.text and "A-1001" in page.text
    retried = client.post(
        f"/settings/connectors/inbox/{row_id}/retry", data={"csrf_token": csrf_from(page)}
    )

    assert retried.status_code == 200
    assert f'data-testid="inbox-row-{row_id}"' not in retried.text
    assert inbox.apply_pass(ctx.sessions, ctx.clock) == 1
    assert api.get("/api/v1/orders/A-1001").json()["status"] == "paid"
    with ctx.sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "inbox.retried")).one()
    assert (entry.actor, entry.target) == ("staff:agent@acme.test", f"inbox:{row_id}")


def test_a_vietnamese_agent_reads_the_failed_row_section_and_its_retry_button_in_vietnamese(
    api: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    row_id = failed_status_row(api, ctx)
    client = TestClient(api.app)
    sign_in(client, ctx, make_staff(shop, role="agent"), shop, locale="vi")

    page = client.get("/settings/connectors")

    assert "Đã nhận nhưng chưa áp dụng" in page.text
    assert f'data-testid="inbox-retry-{row_id}">Thử lại<' in page.text


def test_another_shops_staff_cannot_retry_a_row_and_a_retry_without_csrf_is_refused(
    api: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
) -> None:
    row_id = failed_status_row(api, ctx)
    other = make_shop("other")
    client = TestClient(api.app)
    sign_in(client, ctx, make_staff(other, email="owner@other.test"), other)
    page = client.get("/settings/connectors")

    foreign = client.post(
        f"/settings/connectors/inbox/{row_id}/retry", data={"csrf_token": csrf_from(page)}
    )
    forged = client.post(f"/settings/connectors/inbox/{row_id}/retry", data={})

    assert foreign.status_code == 404 and forged.status_code == 403
    with ctx.sessions() as s:
        assert s.get_one(IngestInboxRow, row_id).state == inbox.FAILED
