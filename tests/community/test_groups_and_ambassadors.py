from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from careloop.community.ambassadors import list_ambassadors, record_ugc, refresh_ambassadors
from careloop.community.groups import import_members, list_groups, record_activity
from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.models import TimelineEvent
from careloop.loyalty.service import points_balance
from careloop.shops.models import Shop

from .factories import make_customer


def test_group_members_import_from_csv_and_a_bad_row_imports_nothing(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    make_customer(ctx, shop, "A")
    bad = tmp_path / "bad.csv"
    bad.write_text("group,platform,customer_id\nVIP,zalo,A\nVIP,myspace,ZZ\n")
    with pytest.raises(ValidationFailed) as caught:
        import_members(ctx, shop, bad)
    assert {str(e) for e in caught.value.errors} == {
        "bad.csv:3: platform: use one of zalo, facebook, wechat",
        "bad.csv:3: customer_id: unknown customer 'ZZ'",
    }
    good = tmp_path / "good.csv"
    good.write_text("group,platform,customer_id,activity\nVIP,zalo,A,2\n")
    assert import_members(ctx, shop, good).rows == 1
    with ctx.sessions() as s:
        assert [(g.name, n) for g, n in list_groups(s, shop.id)] == [("VIP", 1)]
        types = s.scalars(select(TimelineEvent.type).where(TimelineEvent.type.like("community.%")))
        assert sorted(types) == ["community.activity", "community.joined"]


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
        named = refresh_ambassadors(session=s, clock=ctx.clock, shop=merged)
        assert [a.customer_id for a in named] == [active.id]
        assert points_balance(session=s, shop_id=shop.id, customer_id=active.id) == 100
    with ctx.sessions() as s:
        [(amb, customer)] = list_ambassadors(s, shop.id)
        assert customer.external_id == "A" and amb.coupon_code
