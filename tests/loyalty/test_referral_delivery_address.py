from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.loyalty.models import Coupon, Referral
from careloop.loyalty.referrals import Party, hold_reasons
from careloop.loyalty.service import enable_program
from careloop.loyalty.tasks import process_events
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer, place_order


def _enable(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))


def _referral(ctx: AppContext) -> Referral:
    with ctx.sessions() as s:
        referral = s.scalar(select(Referral))
    assert referral is not None
    return referral


def test_a_friend_shipping_to_the_advocates_address_written_differently_is_held(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    _enable(ctx, shop)
    advocate = make_customer(ctx, shop, "A-1", phone="0901234567", email="lan@example.vn")
    place_order(
        ctx,
        shop,
        "O-A1",
        "A-1",
        status="delivered",
        shipping_address="Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh",
    )
    clock.advance(timedelta(days=3))
    place_order(
        ctx,
        shop,
        "O-F1",
        "F-1",
        phone="0907654321",
        email="hoa@example.vn",
        discount_codes=[advocate.referral_code],
        shipping_address={"address1": "12 le loi", "ward": "p.ben nghe", "city": "Q1 TPHCM"},
    )
    process_events(ctx)
    referral = _referral(ctx)
    assert (referral.status, referral.hold_reasons) == ("held", ["shared_delivery_address"])
    with ctx.sessions() as s:
        assert s.scalar(select(Coupon).where(Coupon.source == "referral")) is None


def test_any_of_the_advocates_past_addresses_counts(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    _enable(ctx, shop)
    advocate = make_customer(ctx, shop, "A-1")
    place_order(ctx, shop, "O-A1", "A-1", shipping_address="Ngõ 12 Phố Huế, Hai Bà Trưng, Hà Nội")
    place_order(ctx, shop, "O-A2", "A-1", shipping_address="45 Hai Bà Trưng, Hoàn Kiếm, Hà Nội")
    clock.advance(timedelta(days=1))
    place_order(
        ctx,
        shop,
        "O-F1",
        "F-1",
        discount_codes=[advocate.referral_code],
        shipping_address="ngo 12 pho hue, q. hai ba trung, tp ha noi, Việt Nam",
    )
    process_events(ctx)
    assert _referral(ctx).hold_reasons == ["shared_delivery_address"]


def test_a_friend_next_door_is_not_held(ctx: AppContext, shop: Shop, clock: VirtualClock) -> None:
    _enable(ctx, shop)
    advocate = make_customer(ctx, shop, "A-1")
    place_order(ctx, shop, "O-A1", "A-1", shipping_address="12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM")
    clock.advance(timedelta(days=1))
    place_order(
        ctx,
        shop,
        "O-F1",
        "F-1",
        discount_codes=[advocate.referral_code],
        shipping_address="14 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM",
    )
    process_events(ctx)
    referral = _referral(ctx)
    assert (referral.status, referral.hold_reasons) == ("pending", [])


def test_hold_reasons_compare_normalised_addresses_only_between_two_customers() -> None:
    shared = frozenset({"12 le loi ben nghe q 1 hcm"})
    advocate = Party(1, None, None, shared | {"45 hai ba trung ha noi"})
    assert hold_reasons(advocate, Party(2, None, None, shared), 0, 0, 10) == [
        "shared_delivery_address"
    ]
    assert hold_reasons(advocate, Party(2, None, None), 0, 0, 10) == []
    assert hold_reasons(advocate, Party(1, None, None, shared), 0, 0, 10) == ["self_referral"]
