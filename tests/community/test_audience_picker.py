"""Campaign audiences are picked by name (segment, tier, tag, product, group) with a live count,
not typed as keys."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.community.models import Campaign
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

from .factories import make_customer


def test_the_picker_lists_segments_by_their_vietnamese_name_with_how_many_customers(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    make_customer(ctx, shop, "A", tags=["hanoi"])
    make_customer(ctx, shop, "B", segment="loyal", tags=["hanoi", "cafe"])
    sign_in(app_client, ctx, make_staff(shop), shop, "vi")
    page = app_client.get("/community/campaigns").text
    segments = page.split('data-testid="pick-segments"')[1].split("</fieldset>")[0]
    assert 'value="champions"> Khách hàng VIP <span class="muted">(1)</span>' in segments
    assert "Khách hàng trung thành" in segments
    tags = page.split('data-testid="pick-tags"')[1].split("</fieldset>")[0]
    assert tags.index('value="hanoi"') < tags.index('value="cafe"')  # most customers first
    products = page.split('data-testid="pick-skus"')[1].split("</fieldset>")[0]
    assert 'value="PHIN"' in products and "(2)" in products
    assert 'placeholder="champions, loyal"' not in page  # no keys to type


def test_ticked_choices_become_the_campaigns_audience(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    make_customer(ctx, shop, "A", tags=["hanoi"])
    sign_in(app_client, ctx, make_staff(shop), shop, "vi")
    page = app_client.get("/community/campaigns")
    created = app_client.post(
        "/community/campaigns",
        data={
            "name": "Mẹo pha cà phê",
            "purpose": "value",
            "kind": "marketing",
            "subject": "Mẹo pha",
            "body": "Xay ngay trước khi pha.",
            "segments": ["champions", "loyal"],
            "tags": ["hanoi", "saigon, danang"],
            "skus": ["PHIN"],
            "csrf_token": csrf_from(page),
        },
    )
    assert created.status_code == 200
    with ctx.sessions() as s:
        audience = s.scalars(select(Campaign)).one().audience
    assert audience["segments"] == ["champions", "loyal"]
    assert audience["tags"] == ["hanoi", "saigon", "danang"]
    assert audience["skus"] == ["PHIN"]
    edit = created.text.split('data-testid="pick-segments"')[1].split("</fieldset>")[0]
    assert 'value="loyal" checked' in edit  # the edit form shows what was ticked


def test_the_live_count_says_how_many_customers_the_ticks_hold_now(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    make_customer(ctx, shop, "A")
    make_customer(ctx, shop, "B", segment="loyal")
    make_customer(ctx, shop, "C", segment="loyal", with_order=False)
    sign_in(app_client, ctx, make_staff(shop), shop, "vi")
    token = csrf_from(app_client.get("/community/campaigns"))
    count = app_client.post(
        "/community/campaigns/audience-count",
        data={"segments": ["loyal"], "csrf_token": token},
    )
    assert "Hiện có 2 khách hàng phù hợp" in count.text
    both = app_client.post(
        "/community/campaigns/audience-count",
        data={"segments": ["loyal"], "skus": ["PHIN"], "csrf_token": token},
    )
    assert "Hiện có 1 khách hàng phù hợp" in both.text
    empty = app_client.post("/community/campaigns/audience-count", data={"csrf_token": token})
    assert "khách hàng phù hợp" not in empty.text and empty.text.strip()  # says why instead


def test_the_campaign_page_names_its_audience_in_staff_words(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    make_customer(ctx, shop, "A")
    sign_in(app_client, ctx, make_staff(shop), shop, "vi")
    page = app_client.get("/community/campaigns")
    created = app_client.post(
        "/community/campaigns",
        data={
            "name": "Tri ân",
            "purpose": "value",
            "kind": "marketing",
            "subject": "Cảm ơn",
            "body": "Cảm ơn bạn.",
            "segments": ["champions"],
            "tiers": ["gold"],
            "csrf_token": csrf_from(page),
        },
    )
    assert "Đối tượng: Phân khúc RFM: Khách hàng VIP; Hạng thành viên: Vàng" in created.text
