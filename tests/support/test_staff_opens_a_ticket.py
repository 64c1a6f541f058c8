"""Staff open a ticket for a customer who called or came to the shop (first-day walk: the
inbox only said tickets open by themselves, with no way to write one down)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.support.models import Ticket
from tests.web.helpers import add_customer, csrf_from, sign_in


def test_an_agent_writes_down_a_phone_call_as_a_ticket_with_its_deadlines(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    add_customer(ctx, shop, "KH-004", name="Đỗ Minh Thư", email="thu@example.vn")
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    inbox = app_client.get("/tickets")
    assert 'data-testid="new-ticket"' in inbox.text

    opened = app_client.post(
        "/tickets/new",
        data={
            "customer": "KH-004",
            "channel": "staff",
            "subject": "Hỏi đổi size áo",
            "body": "Khách gọi điện hỏi đổi áo size M sang L.",
            "csrf_token": csrf_from(inbox),
        },
    )

    assert opened.status_code == 200
    assert "Hỏi đổi size áo" in opened.text and "Đỗ Minh Thư" in opened.text
    assert "Khách gọi điện hỏi đổi áo size M sang L." in opened.text
    assert "Written down by staff" in opened.text
    with ctx.sessions() as s:
        ticket = s.scalars(select(Ticket)).one()
    assert ticket.channel == "staff" and ticket.subject == "Hỏi đổi size áo"


def test_an_unknown_customer_code_is_named_and_nothing_is_opened(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    inbox = app_client.get("/tickets")

    refused = app_client.post(
        "/tickets/new",
        data={"customer": "KH-999", "subject": "", "csrf_token": csrf_from(inbox)},
    )

    assert refused.status_code == 422
    assert "Cửa hàng không có khách hàng mã &#34;KH-999&#34;." in refused.text
    assert "Hãy ghi phiếu này về việc gì." in refused.text
    assert 'value="KH-999"' in refused.text  # the form keeps what was typed
    with ctx.sessions() as s:
        assert s.scalar(select(Ticket.id)) is None


def test_a_viewer_sees_no_form_to_open_a_ticket_and_cannot_post_one(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    add_customer(ctx, shop, "KH-004", name="Đỗ Minh Thư")
    sign_in(app_client, ctx, make_staff(shop, email="v@acme.test", role="viewer"), shop)
    inbox = app_client.get("/tickets")

    posted = app_client.post(
        "/tickets/new",
        data={"customer": "KH-004", "subject": "x", "csrf_token": csrf_from(inbox)},
    )

    assert 'data-testid="new-ticket"' not in inbox.text
    assert posted.status_code == 403


def test_the_customers_page_leads_to_the_form_with_the_customer_filled_in(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = add_customer(ctx, shop, "KH-004", name="Đỗ Minh Thư")
    sign_in(app_client, ctx, make_staff(shop), shop)

    page = app_client.get(f"/customers/{customer.id}")
    form = app_client.get("/tickets?customer=KH-004")

    assert 'href="/tickets?customer=KH-004#new-ticket" data-testid="open-ticket"' in page.text
    assert '<details class="card" id="new-ticket" data-testid="new-ticket" open>' in form.text
    assert 'name="customer" value="KH-004"' in form.text


def test_a_ticket_written_down_by_staff_says_only_which_channel_the_reply_uses(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    add_customer(ctx, shop, "KH-004", name="Đỗ Minh Thư", email="thu@example.vn")
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    inbox = app_client.get("/tickets")

    opened = app_client.post(
        "/tickets/new",
        data={"customer": "KH-004", "subject": "Hỏi giờ mở cửa", "csrf_token": csrf_from(inbox)},
    )

    assert 'data-testid="reply-via">Trả lời sẽ được gửi qua Email.</p>' in opened.text
    assert "phiếu đến từ" not in opened.text
