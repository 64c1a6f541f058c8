from __future__ import annotations

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.loyalty.page import loyalty_link, page_router
from careloop.loyalty.service import add_points, enable_program
from careloop.shops.models import Shop
from careloop.web.app import create_app
from tests.loyalty.factories import make_customer, place_order


def _client(ctx: AppContext) -> TestClient:
    app = create_app(ctx)
    if not any(getattr(r, "path", "") == "/loyalty/{token}" for r in app.routes):
        app.include_router(page_router)  # until the lead wires it into the app
    return TestClient(app)


def test_the_signed_link_shows_points_tier_progress_and_referral_link_in_vietnamese(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop, name="Nguyễn Văn An")
    place_order(ctx, shop, "O-1", total="2000000", status="delivered")
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
        add_points(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=customer,
            points=640,
            reason="gift",
            idempotency_key="g",
        )
    link = loyalty_link(ctx, shop, customer)
    with _client(ctx) as client:
        page = client.get(link.removeprefix(ctx.settings.base_url))
        english = client.get(link.removeprefix(ctx.settings.base_url) + "?lang=en")
    assert page.status_code == 200
    assert "640" in page.text and "Bạc" in page.text
    assert "Còn 2 đơn hoặc 3.000.000 ₫ nữa để lên hạng Vàng" in page.text
    assert f"/loyalty/r/acme/{customer.referral_code}" in page.text
    assert "Gấp đôi thời gian bảo hành" in page.text
    assert "2 more orders or 3,000,000 ₫ more to reach Gold" in english.text


def test_a_tampered_link_is_not_found(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    link = loyalty_link(ctx, shop, customer).removeprefix(ctx.settings.base_url)
    with _client(ctx) as client:
        assert client.get(link[:-2] + "xx").status_code == 404


def test_the_referral_link_lands_on_a_page_with_the_code(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop, name="Trần Thị Bình")
    with _client(ctx) as client:
        page = client.get(f"/loyalty/r/acme/{customer.referral_code}")
        missing = client.get("/loyalty/r/acme/NOPE")
    assert page.status_code == 200 and customer.referral_code in page.text
    assert "Bình" in page.text
    assert missing.status_code == 404
