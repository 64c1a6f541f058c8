from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

from .factories import make_customer


def test_a_refused_campaign_form_gives_its_reasons_in_vietnamese_on_a_vietnamese_page(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/community/campaigns")

    refused = app_client.post(
        "/community/campaigns",
        data={"name": " ", "subject": "s", "body": "b", "csrf_token": csrf_from(page)},
    )

    assert refused.status_code == 422
    assert "chiến dịch cần có tên" in refused.text
    assert "hãy chọn ít nhất một bộ lọc" in refused.text
    assert "a campaign needs a name" not in refused.text


def test_sending_a_cancelled_campaign_is_refused_in_the_pages_language(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    make_customer(ctx, shop, "A")
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/community/campaigns")
    created = app_client.post(
        "/community/campaigns",
        data={
            "name": "Mẹo pha phin",
            "purpose": "value",
            "kind": "marketing",
            "subject": "Mẹo",
            "body": "Làm nóng phin trước.",
            "segments": "champions",
            "csrf_token": csrf_from(page),
        },
    )
    token = csrf_from(created)
    app_client.post(str(created.url) + "/cancel", data={"csrf_token": token})

    again = app_client.post(str(created.url) + "/send", data={"send_at": "", "csrf_token": token})

    assert "đã ở trạng thái “Đã hủy”" in again.text
    assert "already" not in again.text
