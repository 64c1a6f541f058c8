"""A message as staff read it on the customer's page and the message's own page: named as the
catalogue names its template, its source and links in words, not codes or placeholders
(found on the first-day walk: "golden_hours.thank_you qua Email", "qua channel:email",
"Tùy chọn nhận tin: __careloop_link_preferences__", "Email (Email)")."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.channels.test_ui import queue_message
from tests.web.helpers import sign_in


def test_the_customers_timeline_names_the_message_and_its_channel_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    message_id = queue_message(ctx, shop)
    with ctx.sessions() as s:
        customer_id = s.scalars(select(Message.customer_id).where(Message.id == message_id)).one()
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    page = app_client.get(f"/customers/{customer_id}")

    assert "Hướng dẫn sử dụng qua Email: chờ gửi" in page.text
    assert "golden_hours.usage_guide" not in page.text
    assert "channel:email" not in page.text


def test_the_message_page_shows_links_as_words_and_one_channel_once(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    message_id = queue_message(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    page = app_client.get(f"/messages/{message_id}")

    assert "__careloop_link_" not in page.text
    assert "[liên kết: tùy chọn nhận tin]" in page.text
    assert 'data-testid="message-channel">Email</dd>' in page.text
