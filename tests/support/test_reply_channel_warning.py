"""The ticket page names the channel a staff reply will actually go out on (the contact
policy's route: the customer's preferred channel first, only channels the shop has set up),
not the channel the ticket came in on. A Zalo ticket answered by email must not warn that
Zalo is not ready."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.channels.settings import set_channel_settings
from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.support import service
from tests.web.helpers import add_customer, csrf_from, sign_in


def _zalo_ticket(ctx: AppContext, shop: Shop, **customer: str) -> int:
    found = add_customer(ctx, shop, "C-9", name="Trần Văn Minh", **customer)
    with ctx.sessions() as s, s.begin():
        return service.open_ticket(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer_id=found.id,
            subject="Giao thiếu hàng",
            body="Shop ơi em nhận thiếu 1 cái áo",
            channel="zalo",
        ).id


def _set_up_email(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        set_channel_settings(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            channel="email",
            values={"host": "smtp.example.com", "from_address": "shop@example.com"},
        )


def test_a_zalo_ticket_answered_by_email_says_email_and_shows_no_warning(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = _zalo_ticket(ctx, shop, email="minh@example.vn", zalo_user_id="8412345")
    _set_up_email(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)

    page = app_client.get(f"/tickets/{ticket_id}")

    assert page.status_code == 200
    assert 'data-testid="channel-not-ready"' not in page.text
    assert "The reply goes out by Email (the ticket came in by Zalo)." in page.text
    sent = app_client.post(
        f"/tickets/{ticket_id}/reply",
        data={"body": "Shop gửi bù áo cho anh ngay.", "csrf_token": csrf_from(page)},
    )
    assert sent.status_code == 200  # sent at once: no "send anyway" step
    assert 'name="anyway"' not in sent.text


def test_with_nothing_set_up_the_warning_names_the_channel_the_reply_would_use(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = _zalo_ticket(ctx, shop, zalo_user_id="8412345")
    sign_in(app_client, ctx, make_staff(shop), shop)

    page = app_client.get(f"/tickets/{ticket_id}")

    assert "The Zalo channel is not set up: the customer will not get this reply." in page.text
    assert "The reply goes out by Zalo." in page.text


def test_a_customer_no_set_up_channel_reaches_gets_a_warning_saying_so(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = _zalo_ticket(ctx, shop, zalo_user_id="8412345")
    _set_up_email(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)

    page = app_client.get(f"/tickets/{ticket_id}")

    assert "No channel that is set up reaches this customer" in page.text
    warned = app_client.post(
        f"/tickets/{ticket_id}/reply",
        data={"body": "Chào anh", "csrf_token": csrf_from(page)},
    )
    assert warned.status_code == 409
    assert 'name="anyway"' in warned.text


def test_the_reply_route_is_shown_in_vietnamese_for_vietnamese_staff(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = _zalo_ticket(ctx, shop, email="minh@example.vn", zalo_user_id="8412345")
    _set_up_email(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    page = app_client.get(f"/tickets/{ticket_id}")

    assert "Trả lời sẽ được gửi qua Email (phiếu đến từ Zalo)." in page.text


def test_the_conversation_shows_the_reply_on_the_channel_it_went_out_on(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = _zalo_ticket(ctx, shop, email="minh@example.vn", zalo_user_id="8412345")
    _set_up_email(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get(f"/tickets/{ticket_id}")
    app_client.post(
        f"/tickets/{ticket_id}/reply",
        data={"body": "Shop gửi bù áo cho anh ngay.", "csrf_token": csrf_from(page)},
    )

    answered = app_client.get(f"/tickets/{ticket_id}")

    after_reply = answered.text.split("Shop gửi bù áo cho anh ngay.", 1)[1]
    source = re.search(r'<p class="tl-source muted">(.*?)</p>', after_reply, re.S)
    assert source is not None
    assert source.group(1).startswith("Email")  # not the ticket's Zalo
