"""The staff Products page: listed in the nav, searchable, an edit form in Vietnamese whose
errors name the field and save nothing, and the platform tag convention explained."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.products.schemas import ProductIn
from careloop.products.service import find_product, save_product
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in


def _product(ctx: AppContext, shop: Shop, **fields: object) -> None:
    with ctx.sessions() as s, s.begin():
        save_product(session=s, clock=ctx.clock, shop=s.merge(shop), data=ProductIn(**fields))  # type: ignore[arg-type]


def _signed_in(
    client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str], locale: str
) -> None:
    sign_in(client, ctx, make_staff(shop), shop, locale=locale)


def test_the_products_page_lists_and_searches_and_explains_the_tag_convention(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _product(ctx, shop, sku="OOLONG-200", name="Trà Ô Long", category="tea", usage_days=30)
    _product(ctx, shop, sku="FILTER-RO", name="Máy lọc nước RO", warranty_months=12)
    _signed_in(app_client, ctx, shop, make_staff, "vi")
    home = app_client.get("/")
    assert 'href="/products"' in home.text and "Sản phẩm" in home.text
    page = app_client.get("/products", params={"q": "tea"})
    assert page.status_code == 200
    assert "OOLONG-200" in page.text and "FILTER-RO" not in page.text
    assert "usage:30d" in page.text and "usage_days" in page.text


def test_a_bad_edit_shows_vietnamese_errors_naming_the_field_and_saves_nothing(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _product(ctx, shop, sku="FILTER-RO", name="Máy lọc nước RO", usage_days=180)
    _signed_in(app_client, ctx, shop, make_staff, "vi")
    form = app_client.get("/products/FILTER-RO")
    assert "Bảo hành (tháng)" in form.text
    response = app_client.post(
        "/products/FILTER-RO",
        data={
            "csrf_token": csrf_from(form),
            "name": "Máy lọc nước RO",
            "usage_days": "0",
            "warranty_months": "mười hai",
            "care_guide_url_vi": "huongdan.vn",
        },
    )
    assert response.status_code == 422
    assert "Dùng hết sau (ngày, để nhắc mua lại): phải từ 1 trở lên" in response.text
    assert "Bảo hành (tháng): phải là số nguyên" in response.text
    assert "Liên kết hướng dẫn (tiếng Việt): phải là địa chỉ web bắt đầu bằng https://" in (
        response.text
    )
    with ctx.sessions() as s:
        stored = find_product(s, s.merge(shop), "FILTER-RO")
        assert stored is not None and stored.usage_days == 180


def test_staff_add_a_product_and_edit_its_care_guide(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _signed_in(app_client, ctx, shop, make_staff, "en")
    form = app_client.get("/products/new")
    created = app_client.post(
        "/products/new",
        data={
            "csrf_token": csrf_from(form),
            "sku": "OOLONG-200",
            "name": "Oolong tea 200 g",
            "usage_days": "30",
            "price": "185.000",
            "care_guide_en": "Brew at 90°C for 40 seconds.",
            "related_skus": "TEA-CUP, TEA-POT",
        },
    )
    assert created.status_code == 200 and "Saved." in created.text
    again = app_client.post(
        "/products/new",
        data={"csrf_token": csrf_from(form), "sku": "OOLONG-200", "name": "Copy"},
    )
    assert again.status_code == 422 and "another product already has this sku" in again.text
    edit = app_client.get("/products/OOLONG-200")
    saved = app_client.post(
        "/products/OOLONG-200",
        data={
            "csrf_token": csrf_from(edit),
            "name": "Oolong tea 200 g",
            "usage_days": "45",
            "care_guide_en": "Brew at 85°C.",
        },
    )
    assert saved.status_code == 200
    with ctx.sessions() as s:
        stored = find_product(s, s.merge(shop), "OOLONG-200")
        assert stored is not None
        assert (stored.usage_days, stored.care_guide_text_en, stored.price_minor) == (
            45,
            "Brew at 85°C.",
            None,  # the form holds every field: a blank one clears it
        )
        assert stored.related_skus == []
