"""The data-subject export holds everything Careloop keeps about the person (all their
records), as JSON (API, CLI) and as a readable page staff download from the customer page
(Decree 13/2023/NĐ-CP art. 14: the data subject's right to access their data)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.shops.models import Shop
from tests.channels.conftest import Inbox, smtp_server
from tests.cli_runner import careloop
from tests.connectors.conftest import connect, deliver
from tests.customers.person_story import (
    EMAIL,
    NAME,
    STREET,
    drive_person_through_everything,
)
from tests.web.helpers import sign_in

pytestmark = pytest.mark.usefixtures("connect_shopify")
__all__ = ["connect", "deliver", "smtp_server"]  # fixtures shared with other tests


@pytest.fixture
def connect_shopify(connect: Callable[..., None]) -> None:
    connect("shopify")


@pytest.fixture
def story(
    api: TestClient,
    ctx: AppContext,
    shop: Shop,
    clock: VirtualClock,
    deliver: Callable[..., httpx.Response],
    smtp_server: tuple[Inbox, int],
) -> int:
    """The person's first record's internal id, after the whole story."""
    drive_person_through_everything(api, ctx, shop, clock, deliver, smtp_server[1])
    with ctx.sessions() as s:
        return s.scalars(select(Customer.id).where(Customer.external_id == "C-TRUC")).one()


def _mentions(rows: list[dict[str, object]], needle: str) -> bool:
    return needle in json.dumps(rows, ensure_ascii=False)


def test_export_holds_everything_about_the_person_across_their_records(
    api: TestClient, story: int
) -> None:
    body = api.get("/api/v1/customers/C-TRUC/export").json()

    assert body["customer"]["email"] == EMAIL
    # The Shopify buyer is the same person (same email): linked to the API record, not a second.
    assert len(body["profiles"]) == 1
    assert _mentions(body["linked_ids"], "shopify")
    assert {c["channel"] for c in body["consents"]} >= {"email"}
    assert len(body["orders"]) == 2
    assert _mentions(body["orders"], STREET)
    assert _mentions(body["messages"], NAME)  # with their text
    assert any(m["to_address"] == EMAIL for m in body["messages"])
    assert _mentions(body["tickets"], NAME)
    assert _mentions(body["ticket_messages"], STREET)
    assert _mentions(body["survey_responses"], NAME)
    assert _mentions(body["reviews"], NAME)
    assert _mentions(body["points"], NAME)
    assert _mentions(body["coupons"], NAME)
    assert body["coupon_redemptions"]
    assert _mentions(body["ugc"], STREET)
    assert body["groups"]
    assert _mentions(body["staff_tasks"], NAME)
    assert {"order.placed"} <= {e["type"] for e in body["timeline"]}
    assert _mentions(body["webhook_deliveries"], EMAIL)


def test_staff_download_the_export_as_a_readable_page_in_vietnamese(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    story: int,
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get(f"/customers/{story}")
    assert f'href="/customers/{story}/export.html"' in page.text

    response = app_client.get(f"/customers/{story}/export.html")

    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "Dữ liệu cá nhân đang lưu về" in response.text
    for label in ("Tin nhắn", "Phiếu hỗ trợ", "Điểm thưởng", "Webhook đã nhận", "Đánh giá"):
        assert label in response.text
    assert NAME in response.text and STREET in response.text
    as_json = app_client.get(f"/customers/{story}/export.json")
    assert json.loads(as_json.text)["customer"]["customer_id"] == "C-TRUC"


def test_a_viewer_cannot_download_the_export(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    story: int,
) -> None:
    sign_in(app_client, ctx, make_staff(shop, "viewer@acme.test", "viewer"), shop)
    page = app_client.get(f"/customers/{story}")
    assert "export.html" not in page.text
    assert app_client.get(f"/customers/{story}/export.html").status_code == 403


def test_cli_exports_a_readable_page_then_erases_the_person(db_url: str, story: int) -> None:
    page = careloop(db_url, "export", "customer", "C-TRUC", "--shop", "acme", "--format", "html")
    assert page.returncode == 0, page.stderr
    assert NAME in page.stdout

    erased = careloop(db_url, "erase", "customer", "C-TRUC", "--shop", "acme", "--yes")
    assert erased.returncode == 0, erased.stderr

    gone = careloop(db_url, "export", "customer", "C-TRUC", "--shop", "acme")
    assert gone.returncode != 0


def test_another_shops_staff_cannot_download_the_export(
    app_client: TestClient,
    ctx: AppContext,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
    story: int,
) -> None:
    other = make_shop("rival", name="Rival")
    sign_in(app_client, ctx, make_staff(other, "owner@rival.test"), other)
    assert app_client.get(f"/customers/{story}/export.html").status_code == 404
    assert app_client.get(f"/customers/{story}/export.json").status_code == 404
