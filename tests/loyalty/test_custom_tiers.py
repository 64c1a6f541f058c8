"""A Vietnamese shop owner shapes the tiers in the settings form (no JSON): adds a fourth tier
"Kim cương" / "Diamond" with "Thêm hạng", renames gold to "Khách quen" / "Regular", and the
shop's names are what the staff member list and the customer's own loyalty page show, in the
reader's language. Removing a tier with "Xoá hạng" moves its members at the next sweep."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.community.audience_options import audience_options
from careloop.context import AppContext
from careloop.core import events
from careloop.core.errors import Conflict, ValidationFailed
from careloop.customers.models import TimelineEvent
from careloop.loyalty.config import ProgramConfig, tier_to_json
from careloop.loyalty.membership import current_tier, evaluate_tier
from careloop.loyalty.page import loyalty_link, page_router
from careloop.loyalty.program import get_program, program_config
from careloop.loyalty.rewards import redeem_reward
from careloop.loyalty.service import enable_program, update_settings
from careloop.loyalty.sweep import review_tiers
from careloop.loyalty.tier_names import tier_labels
from careloop.shops.models import Shop
from careloop.web.app import create_app
from tests.loyalty.factories import make_customer, place_order
from tests.loyalty.test_settings_form import as_data, changed, form_fields
from tests.web.helpers import sign_in

DIAMOND = {
    "tier.3.name_vi": "Kim cương",
    "tier.3.name_en": "Diamond",
    "tier.3.orders": "20",
    "tier.3.spend": "50.000.000",
}
REGULAR = {"tier.1.name_vi": "Khách quen", "tier.1.name_en": "Regular"}


def _add_diamond(client: TestClient) -> None:
    page = client.get("/loyalty")
    added = client.post(
        "/loyalty/settings/form", data=as_data([*form_fields(page.text), ("tier_action", "add")])
    )
    assert added.status_code == 200
    assert 'data-testid="tier-row-3"' in added.text  # an empty fourth row, nothing saved yet
    saved = client.post(
        "/loyalty/settings/form",
        data=as_data(changed(form_fields(added.text), set_={**DIAMOND, **REGULAR})),
    )
    assert saved.status_code == 200 and saved.url.path == "/loyalty", saved.text[-2000:]


def _customer_page(ctx: AppContext, shop: Shop, customer: object, lang: str) -> str:
    app = create_app(ctx)
    if not any(getattr(r, "path", "") == "/loyalty/{token}" for r in app.routes):
        app.include_router(page_router)
    link = loyalty_link(ctx, shop, customer).removeprefix(ctx.settings.base_url)  # type: ignore[arg-type]
    with TestClient(app) as client:
        return client.get(link + f"?lang={lang}").text


def test_a_fourth_tier_added_in_the_form_is_reached_and_shown_by_the_shop_name(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    _add_diamond(app_client)
    with ctx.sessions() as s:
        config = program_config(s, shop.id)
        stored = dict(get_program(s, shop.id).config)  # type: ignore[union-attr]
    assert config.tier_keys == ("silver", "gold", "platinum", "diamond")
    assert (config.tiers[3].orders, config.tiers[3].spend_minor) == (20, 50_000_000)
    assert (config.tiers[1].name_vi, config.tiers[1].name_en) == ("Khách quen", "Regular")
    assert config.tiers[0].name_vi is None  # silver still follows the catalogue
    assert set(stored) == {"tiers"}

    customer = make_customer(ctx, shop, name="Lê Thị Hoa")
    place_order(ctx, shop, "O-1", total="60000000", status="delivered")
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
        assert current_tier(session=s, shop_id=shop.id, customer_id=customer.id) == "diamond"

    members_vi = app_client.get("/loyalty/members")
    assert "Kim cương" in members_vi.text
    sign_in(app_client, ctx, make_staff(shop, email="staff@acme.test"), shop, locale="en")
    members_en = app_client.get("/loyalty/members")
    assert "Diamond" in members_en.text and "Kim cương" not in members_en.text

    assert "Kim cương" in _customer_page(ctx, shop, customer, "vi")
    english = _customer_page(ctx, shop, customer, "en")
    assert "Diamond" in english and "Kim cương" not in english


def test_a_new_tier_without_a_vietnamese_name_is_named_in_vietnamese_and_nothing_is_saved(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/loyalty")
    added = app_client.post(
        "/loyalty/settings/form", data=as_data([*form_fields(page.text), ("tier_action", "add")])
    )
    fields = changed(form_fields(added.text), set_={**DIAMOND, "tier.3.name_vi": ""})
    bad = app_client.post("/loyalty/settings/form", data=as_data(fields))
    assert bad.status_code == 422
    assert "Hạng 4 — Tên (tiếng Việt): bắt buộc" in bad.text
    assert 'name="tier.3.name_en" value="Diamond"' in bad.text  # what was typed stays
    with ctx.sessions() as s:
        assert get_program(s, shop.id) is None or get_program(s, shop.id).config == {}  # type: ignore[union-attr]


def test_removing_a_tier_moves_its_members_at_the_next_sweep_without_a_message(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = make_customer(ctx, shop, name="Phạm Minh")
    for i in range(4):
        place_order(ctx, shop, f"O-{i}", total="100000", status="delivered")
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
        assert current_tier(session=s, shop_id=shop.id, customer_id=customer.id) == "gold"

    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/loyalty")
    removed = app_client.post(
        "/loyalty/settings/form",
        data=as_data([*form_fields(page.text), ("tier_action", "remove:1")]),
    )
    assert removed.status_code == 200 and 'data-testid="tier-row-2"' not in removed.text
    saved = app_client.post("/loyalty/settings/form", data=as_data(form_fields(removed.text)))
    assert saved.status_code == 200 and saved.url.path == "/loyalty"
    with ctx.sessions() as s:
        assert program_config(s, shop.id).tier_keys == ("silver", "platinum")

    with ctx.sessions() as s, s.begin():
        review_tiers(s, ctx.clock, s.merge(shop))
    with ctx.sessions() as s:
        assert current_tier(session=s, shop_id=shop.id, customer_id=customer.id) == "silver"
        told = s.scalars(
            select(TimelineEvent.type).where(
                TimelineEvent.customer_id == customer.id,
                TimelineEvent.type == events.LOYALTY_TIER_CHANGED,
            )
        ).all()
    assert told == []  # neither "you moved up" nor "you shopped less" would be true


def test_the_tier_up_message_names_the_shop_tier_in_the_customer_language(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    """The loyalty.tier_changed event carries `tier_name`, which the tier_up template shows."""
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    _add_diamond(app_client)
    lan = make_customer(ctx, shop, "C-1", name="Lan", locale="vi")
    anna = make_customer(ctx, shop, "C-2", name="Anna", locale="en")
    place_order(ctx, shop, "O-1", "C-1", total="100000", status="delivered")
    place_order(ctx, shop, "O-2", "C-2", total="100000", status="delivered")
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
    place_order(ctx, shop, "O-3", "C-1", total="60000000", status="delivered")
    place_order(ctx, shop, "O-4", "C-2", total="60000000", status="delivered")
    with ctx.sessions() as s, s.begin():
        for customer in (lan, anna):
            evaluate_tier(session=s, clock=ctx.clock, shop=s.merge(shop), customer_id=customer.id)
    with ctx.sessions() as s:
        told = {
            e.customer_id: e.payload
            for e in s.scalars(
                select(TimelineEvent).where(TimelineEvent.type == events.LOYALTY_TIER_CHANGED)
            )
        }
    assert (told[lan.id]["tier_name"], told[lan.id]["direction"]) == ("Kim cương", "up")
    assert told[anna.id]["tier_name"] == "Diamond"


def test_the_customers_filter_and_campaign_audience_offer_the_shop_tier_names(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    _add_diamond(app_client)
    make_customer(ctx, shop, name="Lan")
    place_order(ctx, shop, "O-1", total="60000000", status="delivered")
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
    customers = app_client.get("/customers")
    assert '<option value="diamond"' in customers.text and "Kim cương" in customers.text
    with ctx.sessions() as s:
        options = audience_options(s, shop.id, str, tier_labels(program_config(s, shop.id), "en"))
    assert [(c.value, c.label, c.count) for c in options.tiers] == [
        ("silver", "Silver", 0),
        ("gold", "Regular", 0),
        ("platinum", "Platinum", 0),
        ("diamond", "Diamond", 1),
    ]


def test_removing_a_tier_a_reward_needs_is_refused_naming_the_reward_and_nothing_is_saved(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/loyalty")
    first = app_client.post(
        "/loyalty/settings/form",
        data=as_data(changed(form_fields(page.text), set_={"reward.0.min_tier": "gold"})),
    )
    assert first.status_code == 200 and first.url.path == "/loyalty", first.text[-2000:]

    page = app_client.get("/loyalty")
    removed = app_client.post(
        "/loyalty/settings/form",
        data=as_data([*form_fields(page.text), ("tier_action", "remove:1")]),
    )
    refused = app_client.post("/loyalty/settings/form", data=as_data(form_fields(removed.text)))

    assert refused.status_code == 422
    assert "hạng này không còn trong chương trình" in refused.text
    with ctx.sessions() as s:
        config = program_config(s, shop.id)
    assert config.tier_keys == ("silver", "gold", "platinum")
    assert config.rewards[0].min_tier == "gold"


def test_a_settings_change_leaving_a_reward_without_its_tier_is_refused_naming_the_field(
    ctx: AppContext, shop: Shop
) -> None:
    with ctx.sessions() as s, s.begin():
        shop_here = s.merge(shop)
        rewards = [asdict(r) for r in program_config(s, shop.id).rewards]
        rewards[0]["min_tier"] = "platinum"
        update_settings(
            session=s, clock=ctx.clock, shop=shop_here, changes={"rewards": rewards}, actor="t"
        )
    tiers = [tier_to_json(t) for t in ProgramConfig().tiers[:2]]
    with ctx.sessions() as s, s.begin(), pytest.raises(ValidationFailed) as refused:
        update_settings(
            session=s, clock=ctx.clock, shop=s.merge(shop), changes={"tiers": tiers}, actor="t"
        )
    assert [e.field for e in refused.value.errors] == ["rewards.0.min_tier"]


def test_a_reward_whose_tier_is_gone_is_closed_to_everyone_not_open_to_all(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop, name="Đỗ Lan")
    for i in range(12):
        place_order(ctx, shop, f"O-{i}", total="5000000", status="delivered")
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
        program = get_program(s, shop.id)
        assert program is not None
        rewards = [asdict(r) for r in program_config(s, shop.id).rewards]
        rewards[0]["min_tier"] = "diamond"  # stored before the tier was removed
        program.config = {**program.config, "rewards": rewards}
    with ctx.sessions() as s, s.begin():
        key = program_config(s, shop.id).rewards[0].key
        with pytest.raises(Conflict):
            redeem_reward(
                session=s,
                clock=ctx.clock,
                shop=s.merge(shop),
                customer=s.merge(customer),  # type: ignore[arg-type]
                reward_key=key,
                idempotency_key="r1",
            )
