"""The owner removes a tier in the loyalty settings form of an empty shop (issue 17, item 4):
its members move at once to the tier their history now earns, and the store privilege the
removed tier gave (the free-shipping customer tag synced to Shopify, loyalty/
store_action_sync.py) is revoked through the same store actions that granted it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.customers.models import TimelineEvent
from careloop.loyalty.config import FREE_SHIPPING
from careloop.loyalty.membership import current_tier
from careloop.loyalty.models import StoreAction
from careloop.loyalty.program import program_config
from careloop.loyalty.service import enable_program
from careloop.loyalty.tasks import process_events
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer, place_order, set_status
from tests.loyalty.test_settings_form import as_data, form_fields
from tests.web.helpers import sign_in


def _gold_member_with_a_shopify_store(ctx: AppContext, shop: Shop) -> int:
    with ctx.sessions() as s, s.begin():
        add_connector(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            platform="shopify",
            secret="a-long-enough-test-secret",
        )
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
    customer = make_customer(ctx, shop)
    for n in (1, 2, 3):
        place_order(ctx, shop, f"D-{n}")
        set_status(ctx, shop, f"D-{n}", "delivered")
    process_events(ctx)
    with ctx.sessions() as s:
        assert current_tier(session=s, shop_id=shop.id, customer_id=customer.id) == "gold"
    return customer.id


def _store_actions(ctx: AppContext, customer_id: int) -> list[tuple[str, str, str]]:
    with ctx.sessions() as s:
        return [
            (a.action, a.entitlement, a.value)
            for a in s.scalars(
                select(StoreAction)
                .where(StoreAction.customer_id == customer_id)
                .order_by(StoreAction.id)
            )
        ]


def _remove_tier(app_client: TestClient, key: str) -> TestClient:
    page = app_client.get("/loyalty")
    fields = form_fields(page.text)
    row = next(k for k, v in fields if k.startswith("tier.") and k.endswith(".key") and v == key)
    row = row.split(".")[1]
    edited = app_client.post(
        "/loyalty/settings/form", data={**as_data(fields), "tier_action": f"remove:{row}"}
    )
    assert edited.status_code == 200
    saved = app_client.post("/loyalty/settings/form", data=as_data(form_fields(edited.text)))
    assert saved.status_code == 200 and saved.url.path == "/loyalty", saved.text[-2000:]
    return app_client


def test_removing_gold_moves_its_member_to_silver_and_revokes_the_free_shipping_tag(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer_id = _gold_member_with_a_shopify_store(ctx, shop)
    assert ("tag_customer", FREE_SHIPPING, "careloop-free-shipping") in _store_actions(
        ctx, customer_id
    )
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    _remove_tier(app_client, "gold")

    with ctx.sessions() as s:
        assert "gold" not in program_config(s, shop.id).tier_keys
        assert current_tier(session=s, shop_id=shop.id, customer_id=customer_id) == "silver"
        moved = s.scalars(
            select(TimelineEvent.payload).where(
                TimelineEvent.customer_id == customer_id, TimelineEvent.type == "tier.changed"
            )
        ).all()
    assert {"from": "gold", "to": "silver", "direction": "moved"} in moved
    actions = _store_actions(ctx, customer_id)
    assert actions[-1] == ("remove_tag_customer", FREE_SHIPPING, "careloop-free-shipping")
    with ctx.sessions() as s:
        revoke = s.scalars(select(StoreAction).order_by(StoreAction.id.desc())).first()
        assert revoke is not None and (revoke.status, revoke.note) == ("pending", "shopify")


def test_unticking_free_shipping_on_gold_revokes_the_tag_and_keeps_the_member_gold(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer_id = _gold_member_with_a_shopify_store(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    fields = form_fields(app_client.get("/loyalty").text)
    gold = next(
        k for k, v in fields if k.startswith("tier.") and k.endswith(".key") and v == "gold"
    )
    untick = ("benefit." + gold.split(".")[1], FREE_SHIPPING)
    assert untick in fields

    saved = app_client.post(
        "/loyalty/settings/form", data=as_data([f for f in fields if f != untick])
    )

    assert saved.status_code == 200 and saved.url.path == "/loyalty"
    with ctx.sessions() as s:
        assert current_tier(session=s, shop_id=shop.id, customer_id=customer_id) == "gold"
    assert _store_actions(ctx, customer_id)[-1] == (
        "remove_tag_customer",
        FREE_SHIPPING,
        "careloop-free-shipping",
    )
