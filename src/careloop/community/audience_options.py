"""What the audience picker offers: the shop's segments, tiers, tags, products and groups,
each with how many customers it holds now, so staff pick by name instead of typing keys."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.community.audience import NOT_SALES
from careloop.community.models import CommunityGroup, GroupMember
from careloop.customers.models import Customer

MAX_TAGS: Final = 40
MAX_PRODUCTS: Final = 60


@dataclass(frozen=True)
class Choice:
    """One thing to tick: the value the audience stores, what staff read, how many it holds."""

    value: str
    label: str
    count: int


@dataclass(frozen=True)
class AudienceOptions:
    segments: list[Choice]
    tiers: list[Choice]
    tags: list[Choice]
    products: list[Choice]
    groups: list[Choice]


def segment_choices(session: Session, shop_id: int, label: object) -> list[Choice]:
    """The RFM segments with how many live customers each holds, named by `label(key)`."""
    from careloop.segments.models import CustomerSegment
    from careloop.segments.rfm import SEGMENTS

    name = label if callable(label) else str
    seg_counts = dict(
        session.execute(
            select(CustomerSegment.segment, func.count())
            .join(Customer, Customer.id == CustomerSegment.customer_id)
            .where(CustomerSegment.shop_id == shop_id, Customer.erased_at.is_(None))
            .group_by(CustomerSegment.segment)
        ).all()
    )
    return [
        Choice(key, str(name(f"segment.{key}.label")), int(seg_counts.get(key, 0)))
        for key in SEGMENTS
    ]


def audience_options(
    session: Session, shop_id: int, label: object, tier_names: dict[str, str] | None = None
) -> AudienceOptions:
    """Every choice with its count; `label(key)` gives a segment's display name, `tier_names`
    the shop's tier names in the reader's language (the shipped tiers' catalogue names when
    not given)."""
    from careloop.loyalty.config import TIERS
    from careloop.loyalty.models import LoyaltyMember
    from careloop.orders.models import Order, OrderLine

    name = label if callable(label) else str
    live = Customer.erased_at.is_(None)
    tier_counts = dict(
        session.execute(
            select(LoyaltyMember.tier, func.count())
            .where(LoyaltyMember.shop_id == shop_id, LoyaltyMember.tier.is_not(None))
            .group_by(LoyaltyMember.tier)
        ).all()
    )
    tags: Counter[str] = Counter()
    for (row_tags,) in session.execute(
        select(Customer.tags).where(Customer.shop_id == shop_id, live)
    ):
        tags.update({t.strip() for t in row_tags or [] if t and t.strip()})
    buyers = func.count(func.distinct(Order.customer_id))
    products = session.execute(
        select(OrderLine.sku, func.max(OrderLine.product_name), buyers)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.shop_id == shop_id,
            Order.status.not_in(NOT_SALES),
            OrderLine.sku.is_not(None),
        )
        .group_by(OrderLine.sku)
        .order_by(buyers.desc(), OrderLine.sku)
        .limit(MAX_PRODUCTS)
    ).all()
    groups = session.execute(
        select(
            CommunityGroup.id,
            CommunityGroup.name,
            CommunityGroup.platform,
            func.count(GroupMember.id),
        )
        .outerjoin(GroupMember, GroupMember.group_id == CommunityGroup.id)
        .where(CommunityGroup.shop_id == shop_id)
        .group_by(CommunityGroup.id, CommunityGroup.name, CommunityGroup.platform)
        .order_by(CommunityGroup.name)
    ).all()
    return AudienceOptions(
        segments=segment_choices(session, shop_id, label),
        tiers=[
            Choice(
                t,
                tier_names[t] if tier_names else str(name(f"tier.{t}")),
                int(tier_counts.get(t, 0)),
            )
            for t in (tier_names or TIERS)
        ],
        tags=[Choice(t, t, n) for t, n in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))][
            :MAX_TAGS
        ],
        products=[
            Choice(str(sku), f"{pname or sku} ({sku})", int(n)) for sku, pname, n in products
        ],
        groups=[
            Choice(str(gid), f"{gname} · {platform}", int(n)) for gid, gname, platform, n in groups
        ],
    )
