from __future__ import annotations

from sqlalchemy import func, select

from careloop.community.ambassadors import list_ambassadors
from careloop.community.campaigns import list_campaigns
from careloop.community.groups import list_groups
from careloop.community.launches import funnel, list_launches
from careloop.community.models import CommunitySend, UgcEntry
from careloop.community.workshops import list_events, rsvps_of
from careloop.context import AppContext
from careloop.demo import extensions
from careloop.demo.service import load_demo
from careloop.shops.models import Shop


def test_the_demo_shop_has_groups_a_campaign_a_launch_workshops_ugc_and_ambassadors(
    ctx: AppContext, monkeypatch: object
) -> None:
    setattr_ = monkeypatch.setattr  # type: ignore[attr-defined]
    setattr_(extensions, "DEMO_MODULES", ["careloop.community.demo"])
    summary = load_demo(ctx, customers=150, seed=5)
    assert all(r.ok for r in summary.extensions), summary.extensions
    with ctx.sessions() as s:
        shop = s.scalars(select(Shop).where(Shop.slug == "demo")).one()
        assert [n > 0 for _, n in list_groups(s, shop.id)] == [True, True]
        [campaign] = list_campaigns(s, shop.id)
        assert campaign.status == "sent"
        [launch] = list_launches(s, shop.id)
        assert launch.early_at < ctx.clock.now() < launch.public_at
        assert funnel(session=s, launch=launch).claimed > 0
        past, upcoming = sorted(list_events(s, shop.id), key=lambda e: e.starts_at)
        statuses = [r.status for r, _ in rsvps_of(s, shop.id, upcoming.id)]
        assert statuses.count("going") == upcoming.capacity and "waitlist" in statuses
        assert any(r.checked_in_at for r, _ in rsvps_of(s, shop.id, past.id))
        assert s.scalar(select(func.count()).select_from(UgcEntry)) == 10
        assert len(list_ambassadors(s, shop.id)) >= 1
        pending = select(func.count()).where(CommunitySend.status.in_(("pending", "deferred")))
        assert s.scalar(pending) == 0
