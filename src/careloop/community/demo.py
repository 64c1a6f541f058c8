"""Demo data of the community: a VIP Zalo group and a Facebook tips group with members, a
value campaign sent three weeks ago, a launch in its early-access window, a past workshop
with attendance, an upcoming one that is full with a waitlist, UGC entries, and the
Diamond Members the rule picks from all that.

Built through the service functions on a virtual clock set in the past, so the timeline
reads like real history. Nothing is left in the outbox: the demo shop sends nothing on its
own when it starts."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from careloop.community import ambassadors, campaigns, groups, launches, workshops
from careloop.community.audience import Audience, resolve_audience
from careloop.community.models import CommunitySend, LaunchInvite
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.shops.models import Shop

if TYPE_CHECKING:
    from careloop.context import AppContext

VIP_MEMBERS: Final = 20
TIPS_MEMBERS: Final = 40
WORKSHOP_SEATS: Final = 12
WORKSHOP_WAITLIST: Final = 4
UGC_ENTRIES: Final = 10
FANS: Final = 4  # customers active enough to become Diamond Members
STORIES: Final = (
    "Ảnh latte art đầu tiên với phin mới #cafetainha",
    "Góc cà phê buổi sáng của mình #cafetainha",
    "Thử công thức cold brew của shop, ngon bất ngờ",
    "Minigame: đoán tên hạt cà phê",
)


def seed_demo(
    *, ctx: AppContext, session: Session, shop: Shop, rng: random.Random, now: datetime
) -> None:
    everyone = list(
        session.scalars(
            select(Customer.id)
            .where(Customer.shop_id == shop.id, Customer.erased_at.is_(None))
            .order_by(Customer.id)
        )
    )
    if len(everyone) < 20:
        return
    champions = (
        resolve_audience(
            session=session, shop_id=shop.id, audience=Audience(segments=("champions",))
        )
        or everyone[: VIP_MEMBERS * 2]
    )
    clock = VirtualClock(now - timedelta(days=120))
    fans = rng.sample(champions, min(FANS, len(champions)))
    tips = _groups(session, clock, shop, rng, champions, everyone, fans, now)
    _past_campaign(session, shop, rng, champions, now)
    _launch(session, shop, rng, champions, now)
    _past_workshop(session, shop, fans, rng.sample(everyone, 8), now)
    _upcoming_workshop(session, shop, rng.sample(everyone, WORKSHOP_SEATS), now)
    _ugc(session, shop, rng, fans, everyone, tips, now)
    ambassadors.refresh_ambassadors(session=session, clock=VirtualClock(now), shop=shop)
    # Welcome notes, promotions and the like belong to the past: no send waits in the outbox.
    session.execute(
        delete(CommunitySend).where(
            CommunitySend.shop_id == shop.id, CommunitySend.status.in_(("pending", "deferred"))
        )
    )


def _groups(
    session: Session,
    clock: VirtualClock,
    shop: Shop,
    rng: random.Random,
    champions: list[int],
    everyone: list[int],
    fans: list[int],
    now: datetime,
) -> int:
    vip = groups.create_group(
        session=session,
        clock=clock,
        shop=shop,
        platform="zalo",
        name="VIP Coffee Club",
        invite_url="https://zalo.me/g/demo-vip",
        purpose="VIP care: fast answers, first news",
        segments=["champions"],
    )
    tips = groups.create_group(
        session=session,
        clock=clock,
        shop=shop,
        platform="facebook",
        name="Pha cà phê tại nhà · Tips & Q&A",
        invite_url="https://facebook.com/groups/demo-tips",
        purpose="Tips, recipes and questions",
        segments=["loyal", "potential_loyalists"],
    )
    vip_members = set(fans) | set(rng.sample(champions, min(VIP_MEMBERS, len(champions))))
    tip_members = set(fans) | set(rng.sample(everyone, min(TIPS_MEMBERS, len(everyone))))
    for group_id, members in ((vip.id, vip_members), (tips.id, tip_members)):
        for cid in sorted(members):
            joined = now - timedelta(days=rng.uniform(10, 110))
            groups.add_member(
                session=session,
                clock=clock,
                shop=shop,
                group_id=group_id,
                customer_id=cid,
                source="demo",
                joined_at=joined,
            )
    for cid in fans:
        clock.set(now - timedelta(days=rng.uniform(2, 30)))
        groups.record_activity(
            session=session,
            clock=clock,
            shop=shop,
            group_id=tips.id,
            customer_id=cid,
            count=rng.randint(2, 6),
            note="answered a brewing question",
            source="demo",
        )
    return tips.id


def _past_campaign(
    session: Session, shop: Shop, rng: random.Random, champions: list[int], now: datetime
) -> None:
    when = now - timedelta(days=21)
    clock = VirtualClock(when - timedelta(days=1))
    campaign = campaigns.create_campaign(
        session=session,
        clock=clock,
        shop=shop,
        name="Mùa cà phê mới: 3 mẹo pha phin",
        purpose="value",
        audience={"segments": ["champions", "loyal"]},
        subject="3 mẹo pha phin ngon hơn",
        body="Làm nóng phin, ủ 30 giây, rót nước từ từ thành 3 lần.",
        created_by="demo",
    )
    campaigns.schedule_campaign(
        session=session, clock=clock, shop=shop, campaign_id=campaign.id, send_at=when
    )
    clock.set(when)
    campaigns.materialize(session=session, clock=clock, campaign=campaign)
    # The outcome as the worker would have left it: most sent, a few suppressed by consent.
    session.execute(
        update(CommunitySend)
        .where(CommunitySend.shop_id == shop.id, CommunitySend.ref_id == campaign.id)
        .where(CommunitySend.source == "campaign")
        .values(status="sent", channel="zalo", decided_at=when)
    )
    quiet = session.scalars(
        select(CommunitySend)
        .where(CommunitySend.source == "campaign", CommunitySend.ref_id == campaign.id)
        .limit(5)
    ).all()
    for row in quiet:
        row.status, row.rule, row.channel = "suppressed", "consent", None
    campaign.status, campaign.finished_at = "sent", when + timedelta(minutes=rng.randint(3, 9))


def _launch(
    session: Session, shop: Shop, rng: random.Random, champions: list[int], now: datetime
) -> None:
    """In its early window: invited two days ago, some opened and claimed, one bought."""
    clock = VirtualClock(now - timedelta(days=5))
    launch = launches.create_launch(
        session=session,
        clock=clock,
        shop=shop,
        sku="PHIN-STEEL",
        name="Phin inox thế hệ mới",
        description="Phin inox 2 lớp, giữ nhiệt tốt hơn",
        early_at=now - timedelta(days=2),
        public_at=now + timedelta(days=5),
        offer="percent",
        percent_off=20,
    )
    invited = sorted(rng.sample(champions, min(40, len(champions))))
    at = now - timedelta(days=2)
    for index, cid in enumerate(invited):
        opened = at + timedelta(hours=rng.uniform(1, 30)) if index % 2 == 0 else None
        claimed = opened + timedelta(minutes=5) if opened and index % 4 == 0 else None
        session.add(
            LaunchInvite(
                shop_id=shop.id,
                launch_id=launch.id,
                customer_id=cid,
                via="invite",
                invited_at=at,
                opened_at=opened,
                claimed_at=claimed,
                bought_at=claimed + timedelta(hours=2) if claimed and index % 8 == 0 else None,
            )
        )
    launch.invites_queued_at = at


def _past_workshop(
    session: Session,
    shop: Shop,
    fans: list[int],
    others: list[int],
    now: datetime,
) -> None:
    clock = VirtualClock(now - timedelta(days=40))
    event = workshops.create_event(
        session=session,
        clock=clock,
        shop=shop,
        title="Workshop: pha cold brew tại nhà",
        starts_at=now - timedelta(days=25),
        capacity=15,
        location="Tại cửa hàng",
        segments=["champions", "loyal"],
    )
    event.invites_queued_at = clock.now()
    people = list(dict.fromkeys([*fans, *others]))
    for cid in people:
        clock.advance(timedelta(hours=3))
        workshops.rsvp(session=session, clock=clock, shop=shop, event_id=event.id, customer_id=cid)
    clock.set(event.starts_at + timedelta(minutes=10))
    for cid in people[: len(fans) + len(others) // 2]:
        workshops.check_in(
            session=session, clock=clock, shop=shop, event_id=event.id, customer_id=cid
        )
    event.reminders_queued_at = event.thanks_queued_at = event.ends_at


def _upcoming_workshop(session: Session, shop: Shop, people: list[int], now: datetime) -> None:
    """Full, with a waitlist: the first RSVPs took the seats."""
    clock = VirtualClock(now - timedelta(days=4))
    event = workshops.create_event(
        session=session,
        clock=clock,
        shop=shop,
        title="Workshop: latte art cho người mới",
        starts_at=now + timedelta(days=6, hours=2),
        capacity=WORKSHOP_SEATS - WORKSHOP_WAITLIST,
        location="Tại cửa hàng",
        language="vi",
        segments=["champions", "loyal"],
    )
    event.invites_queued_at = clock.now()
    for cid in people:
        clock.advance(timedelta(hours=2))
        workshops.rsvp(session=session, clock=clock, shop=shop, event_id=event.id, customer_id=cid)


def _ugc(
    session: Session,
    shop: Shop,
    rng: random.Random,
    fans: list[int],
    everyone: list[int],
    tips_group: int,
    now: datetime,
) -> None:
    authors = [*fans, *fans, *rng.sample(everyone, UGC_ENTRIES - 2 * len(fans))]
    for index, cid in enumerate(authors):
        clock = VirtualClock(now - timedelta(days=rng.uniform(1, 60)))
        story = STORIES[index % len(STORIES)]
        ambassadors.record_ugc(
            session=session,
            clock=clock,
            shop=shop,
            customer_id=cid,
            kind="minigame" if story.startswith("Minigame") else "ugc",
            entry_key=f"https://facebook.com/groups/demo-tips/posts/{tips_group}{index:03d}",
            url=f"https://facebook.com/groups/demo-tips/posts/{tips_group}{index:03d}",
            note=story,
            source="demo",
        )
