"""The customer's own pages from a message's links (preferences, unsubscribe) name channels
the way the customer reads them ("Email", "Zalo") and are laid out for a phone: a centred
column, not raw form controls against the screen edge (first-day walk)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from careloop.channels import links
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import add_customer


def _link(ctx: AppContext, shop: Shop, purpose: str, **more: object) -> str:
    customer = add_customer(ctx, shop, "KH-1", name="Đỗ Minh Thư", email="thu@example.vn")
    token = links.sign(ctx.secret_key, purpose, {"s": shop.id, "c": customer.id, **more})
    return links.PATHS[purpose].format(token=token)


def test_the_preferences_page_names_each_channel_in_words(
    app_client: TestClient, ctx: AppContext, shop: Shop
) -> None:
    page = app_client.get(_link(ctx, shop, "preferences"))

    assert page.status_code == 200
    for word in ("Email", "SMS", "Zalo"):
        assert f'value="{word.lower()}" checked> {word}</label>' in page.text
    assert "main.public{max-width:32rem;margin:0 auto" in page.text


def test_the_unsubscribe_page_asks_about_email_by_its_name(
    app_client: TestClient, ctx: AppContext, shop: Shop
) -> None:
    page = app_client.get(_link(ctx, shop, "unsubscribe", ch="email"))

    assert "qua Email?" in page.text  # the shop speaks Vietnamese
    assert "qua email" not in page.text
