"""One occasion gives one reward: the loyalty programme's birthday-month and anniversary
coupons and the birthday / purchase-anniversary journeys share one key per (customer,
occasion, year), so whichever grants it first, the customer gets one coupon."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from careloop.core.occasions import occasion_key
from careloop.journeys.loader import PLAYBOOKS
from careloop.loyalty.models import Coupon
from careloop.loyalty.service import enable_program
from careloop.loyalty.sweep import sweep_shop
from tests.journeys.conftest import World, messages_of


def install_without_holdout(world: World, name: str) -> None:
    text = (PLAYBOOKS / f"{name}.yaml").read_text().replace("holdout: 0.1", "")
    world.install(text=text)


def programme_on(world: World) -> None:
    with world.session() as s, s.begin():
        enable_program(session=s, clock=world.clock, shop=s.merge(world.shop))


def loyalty_sweep(world: World) -> None:
    with world.session() as s, s.begin():
        sweep_shop(s, world.clock, s.merge(world.shop))


def coupons_of(world: World, customer_id: int) -> list[Coupon]:
    with world.session() as s:
        return list(s.scalars(select(Coupon).where(Coupon.customer_id == customer_id)))


def at_local_ten(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


@pytest.mark.parametrize("loyalty_first", [True, False], ids=["loyalty_first", "journey_first"])
def test_a_birthday_gives_one_coupon_whichever_capability_grants_it(
    world: World, loyalty_first: bool
) -> None:
    install_without_holdout(world, "birthday")
    mai = world.customer(birthday=date(1990, 12, 10))
    world.order(mai, "o1")
    programme_on(world)

    if loyalty_first:
        world.run_until(at_local_ten(date(2026, 12, 1)))
        loyalty_sweep(world)  # the birthday month starts: the programme's coupon
        world.run_until(at_local_ten(date(2026, 12, 7)))  # 3 days before: the journey
    else:
        world.run_until(at_local_ten(date(2026, 12, 7)))  # the journey's turn comes first
        loyalty_sweep(world)  # (this shop's daily sweep ran late)

    (coupon,) = coupons_of(world, mai.id)
    assert coupon.idempotency_key == occasion_key("birthday", mai.id, 2026)
    (wish,) = [m for m in messages_of(world, mai) if m.template_key == "birthday.wish"]
    assert wish.status not in ("suppressed", "deferred")

    # Next year is another occasion: one more coupon, not zero.
    world.run_until(at_local_ten(date(2027, 12, 1)))
    loyalty_sweep(world)
    world.run_until(at_local_ten(date(2027, 12, 8)))
    keys = sorted(c.idempotency_key for c in coupons_of(world, mai.id))
    assert keys == [
        occasion_key("birthday", mai.id, 2026),
        occasion_key("birthday", mai.id, 2027),
    ]


def test_a_purchase_anniversary_gives_one_coupon_from_programme_and_journey(world: World) -> None:
    install_without_holdout(world, "purchase_anniversary")
    an = world.customer("c2")
    world.order(an, "o1", status="placed")
    first = world.clock.now()
    programme_on(world)
    anniversary = first + timedelta(days=365)
    world.run_until(anniversary - timedelta(hours=1))
    world.clock.set(anniversary)
    loyalty_sweep(world)
    world.work()
    world.days_later(3)
    coupons = coupons_of(world, an.id)
    assert [c.idempotency_key for c in coupons] == [occasion_key("anniversary", an.id, 2027)]


def test_an_unknown_occasion_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'wedding'"):
        occasion_key("wedding", 1, 2026)  # type: ignore[arg-type]
