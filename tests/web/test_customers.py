from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.conftest import ShopFactory
from tests.web.helpers import add_customer, add_order, csrf_from, sign_in


@pytest.fixture
def owner(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> TestClient:
    sign_in(app_client, ctx, make_staff(shop), shop)
    return app_client


@pytest.mark.parametrize(
    "typed", ["0901 234 567", "+84 90 123 4567", "84901234567", "(090) 123-4567"]
)
def test_search_finds_a_customer_by_phone_in_any_format(
    owner: TestClient, ctx: AppContext, shop: Shop, typed: str
) -> None:
    add_customer(ctx, shop, "C-1", name="Nguyễn Thị Lan", phone="0901234567")
    add_customer(ctx, shop, "C-2", name="Trần Văn Minh", phone="0912000111")

    page = owner.get("/customers", params={"q": typed})

    assert "Nguyễn Thị Lan" in page.text
    assert "Trần Văn Minh" not in page.text


def test_search_finds_by_name_email_and_customer_id(
    owner: TestClient, ctx: AppContext, shop: Shop
) -> None:
    add_customer(ctx, shop, "C-1", name="Nguyễn Thị Lan", email="lan@example.vn")
    add_customer(ctx, shop, "SHOPIFY-77", name="Trần Văn Minh")

    assert "Nguyễn Thị Lan" in owner.get("/customers?q=thị lan").text
    assert "Nguyễn Thị Lan" in owner.get("/customers?q=LAN@EXAMPLE").text
    by_id = owner.get("/customers?q=SHOPIFY-77").text
    assert "Trần Văn Minh" in by_id
    assert "Nguyễn Thị Lan" not in by_id


def test_live_search_answers_htmx_with_only_the_results(
    owner: TestClient, ctx: AppContext, shop: Shop
) -> None:
    add_customer(ctx, shop, "C-1", name="Lan")

    fragment = owner.get(
        "/customers?q=lan", headers={"HX-Request": "true", "HX-Target": "customer-results"}
    )

    assert "Lan" in fragment.text
    assert "<html" not in fragment.text
    assert "1 customer" in fragment.text


def test_customer_list_shows_orders_spent_and_pages(
    owner: TestClient, ctx: AppContext, shop: Shop
) -> None:
    add_customer(ctx, shop, "C-1", name="Lan", email="lan@example.vn")
    add_order(ctx, shop, "C-1", "O-1", "150000")
    add_order(ctx, shop, "C-1", "O-2", "250000")
    add_order(ctx, shop, "C-1", "O-3", "999000", status="cancelled")
    for n in range(2, 31):
        add_customer(ctx, shop, f"C-{n}", name=f"Customer {n}")

    first = owner.get("/customers")
    lan = owner.get("/customers?q=Lan").text

    assert "30 customers" in first.text
    assert "Page 1 of 2" in first.text
    assert "Customer 30" in first.text  # newest first
    assert "Customer 2<" in owner.get("/customers?page=2").text
    assert "400.000 ₫" in lan  # the cancelled order does not count
    assert "lan@example.vn" in lan


def test_customer_page_shows_profile_consents_orders_and_timeline(
    owner: TestClient, ctx: AppContext, shop: Shop
) -> None:
    customer = add_customer(
        ctx,
        shop,
        "C-1",
        name="Nguyễn Thị Lan",
        phone="0901234567",
        email="lan@example.vn",
        tags=["vip"],
        accepts_marketing=True,
    )
    add_order(
        ctx,
        shop,
        "C-1",
        "O-1001",
        "300000",
        status="delivered",
        lines=[
            {"sku": "CF-1", "product_name": "Cà phê Arabica", "quantity": 2, "unit_price": "150000"}
        ],
    )

    page = owner.get(f"/customers/{customer.id}").text

    for shown in (
        "Nguyễn Thị Lan",
        "0901 234 567",
        "vip",
        customer.referral_code,
        "Granted",
        "#O-1001",
        "Cà phê Arabica",
        "300.000 ₫",
        "Delivered",
        "Order delivered",
        "Order placed",
        "Became a customer",
        "Consent changed",
    ):
        assert shown in page, shown


def test_timeline_shows_times_in_the_shop_time_zone_newest_first(
    owner: TestClient, ctx: AppContext, shop: Shop
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    # 2026-10-30 03:00 UTC is 10:00 in Ho Chi Minh City.
    add_order(ctx, shop, "C-1", "O-1", "100000", placed_at=ctx.clock.now() - timedelta(days=3))

    page = owner.get(f"/customers/{customer.id}").text

    assert "30 Oct 2026, 10:00" in page
    assert page.index("Became a customer") < page.index("Order placed")


def test_timeline_loads_more_events_in_pages(
    owner: TestClient, ctx: AppContext, shop: Shop
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    for n in range(40):
        add_order(
            ctx, shop, "C-1", f"O-{n}", "1000", placed_at=ctx.clock.now() - timedelta(days=100 - n)
        )

    page = owner.get(f"/customers/{customer.id}").text
    more_url = page.split('hx-get="/customers/')[1].split('"')[0]
    more = owner.get("/customers/" + more_url.replace("&amp;", "&"), headers={"HX-Request": "true"})

    assert page.count('class="tl-item') == 30
    assert more.text.count('class="tl-item') == 11  # 40 orders + "became a customer"
    assert "Load more" not in more.text


def test_agent_adds_a_note_to_the_timeline_and_it_is_escaped(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    home = sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)

    fragment = app_client.post(
        f"/customers/{customer.id}/notes",
        data={"text": "Called: <b>loves</b> the beans", "csrf_token": csrf_from(home)},
        headers={"HX-Request": "true"},
    )

    assert fragment.status_code == 200
    assert "Note added" in fragment.text
    assert "Called: &lt;b&gt;loves&lt;/b&gt; the beans" in fragment.text


def test_empty_note_is_refused_next_to_the_field(
    owner: TestClient, ctx: AppContext, shop: Shop
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    page = owner.get(f"/customers/{customer.id}")

    refused = owner.post(
        f"/customers/{customer.id}/notes", data={"text": "  ", "csrf_token": csrf_from(page)}
    )

    assert refused.status_code == 422
    assert "Write a note first." in refused.text
    assert "Note added" not in refused.text


def test_viewer_sees_the_customer_but_cannot_add_notes(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    sign_in(app_client, ctx, make_staff(shop, email="viewer@acme.test", role="viewer"), shop)
    page = app_client.get(f"/customers/{customer.id}")

    refused = app_client.post(
        f"/customers/{customer.id}/notes", data={"text": "hi", "csrf_token": csrf_from(page)}
    )

    assert page.status_code == 200
    assert "Add note" not in page.text
    assert refused.status_code == 403
    assert "Note added" not in app_client.get(f"/customers/{customer.id}").text


def test_another_shops_customer_is_not_found(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: ShopFactory,
    make_staff: Callable[..., str],
) -> None:
    other = make_shop("beta", name="Beta Tea")
    theirs = add_customer(ctx, other, "B-1", name="Someone Else", phone="0933000000")
    page = sign_in(app_client, ctx, make_staff(shop), shop)

    for url in (f"/customers/{theirs.id}", f"/customers/{theirs.id}/timeline"):
        response = app_client.get(url)
        assert response.status_code == 404, url
        assert "Someone Else" not in response.text
    note = app_client.post(
        f"/customers/{theirs.id}/notes", data={"text": "x", "csrf_token": csrf_from(page)}
    )
    assert note.status_code == 404
    assert "Someone Else" not in app_client.get("/customers?q=0933000000").text
    assert app_client.get("/customers/not-a-number").status_code == 404


def test_home_shows_counts_and_recent_activity(
    owner: TestClient, ctx: AppContext, shop: Shop
) -> None:
    assert "No customers yet" in owner.get("/").text
    add_customer(ctx, shop, "C-1", name="Lan")
    add_order(ctx, shop, "C-1", "O-1", "120000")

    page = owner.get("/").text

    assert "₫120,000" in page  # the revenue in the English reader's conventions
    assert "Order placed" in page
    assert "Lan" in page
