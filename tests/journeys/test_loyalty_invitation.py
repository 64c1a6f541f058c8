"""The Day 60-90 loyalty invite (shipped at day 75) goes to buyers who do not take part in
the programme yet: every buyer gets the entry tier automatically, so a tier alone does not
make them a member who knows about it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from careloop.journeys.loader import PLAYBOOKS
from careloop.loyalty import points
from careloop.loyalty.service import current_tier, enable_program, points_balance
from tests.journeys.conftest import World, messages_of

INVITE = "loyalty.invitation"


def install_invitation(world: World) -> None:
    # The shipped journey without its 10% holdout, so every test customer is enrolled.
    text = (PLAYBOOKS / "loyalty_invitation.yaml").read_text().replace("holdout: 0.1", "")
    world.install(text=text)


def programme_on(world: World) -> None:
    with world.session() as s, s.begin():
        enable_program(session=s, clock=world.clock, shop=s.merge(world.shop))


def invites(world: World, customer) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.template_key for m in messages_of(world, customer) if m.template_key == INVITE]


def test_the_day_75_invite_goes_to_a_buyer_on_the_entry_tier_with_welcome_points(
    world: World,
) -> None:
    install_invitation(world)
    mai = world.customer()
    delivered = world.clock.now()
    world.order(mai, "o1")
    programme_on(world)
    with world.session() as s:
        assert current_tier(session=s, shop_id=world.shop.id, customer_id=mai.id) == "silver"

    world.run_until(delivered + timedelta(days=74))
    assert invites(world, mai) == []
    world.run_until(delivered + timedelta(days=76))
    assert invites(world, mai) == [INVITE]
    with world.session() as s:
        assert points_balance(session=s, shop_id=world.shop.id, customer_id=mai.id) >= 100


def test_a_member_who_already_redeemed_points_is_not_invited(world: World) -> None:
    install_invitation(world)
    an = world.customer("c2")
    delivered = world.clock.now()
    world.order(an, "o2")
    programme_on(world)
    with world.session() as s, s.begin():
        common = {"session": s, "clock": world.clock, "shop_id": world.shop.id}
        points.credit(**common, customer_id=an.id, points=50, reason="review", idempotency_key="k1")
        points.redeem(**common, customer_id=an.id, points=50, reason="gift", idempotency_key="k2")
    world.run_until(delivered + timedelta(days=76))
    assert invites(world, an) == []


def test_no_invite_goes_out_while_the_shop_runs_no_loyalty_programme(world: World) -> None:
    install_invitation(world)
    bao = world.customer("c3")
    delivered = world.clock.now()
    world.order(bao, "o3")
    world.run_until(delivered + timedelta(days=76))
    assert invites(world, bao) == []
    from careloop.journeys.models import JourneyEnrollment

    with world.session() as s:
        status = s.scalar(select(JourneyEnrollment.status))
    assert status == "done"
