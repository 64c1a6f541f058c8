from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from careloop.community.ambassadors import (
    list_ambassadors,
    name_ambassador,
    record_ugc,
    refresh_ambassadors,
)
from careloop.community.groups import record_activity
from careloop.community.tasks import nightly_ambassadors
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import TimelineEvent
from careloop.loyalty.coupons import get_coupon
from careloop.loyalty.entitlements import active_entitlements
from careloop.loyalty.service import points_balance
from careloop.shops.models import Shop

from .factories import make_customer


def test_the_most_active_members_become_diamond_members_with_a_shareable_code(
    ctx: AppContext, shop: Shop
) -> None:
    active, quiet = make_customer(ctx, shop, "A"), make_customer(ctx, shop, "B")
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        from careloop.community.groups import create_group

        group = create_group(
            session=s, clock=ctx.clock, shop=merged, platform="facebook", name="Tips"
        )
        for n in range(2):
            record_ugc(
                session=s,
                clock=ctx.clock,
                shop=merged,
                customer_id=active.id,
                kind="ugc",
                entry_key=f"https://fb.example/post/{n}",
                note="#acmecoffee latte art",
            )
        for _ in range(4):
            record_activity(
                session=s,
                clock=ctx.clock,
                shop=merged,
                group_id=group.id,
                customer_id=active.id,
            )
        record_activity(
            session=s, clock=ctx.clock, shop=merged, group_id=group.id, customer_id=quiet.id
        )
        _, again = record_ugc(
            session=s,
            clock=ctx.clock,
            shop=merged,
            customer_id=active.id,
            kind="ugc",
            entry_key="https://fb.example/post/0",
        )
        assert not again  # the same post earns once
        named = refresh_ambassadors(session=s, clock=ctx.clock, shop=merged).named
        assert [a.customer_id for a in named] == [active.id]
        assert points_balance(session=s, shop_id=shop.id, customer_id=active.id) == 100
    with ctx.sessions() as s:
        [(amb, customer)] = list_ambassadors(s, shop.id)
        assert customer.external_id == "A" and amb.coupon_code


def _contribute(ctx: AppContext, shop: Shop, customer_id: int, batch: int = 0) -> None:
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        for n in range(4):
            record_ugc(
                session=s,
                clock=ctx.clock,
                shop=merged,
                customer_id=customer_id,
                kind="ugc",
                entry_key=f"https://fb.example/post/{customer_id}/{batch}/{n}",
            )


def test_the_nightly_rule_names_and_later_removes_a_diamond_member_on_the_timeline(
    ctx: AppContext, clock: VirtualClock, shop: Shop
) -> None:
    clock.set(datetime(2026, 11, 23, 21, 0, tzinfo=UTC))  # 04:00 in Ho Chi Minh City
    fan = make_customer(ctx, shop, "A")
    _contribute(ctx, shop, fan.id)

    assert nightly_ambassadors(ctx) == 1
    assert nightly_ambassadors(ctx) == 0  # once per local day
    with ctx.sessions() as s:
        [(amb, _)] = list_ambassadors(s, shop.id)
        code = amb.coupon_code
        assert code is not None

    clock.advance(timedelta(days=400))  # the contributions age out of the rule's year
    assert nightly_ambassadors(ctx) == 1
    with ctx.sessions() as s:
        assert list_ambassadors(s, shop.id) == []
        types = s.scalars(
            select(TimelineEvent.type)
            .where(TimelineEvent.customer_id == fan.id, TimelineEvent.type.like("ambassador.%"))
            .order_by(TimelineEvent.id)
        ).all()
        assert types == ["ambassador.named", "ambassador.removed"]
        assert get_coupon(s, shop.id, code).revoked_at is not None
        now = clock.now()
        held = active_entitlements(session=s, shop_id=shop.id, customer_id=fan.id, now=now)
        assert "early_access" not in held  # the privilege ends with the role

    _contribute(ctx, shop, fan.id, batch=1)  # active again: named again, with a new code
    clock.advance(timedelta(days=1))
    assert nightly_ambassadors(ctx) == 1
    with ctx.sessions() as s:
        [(amb, _)] = list_ambassadors(s, shop.id)
        assert amb.coupon_code not in (None, code)
        now = clock.now()
        held = active_entitlements(session=s, shop_id=shop.id, customer_id=fan.id, now=now)
        assert "early_access" in held  # and comes back with it


def test_a_diamond_member_named_by_hand_is_never_removed_by_the_rule(
    ctx: AppContext, shop: Shop
) -> None:
    quiet = make_customer(ctx, shop, "Q")
    with ctx.sessions() as s, s.begin():
        name_ambassador(
            session=s, clock=ctx.clock, shop=s.merge(shop), customer_id=quiet.id, by_hand=True
        )
    with ctx.sessions() as s, s.begin():
        result = refresh_ambassadors(session=s, clock=ctx.clock, shop=s.merge(shop))
        assert result.removed == []
    with ctx.sessions() as s:
        assert [c.external_id for _, c in list_ambassadors(s, shop.id)] == ["Q"]


def test_leaving_a_group_and_joining_again_puts_a_second_joined_entry_on_the_timeline(
    ctx: AppContext, clock: VirtualClock, shop: Shop
) -> None:
    from careloop.community.groups import add_member, create_group, remove_member

    fan = make_customer(ctx, shop, "A")
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        gid = create_group(session=s, clock=ctx.clock, shop=merged, platform="zalo", name="VIP").id
        for _ in range(2):  # a retried add records nothing more
            add_member(session=s, clock=ctx.clock, shop=merged, group_id=gid, customer_id=fan.id)
    clock.advance(timedelta(days=3))
    with ctx.sessions() as s, s.begin():
        remove_member(
            session=s, clock=ctx.clock, shop=s.merge(shop), group_id=gid, customer_id=fan.id
        )
    clock.advance(timedelta(days=3))
    with ctx.sessions() as s, s.begin():
        add_member(session=s, clock=ctx.clock, shop=s.merge(shop), group_id=gid, customer_id=fan.id)

    with ctx.sessions() as s:
        types = s.scalars(
            select(TimelineEvent.type)
            .where(TimelineEvent.customer_id == fan.id, TimelineEvent.type.like("community.%"))
            .order_by(TimelineEvent.id)
        ).all()
    assert types == ["community.joined", "community.left", "community.joined"]
