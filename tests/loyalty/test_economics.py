"""Safe economics (issue 24, item 2): capped percent rewards, minimum orders, and reward
names that promise only what the code gives."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.models import Customer
from careloop.loyalty.config import DEFAULT_REWARDS, ProgramConfig, Reward, parse_config
from careloop.loyalty.coupons import CouponRejected, get_coupon, redeem_coupon
from careloop.loyalty.economics import budget_band, coupon_terms, reward_terms
from careloop.loyalty.models import LoyaltyProgram
from careloop.loyalty.rewards import redeem_reward
from careloop.loyalty.service import add_points, enable_program, update_settings
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer
from tests.web.helpers import sign_in


def _member_with_points(ctx: AppContext, shop: Shop, points: int) -> Customer:
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
        add_points(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(customer),
            points=points,
            reason="test balance",
            idempotency_key="seed",
        )
    return customer


def _redeem_reward(ctx: AppContext, shop: Shop, customer: Customer, key: str) -> str:
    with ctx.sessions() as s, s.begin():
        result = redeem_reward(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(customer),
            reward_key=key,
            idempotency_key=f"redeem:{key}",
        )
    assert result.coupon_code is not None
    return result.coupon_code


def test_default_ten_percent_reward_takes_at_most_its_cap_off_a_20_000_000_vnd_order(
    ctx: AppContext, shop: Shop
) -> None:
    customer = _member_with_points(ctx, shop, 100)
    code = _redeem_reward(ctx, shop, customer, "discount_10")
    with ctx.sessions() as s, s.begin():
        result = redeem_coupon(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            code=code,
            customer=s.merge(customer),
            order_ref="BIG-1",
            order_total_minor=20_000_000,
        )
    # 100 points were earned on 100.000 ₫; at the retail band's top (5%) they are worth
    # 5.000 ₫, not the 2.000.000 ₫ an uncapped 10% would give.
    assert result.discount_minor == 5_000
    assert result.coupon.max_discount_minor == 5_000


def test_percent_reward_below_its_minimum_order_is_rejected_naming_the_minimum(
    ctx: AppContext, shop: Shop
) -> None:
    customer = _member_with_points(ctx, shop, 100)
    code = _redeem_reward(ctx, shop, customer, "discount_10")
    with (
        ctx.sessions() as s,
        s.begin(),
        pytest.raises(CouponRejected, match=r"needs an order of at least 50\.000"),
    ):
        redeem_coupon(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            code=code,
            customer=s.merge(customer),
            order_ref="SMALL-1",
            order_total_minor=40_000,
        )
    with ctx.sessions() as s:
        assert get_coupon(s, shop.id, code).used_count == 0


def test_reward_named_25_percent_and_free_shipping_issues_a_code_that_does_both(
    ctx: AppContext, shop: Shop
) -> None:
    customer = _member_with_points(ctx, shop, 500)
    code = _redeem_reward(ctx, shop, customer, "discount_25")
    with ctx.sessions() as s:
        coupon = get_coupon(s, shop.id, code)
        assert (coupon.kind, coupon.percent_off, coupon.free_shipping) == ("percent", 25, True)
        assert coupon.max_discount_minor == 25_000


def _reward(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "key": "promo",
        "name_vi": "Giảm 25% và miễn phí giao hàng",
        "name_en": "25% off and free shipping",
        "cost": 500,
        "kind": "percent",
        "percent_off": 25,
    }
    return {**base, **fields}


def test_reward_whose_name_promises_free_shipping_it_does_not_give_is_refused(
    ctx: AppContext, shop: Shop
) -> None:
    refused = pytest.raises(ValidationFailed, match=r"rewards\.0\.name_vi.*free shipping")
    with ctx.sessions() as s, s.begin(), refused:
        update_settings(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            changes={"rewards": [_reward()]},
            actor="owner",
        )
    with ctx.sessions() as s:
        program = s.scalar(select(LoyaltyProgram).where(LoyaltyProgram.shop_id == shop.id))
        assert program is None or "rewards" not in program.config


def test_reward_whose_name_promises_another_percent_is_refused() -> None:
    with pytest.raises(ValidationFailed, match=r"promises 30% off but the reward gives 25% off"):
        parse_config(
            {"rewards": [_reward(name_vi="Giảm 30%", name_en="30% off", free_shipping=True)]}
        )


def test_reward_name_that_matches_what_it_gives_is_accepted() -> None:
    config = parse_config({"rewards": [_reward(free_shipping=True, max_discount_major=80_000)]})
    assert config.rewards[0].free_shipping is True
    assert config.rewards[0].max_discount_major == 80_000


def test_stored_reward_saved_before_names_were_checked_gives_the_free_shipping_it_names() -> None:
    config = parse_config({"rewards": [_reward()]}, stored=True)
    assert config.rewards[0].free_shipping is True


def test_default_reward_caps_stay_within_the_top_of_the_retail_budget_band() -> None:
    config = ProgramConfig()
    low, high = budget_band("retail")
    assert (low, high) == (0.02, 0.05)
    for reward in DEFAULT_REWARDS:
        if reward.kind != "percent":
            continue
        terms = reward_terms(reward, config, "VND", "retail")
        earned_on = reward.cost * config.earn_unit_minor("VND")
        assert terms.max_discount_minor is not None
        assert terms.max_discount_minor <= earned_on * high
        assert terms.min_order_minor * reward.percent_off // 100 >= terms.max_discount_minor  # type: ignore[operator]


def test_occasion_percent_codes_get_the_programme_cap_and_minimum_order() -> None:
    assert coupon_terms(ProgramConfig(), "VND").max_discount_minor == 100_000
    assert coupon_terms(ProgramConfig(), "VND").min_order_minor == 200_000
    custom = parse_config({"coupon_max_discount_major": 50_000, "coupon_min_order_major": 0})
    assert coupon_terms(custom, "VND").max_discount_minor == 50_000
    assert coupon_terms(custom, "VND").min_order_minor == 0


def test_explicit_reward_cap_and_minimum_order_are_used() -> None:
    reward = Reward("r", "Giảm 10%", "10% off", 100, "percent", 10, max_discount_major=20_000)
    terms = reward_terms(reward, ProgramConfig(), "VND", "retail")
    assert (terms.max_discount_minor, terms.min_order_minor) == (20_000, 200_000)


def test_rewards_page_shows_each_percent_rewards_cap_and_minimum_order(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/loyalty/rewards")
    assert page.status_code == 200
    assert "tối đa 5.000 ₫ · đơn từ 50.000 ₫" in page.text
    assert "tối đa 25.000 ₫ · đơn từ 100.000 ₫ · miễn phí giao hàng" in page.text
