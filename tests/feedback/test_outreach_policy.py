"""Feedback's own asks go through channels' Outreach port, under the same contact policy as
journeys: the customer's "how often" from the preference centre holds them back too
(issue 22 item 2; rule `customer_frequency`, channels/policy.py)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels import links
from careloop.channels.models import Message
from careloop.channels.policy import RULE_CUSTOMER_FREQUENCY
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.feedback.tasks import review_asks_pass
from careloop.shops.models import Shop
from tests.feedback.test_product_review_requests import delivered_order, per_product_shop


def _service_capped(ctx: AppContext, shop: Shop) -> None:
    """A shop that caps service messages too, with room for many a day and a month."""
    with ctx.sessions() as s, s.begin():
        row = s.get(Shop, shop.id)
        assert row is not None
        row.contact_policy = {
            "capped_classes": ["marketing", "service"],
            "max_per_day": 5,
            "max_per_window": 10,
        }


def _choose_frequency(ctx: AppContext, app_client: TestClient, shop: Shop, frequency: str) -> None:
    with ctx.sessions() as s:
        cid = s.scalars(select(Customer.id).where(Customer.external_id == "C-1")).one()
    token = links.sign(ctx.secret_key, "preferences", {"s": shop.id, "c": cid})
    saved = app_client.post(
        f"/c/prefs/{token}", data={"channel": ["email"], "frequency": frequency}
    )
    assert saved.status_code == 200


def _asks(ctx: AppContext) -> list[tuple[str, str | None]]:
    with ctx.sessions() as s:
        rows = s.execute(
            select(Message.status, Message.reason)
            .where(Message.template_key == "feedback.product_review_request")
            .order_by(Message.id)
        ).all()
    return [(status, reason) for status, reason in rows]


def test_a_product_review_ask_respects_the_frequency_the_customer_chose_like_journeys_do(
    api: TestClient, app_client: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    per_product_shop(ctx, shop)
    _service_capped(ctx, shop)
    delivered_order(api, clock)  # two products: two asks on the same day
    _choose_frequency(ctx, app_client, shop, "monthly")

    clock.advance(timedelta(days=15))
    review_asks_pass(ctx)

    assert _asks(ctx) == [("queued", None), ("suppressed", RULE_CUSTOMER_FREQUENCY)]


def test_a_customer_on_the_shops_normal_frequency_gets_every_ask_the_shop_caps_allow(
    api: TestClient, app_client: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    per_product_shop(ctx, shop)
    _service_capped(ctx, shop)
    delivered_order(api, clock)
    _choose_frequency(ctx, app_client, shop, "normal")

    clock.advance(timedelta(days=15))
    review_asks_pass(ctx)

    assert _asks(ctx) == [("queued", None), ("queued", None)]
