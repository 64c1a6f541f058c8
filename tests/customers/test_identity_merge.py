"""Staff merge two records of one person, and undo the merge (issue 18 item 1).

The duplicate is the person of tests/customers/person_story.py, driven through every
capability (orders, a Shopify delivery, a ticket, a survey answer, a review, a coupon and
its use, points, a staff task, UGC, a group), so the merge is checked against every table
that holds a customer's id, not a hand-picked few."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.audit.models import AuditEntry
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.merge import MERGE_POLICIES, customer_columns, unhandled_columns
from careloop.customers.models import Customer
from careloop.personal_data_registry import declarations
from careloop.shops.models import Shop
from tests.channels.conftest import Inbox, smtp_server
from tests.connectors.conftest import connect, deliver
from tests.customers.person_story import PHONE, drive_person_through_everything
from tests.web.helpers import sign_in

__all__ = ["connect", "deliver", "smtp_server"]  # fixtures shared with other tests

Rows = dict[tuple[str, int], dict[str, Any]]


def rows_of(ctx: AppContext, *customer_ids: int) -> Rows:
    """Every row of every customer-linked table that belongs to one of the customers."""
    out: Rows = {}
    with ctx.sessions() as s:
        for table, column in customer_columns():
            found = s.execute(select(table).where(column.in_(customer_ids))).mappings()
            out.update(((table.name, row["id"]), dict(row)) for row in found)
    return out


def customer_id_of(ctx: AppContext, external_id: str) -> int:
    with ctx.sessions() as s:
        return s.scalars(select(Customer.id).where(Customer.external_id == external_id)).one()


@pytest.fixture
def two_records(
    api: TestClient,
    ctx: AppContext,
    shop: Shop,
    clock: VirtualClock,
    connect: Callable[..., None],
    deliver: Callable[..., httpx.Response],
    smtp_server: tuple[Inbox, int],
) -> tuple[int, int]:
    """The person's full record (C-TRUC) and a second one sharing the phone under another
    name (so it was kept apart), who opted out of marketing: (survivor, duplicate)."""
    connect("shopify")
    drive_person_through_everything(api, ctx, shop, clock, deliver, smtp_server[1])
    body = {
        "customer_id": "C-HOME",
        "name": "Vũ Văn Hùng",
        "phone": PHONE,
        "accepts_marketing": False,
    }
    assert api.post("/api/v1/customers", json=body).json()["customer_id"] == "C-HOME"
    return customer_id_of(ctx, "C-HOME"), customer_id_of(ctx, "C-TRUC")


def test_every_table_holding_a_customer_id_has_a_merge_policy() -> None:
    assert unhandled_columns() == []
    assert set(MERGE_POLICIES) == {(t.name, c.name) for t, c in customer_columns()}
    linked = {t.name for t, _ in customer_columns()}
    declared = {d.table.name for d in declarations()}
    # The personal-data registry knows every table a merge moves (and so does erasure).
    assert linked <= declared


def test_a_merge_moves_everything_and_its_undo_restores_it_exactly(
    api: TestClient, ctx: AppContext, two_records: tuple[int, int]
) -> None:
    survivor, duplicate = two_records
    before = rows_of(ctx, survivor, duplicate)
    duplicates_rows = {key for key, row in before.items() if duplicate in row.values()}
    assert {table for table, _ in duplicates_rows} >= {
        "orders",
        "consents",
        "loyalty_ledger",
        "coupons",
        "support_tickets",
        "messages",
        "survey_responses",
        "reviews",
        "community_group_members",
        "timeline_events",
        "customer_identities",
    }

    merged = api.post("/api/v1/customers/C-HOME/merge", json={"duplicate_id": "C-TRUC"})

    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["customer"]["customer_id"] == "C-HOME"
    assert body["customer"]["orders_count"] == 2
    # The more restrictive consent wins: C-HOME said no to email, C-TRUC yes.
    assert {c["channel"]: c["state"] for c in body["customer"]["consents"]}["email"] == "denied"
    assert api.get("/api/v1/customers/C-TRUC").json()["customer_id"] == "C-HOME"
    after = rows_of(ctx, survivor, duplicate)
    assert not [key for key, row in after.items() if row.get("customer_id") == duplicate]
    with ctx.sessions() as s:
        assert s.get(Customer, duplicate) is None
        entry = s.get_one(AuditEntry, body["merge_id"])
        assert (entry.action, entry.actor) == ("customer.merged", "api")

    undone = api.post(f"/api/v1/customers/merges/{body['merge_id']}/undo")

    assert undone.status_code == 200, undone.text
    assert undone.json()["customer_id"] == "C-TRUC"
    restored = rows_of(ctx, survivor, duplicate)
    assert {key: restored.get(key) for key in before} == before
    assert api.get("/api/v1/customers/C-HOME").json()["orders_count"] == 0
    again = api.post(f"/api/v1/customers/merges/{body['merge_id']}/undo")
    assert again.status_code == 409


def test_a_customer_cannot_be_merged_with_itself(api: TestClient) -> None:
    api.post("/api/v1/customers", json={"customer_id": "A", "name": "Lan"})

    response = api.post("/api/v1/customers/A/merge", json={"duplicate_id": "A"})

    assert response.status_code == 409
    assert "itself" in response.text


def test_merging_an_unknown_customer_is_404_and_changes_nothing(api: TestClient) -> None:
    api.post("/api/v1/customers", json={"customer_id": "A", "name": "Lan"})

    response = api.post("/api/v1/customers/A/merge", json={"duplicate_id": "nobody"})

    assert response.status_code == 404
    assert api.get("/api/v1/customers/A").status_code == 200


def test_the_owner_merges_a_listed_duplicate_and_undoes_it_in_the_staff_ui(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    api.post(
        "/api/v1/customers", json={"customer_id": "A", "name": "Nguyễn Văn An", "phone": PHONE}
    )
    api.post(
        "/api/v1/customers", json={"customer_id": "B", "name": "Nguyễn Thị Lan", "phone": PHONE}
    )
    keep, other = customer_id_of(ctx, "A"), customer_id_of(ctx, "B")
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    listed = app_client.get("/customers/duplicates")
    assert listed.status_code == 200
    assert "Cùng số điện thoại, khác tên" in listed.text
    assert listed.text.count('data-testid="duplicate-pair"') == 1
    panel = app_client.get(f"/customers/{keep}").text
    assert 'data-testid="customer-duplicates"' in panel and "Nguyễn Thị Lan" in panel
    merged = app_client.post(
        f"/customers/{keep}/merge",
        data={"duplicate": str(other), "csrf_token": "test-csrf-token"},
        follow_redirects=False,
    )

    assert merged.status_code == 303
    page = app_client.get(merged.headers["location"])
    assert "Đã gộp Nguyễn Thị Lan vào khách hàng này." in page.text
    assert 'data-testid="linked-ids"' in page.text
    assert "Không có khách hàng nào có thể trùng" in app_client.get("/customers/duplicates").text
    with ctx.sessions() as s:
        entry_id = s.scalars(
            select(AuditEntry.id).where(AuditEntry.action == "customer.merged")
        ).one()
    undone = app_client.post(
        f"/customers/merges/{entry_id}/undo",
        data={"csrf_token": "test-csrf-token"},
        follow_redirects=False,
    )
    assert undone.status_code == 303
    assert undone.headers["location"].startswith(f"/customers/{other}")
    assert api.get("/api/v1/customers/B").json()["name"] == "Nguyễn Thị Lan"
    history = app_client.get("/customers/duplicates").text
    assert "Đã hoàn tác" in history and history.count('data-testid="duplicate-pair"') == 1


def test_an_agent_sees_duplicates_but_cannot_merge(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    api.post(
        "/api/v1/customers", json={"customer_id": "A", "name": "Nguyễn Văn An", "phone": PHONE}
    )
    api.post(
        "/api/v1/customers", json={"customer_id": "B", "name": "Nguyễn Thị Lan", "phone": PHONE}
    )
    sign_in(app_client, ctx, make_staff(shop, "agent@acme.test", "agent"), shop)

    listed = app_client.get("/customers/duplicates")
    merged = app_client.post(
        f"/customers/{customer_id_of(ctx, 'A')}/merge",
        data={"duplicate": "B", "csrf_token": "test-csrf-token"},
        follow_redirects=False,
    )

    assert "Same phone, different names" in listed.text
    assert "/merge" not in listed.text
    assert merged.status_code == 403
    assert api.get("/api/v1/customers/B").json()["customer_id"] == "B"
