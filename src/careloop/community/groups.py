"""Community groups (Zalo, Facebook, WeChat): who is a member (marked by staff or imported
from CSV), invitations sent to the right segment (the VIP Zalo group for Champions), and
activity in a group as a signal on the customer's timeline (`community.joined`,
`community.activity`) that segments and journeys can read.

Memberships are also imported from CSV: `careloop import community FILE` (community.imports).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.community.audience import Audience, resolve_audience
from careloop.community.models import CommunityGroup, GroupMember
from careloop.community.outbox import SendSpec, queue_sends
from careloop.community.reasons import invalid
from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.errors import NotFound, ValidationFailed
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.shops.models import Shop

PLATFORMS = ("zalo", "facebook", "wechat")


def create_group(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    platform: str,
    name: str,
    invite_url: str = "",
    purpose: str = "",
    segments: Sequence[str] = (),
) -> CommunityGroup:
    """A group, or the existing one with that platform and name (updated)."""
    errors = []
    if platform not in PLATFORMS:
        errors.append(
            invalid("platform", "choice", options=", ".join(PLATFORMS), got=repr(platform))
        )
    if not name.strip():
        errors.append(invalid("name", "group_name"))
    if invite_url and not invite_url.startswith(("https://", "http://")):
        errors.append(invalid("invite_url", "http_link"))
    if errors:
        raise ValidationFailed(errors)
    group = session.scalar(
        select(CommunityGroup).where(
            CommunityGroup.shop_id == shop.id,
            CommunityGroup.platform == platform,
            CommunityGroup.name == name.strip(),
        )
    )
    if group is None:
        group = CommunityGroup(
            shop_id=shop.id, platform=platform, name=name.strip(), created_at=clock.now()
        )
        session.add(group)
    if invite_url:
        group.invite_url = invite_url
    if purpose:
        group.purpose = purpose
    if segments:
        group.segments = list(segments)
    session.flush()
    return group


def get_group(session: Session, shop_id: int, group_id: int) -> CommunityGroup:
    group = session.get(CommunityGroup, group_id)
    if group is None or group.shop_id != shop_id:
        raise NotFound("group", group_id)
    return group


def list_groups(session: Session, shop_id: int) -> list[tuple[CommunityGroup, int]]:
    """Each group with its member count."""
    from sqlalchemy import func

    rows = session.execute(
        select(CommunityGroup, func.count(GroupMember.id))
        .outerjoin(GroupMember, GroupMember.group_id == CommunityGroup.id)
        .where(CommunityGroup.shop_id == shop_id)
        .group_by(CommunityGroup.id)
        .order_by(CommunityGroup.platform, CommunityGroup.name)
    ).all()
    return [(g, int(n)) for g, n in rows]


def add_member(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    group_id: int,
    customer_id: int,
    source: str = "staff",
    joined_at: datetime | None = None,
) -> GroupMember:
    group = get_group(session, shop.id, group_id)
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop.id or customer.erased_at is not None:
        raise NotFound("customer", customer_id)
    member = session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.customer_id == customer_id
        )
    )
    if member is not None:
        return member
    when = joined_at or clock.now()
    member = GroupMember(
        shop_id=shop.id,
        group_id=group.id,
        customer_id=customer_id,
        joined_at=when,
        source=source,
        activity_count=0,
    )
    session.add(member)
    session.flush()
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type=events.COMMUNITY_JOINED,
        occurred_at=when,
        source=source,
        # The join time is in the key: leaving and joining again is a second entry, while a
        # retried add (already a member, returned above) records nothing.
        event_key=f"group:{group.id}:{customer_id}:joined:{when.isoformat()}",
        payload={"group_id": group.id, "platform": group.platform, "group": group.name},
        summary=f"{group.platform}: {group.name}",
    )
    return member


def remove_member(
    *, session: Session, clock: Clock, shop: Shop, group_id: int, customer_id: int
) -> bool:
    """The customer left the group (or was marked by mistake); False if not a member."""
    group = get_group(session, shop.id, group_id)
    member = session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.customer_id == customer_id
        )
    )
    if member is None:
        return False
    session.delete(member)
    session.flush()
    now = clock.now()
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type=events.COMMUNITY_LEFT,
        event_key=f"group:{group.id}:{customer_id}:left:{int(now.timestamp())}",
        payload={"group_id": group.id, "platform": group.platform, "group": group.name},
        summary=f"{group.platform}: {group.name}",
    )
    return True


def record_activity(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    group_id: int,
    customer_id: int,
    note: str = "",
    count: int = 1,
    source: str = "staff",
) -> GroupMember:
    """A post, answer or photo in the group: counted, and on the timeline as a signal."""
    member = add_member(
        session=session,
        clock=clock,
        shop=shop,
        group_id=group_id,
        customer_id=customer_id,
        source=source,
    )
    now = clock.now()
    member.activity_count += count
    member.last_active_at = now
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type=events.COMMUNITY_ACTIVITY,
        source=source,
        payload={"group_id": group_id, "count": count, "note": note[:200]},
        summary=note[:200],
    )
    return member


def invite_to_group(*, session: Session, clock: Clock, shop: Shop, group_id: int) -> int:
    """Send the group's invite link to its segments' customers who are not members yet."""
    group = get_group(session, shop.id, group_id)
    if not group.segments:
        raise ValidationFailed([invalid("segments", "group_no_segments")])
    if not group.invite_url:
        raise ValidationFailed([invalid("invite_url", "group_no_invite_link")])
    ids = resolve_audience(
        session=session, shop_id=shop.id, audience=Audience(segments=tuple(group.segments))
    )
    members = set(
        session.scalars(select(GroupMember.customer_id).where(GroupMember.group_id == group.id))
    )
    context = {
        "group": {
            "name": group.name,
            "platform": group.platform.capitalize(),
            "purpose": group.purpose,
            "url": group.invite_url,
        }
    }
    sends = [SendSpec(cid, f"group:{group.id}:{cid}", context) for cid in ids if cid not in members]
    return queue_sends(
        session=session,
        clock=clock,
        shop_id=shop.id,
        source="group",
        ref_id=group.id,
        template_key="community.group_invite",
        kind="marketing",
        sends=sends,
    )


def groups_of(
    session: Session, shop_id: int, customer_id: int
) -> list[tuple[CommunityGroup, GroupMember]]:
    rows = session.execute(
        select(CommunityGroup, GroupMember)
        .join(GroupMember, GroupMember.group_id == CommunityGroup.id)
        .where(GroupMember.shop_id == shop_id, GroupMember.customer_id == customer_id)
    ).all()
    return [(g, m) for g, m in rows]


# The group page lists this many members, newest first; the count shows the rest exist.
MEMBER_PAGE = 100


def members_of(
    session: Session, shop_id: int, group_id: int, limit: int = MEMBER_PAGE
) -> list[tuple[GroupMember, Customer]]:
    """The group's members with their customers, who joined last first."""
    rows = session.execute(
        select(GroupMember, Customer)
        .join(Customer, Customer.id == GroupMember.customer_id)
        .where(
            GroupMember.shop_id == shop_id,
            GroupMember.group_id == group_id,
            Customer.shop_id == shop_id,
        )
        .order_by(GroupMember.joined_at.desc(), GroupMember.id.desc())
        .limit(limit)
    ).all()
    return [(m, c) for m, c in rows]


def member_ids(
    session: Session, shop_id: int, group_id: int, customer_ids: Sequence[int]
) -> set[int]:
    """Which of `customer_ids` are in the group."""
    if not customer_ids:
        return set()
    return set(
        session.scalars(
            select(GroupMember.customer_id).where(
                GroupMember.shop_id == shop_id,
                GroupMember.group_id == group_id,
                GroupMember.customer_id.in_(list(customer_ids)),
            )
        )
    )


def member_count(session: Session, shop_id: int, group_id: int) -> int:
    from sqlalchemy import func

    count = session.scalar(
        select(func.count(GroupMember.id)).where(
            GroupMember.shop_id == shop_id, GroupMember.group_id == group_id
        )
    )
    return int(count or 0)
