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


def _picks(html: str) -> str:
    return html.split('data-testid="pick-segments"')[1].split("</fieldset>")[0]


def test_a_group_is_offered_to_segments_ticked_by_their_vietnamese_names(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    """No segment key to type: the form lists the RFM segments by name; the list names them."""
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/community")
    picks = _picks(page.text)
    assert 'value="champions"> Khách hàng VIP' in picks and "Khách hàng trung thành" in picks
    assert 'placeholder="champions' not in page.text

    saved = app_client.post(
        "/community/groups",
        data={
            "platform": "zalo",
            "name": "Hội yêu trà",
            "segments": ["champions", "loyal"],
            "csrf_token": csrf_from(page),
        },
    )

    assert saved.status_code == 200
    listed = saved.text.split('data-testid="groups"')[1].split("<form")[0]
    assert "Khách hàng VIP, Khách hàng trung thành" in listed and "champions" not in listed


def test_an_event_invites_ticked_segments_and_its_form_keeps_them_ticked(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/community/events")
    assert 'value="loyal"> Khách hàng trung thành' in _picks(page.text)
    form = {
        "title": "Workshop pha cà phê",
        "starts_at": "2031-01-10T18:00",
        "duration": "90",
        "capacity": "",
        "mode": "in_shop",
        "language": "vi",
        "segments": ["champions", "loyal"],
        "csrf_token": csrf_from(page),
    }
    refused = app_client.post("/community/events", data=form)
    assert refused.status_code == 422
    assert 'value="champions" checked' in _picks(refused.text)
    assert 'value="loyal" checked' in _picks(refused.text)

    created = app_client.post("/community/events", data={**form, "capacity": "12"})

    assert created.status_code == 200
    assert "Khách hàng VIP, Khách hàng trung thành" in created.text
    assert 'value="loyal" checked' in _picks(created.text)


def test_a_launch_invites_segments_ticked_by_name_and_its_page_names_them(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    """The new-launch form starts with the seeds' default (Champions and Loyal) ticked."""
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/community/launches")
    picks = _picks(page.text)
    assert 'value="champions" checked> Khách hàng VIP' in picks
    assert 'value="loyal" checked> Khách hàng trung thành' in picks
    made = app_client.post(
        "/community/launches",
        data={
            "sku": "PHIN-9",
            "name": "Phin 9",
            "early_at": "2031-01-10T09:00",
            "public_at": "2031-01-17T09:00",
            "offer": "free",
            "segments": ["champions", "at_risk"],
            "csrf_token": csrf_from(page),
        },
    )
    assert made.status_code == 200
    link = made.text.split('href="/community/launches/')[1].split('"')[0]
    launch = app_client.get(f"/community/launches/{link}").text
    assert "Khách hàng VIP, Có nguy cơ rời bỏ" in launch
    assert 'value="at_risk" checked' in _picks(launch)
