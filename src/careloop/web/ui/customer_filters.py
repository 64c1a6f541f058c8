"""The customers list's filters: RFM segment or grid cell, loyalty tier, tag, consent.

Each filter narrows the same shop-scoped search; unknown values are ignored, not errors,
because they come from links and bookmarks."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Select, String, exists, func, select
from sqlalchemy.orm import Session

from careloop.customers.models import CHANNELS, CONSENT_STATES, Consent, Customer
from careloop.customers.search import COUNT_CAP, CustomerPage, live_customers, match_query, page_of
from careloop.loyalty.models import LoyaltyMember
from careloop.segments.models import CustomerSegment
from careloop.segments.rfm import SEGMENTS
from careloop.shops.models import Shop

MAX_TAG_CHARS = 64
SCORES = ("1", "2", "3", "4", "5")


@dataclass(frozen=True)
class CustomerFilters:
    segment: str = ""
    r: str = ""
    f: str = ""
    tier: str = ""
    tag: str = ""
    consent: str = ""  # "channel:state", e.g. "zalo:granted"

    @classmethod
    def parse(
        cls, segment: str, r: str, f: str, tier: str, tag: str, consent: str
    ) -> CustomerFilters:
        channel, _, state = consent.partition(":")
        return cls(
            segment=segment if segment in SEGMENTS else "",
            r=r if r in SCORES else "",
            f=f if f in SCORES else "",
            tier=tier.strip()[:16],
            tag=tag.strip()[:MAX_TAG_CHARS],
            consent=consent if channel in CHANNELS and state in CONSENT_STATES else "",
        )

    def active(self) -> bool:
        return any((self.segment, self.r, self.f, self.tier, self.tag, self.consent))

    def params(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def _tag_pattern(tag: str, dialect: str) -> str:
    """How `tag` appears inside the tags column's text: SQLite keeps json.dumps's \\u escapes,
    PostgreSQL's jsonb prints the characters themselves."""
    if dialect == "sqlite":
        return json.dumps(tag.lower())
    return '"' + tag.lower().replace("\\", "\\\\").replace('"', '\\"') + '"'


def _narrow(
    stmt: Select[Customer], shop_id: int, filters: CustomerFilters, dialect: str
) -> Select[Customer]:
    # IN (the matching members) rather than EXISTS per customer: the database starts from
    # the few members a segment or tier index finds, not from every customer of the shop.
    if filters.segment or filters.r or filters.f:
        seg = select(CustomerSegment.customer_id).where(CustomerSegment.shop_id == shop_id)
        if filters.segment:
            seg = seg.where(CustomerSegment.segment == filters.segment)
        if filters.r:
            seg = seg.where(CustomerSegment.r_score == int(filters.r))
        if filters.f:
            seg = seg.where(CustomerSegment.f_score == int(filters.f))
        stmt = stmt.where(Customer.id.in_(seg))
    if filters.tier:
        member = select(LoyaltyMember.customer_id).where(
            LoyaltyMember.shop_id == shop_id, LoyaltyMember.tier == filters.tier
        )
        stmt = stmt.where(Customer.id.in_(member))
    if filters.tag:
        # Tags are a JSON list; its text holds each tag quoted.
        pattern = _tag_pattern(filters.tag, dialect)
        stmt = stmt.where(func.lower(Customer.tags.cast(String)).contains(pattern, autoescape=True))
    if filters.consent:
        channel, _, state = filters.consent.partition(":")
        given = select(Consent.id).where(
            Consent.customer_id == Customer.id,
            Consent.shop_id == Customer.shop_id,
            Consent.channel == channel,
        )
        if state == "unknown":
            stmt = stmt.where(~exists(given.where(Consent.state != "unknown")))
        else:
            stmt = stmt.where(exists(given.where(Consent.state == state)))
    return stmt


def filter_customers(
    session: Session,
    shop: Shop,
    query: str,
    filters: CustomerFilters,
    *,
    limit: int = 50,
    offset: int = 0,
) -> CustomerPage:
    """Like `search_customers`, narrowed by `filters`, newest first. The shop's whole list
    is counted exactly (one index count); a search or filter up to COUNT_CAP."""
    stmt, order = match_query(session, live_customers(shop.id), shop.id, query)
    stmt = _narrow(stmt, shop.id, filters, session.get_bind().dialect.name)
    exact = not query.strip() and not filters.active()
    return page_of(
        session, stmt, order, limit=limit, offset=offset, count_cap=None if exact else COUNT_CAP
    )


def tiers_in_use(session: Session, shop: Shop) -> list[str]:
    return sorted(
        t
        for t in session.scalars(
            select(LoyaltyMember.tier)
            .where(LoyaltyMember.shop_id == shop.id, LoyaltyMember.tier.is_not(None))
            .distinct()
        )
        if t
    )
