"""Ambassadors ("Diamond Members") and recognition: a rule scores each customer's community
contribution (converted referrals, reviews, events attended, UGC, group activity) and names
the most active as ambassadors, with a personal shareable code and the early-access
privilege; UGC and minigame entries earn the points the shop configured.

Settings (`shops.settings["community"]`, all optional): ambassador_min_score (10),
ambassador_top (20), ambassador_percent_off (15, the seeds' referral discount),
ugc_points (50), minigame_points (30).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.community.models import Ambassador, UgcEntry
from careloop.community.outbox import SendSpec, queue_sends
from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from careloop.core.ports import Rewards, port
from careloop.customers.models import Customer, TimelineEvent
from careloop.customers.timeline import record_event
from careloop.shops.models import Shop

# Points per contribution: a converted referral brings a customer; a review and an
# attended event show commitment; UGC spreads the word; group activity keeps it alive.
WEIGHTS: Mapping[str, int] = {
    events.REFERRAL_CONVERTED: 5,
    events.REVIEW_POSTED: 3,
    events.EVENT_ATTENDED: 3,
    events.UGC_RECORDED: 3,
    events.COMMUNITY_ACTIVITY: 1,
}
LOOKBACK = timedelta(days=365)
UGC_KINDS = ("ugc", "minigame")
DEFAULTS: Mapping[str, int] = {
    "ambassador_min_score": 10,
    "ambassador_top": 20,
    "ambassador_percent_off": 15,
    "ugc_points": 50,
    "minigame_points": 30,
}


def setting(shop: Shop, key: str) -> int:
    raw = (shop.settings or {}).get("community", {}).get(key, DEFAULTS[key])
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed(
            [FieldError(f"settings.community.{key}", "must be a whole number")]
        ) from None


def score(counts: Mapping[str, int]) -> int:
    """Pure: the contribution score of one customer's event counts."""
    return sum(WEIGHTS.get(kind, 0) * n for kind, n in counts.items())


@dataclass(frozen=True)
class Candidate:
    customer_id: int
    score: int
    counts: dict[str, int]


def choose(counts: Mapping[int, Mapping[str, int]], *, min_score: int, top: int) -> list[Candidate]:
    """Pure: the `top` highest scores that reach `min_score`, best first (ties: lower id)."""
    scored = [Candidate(cid, score(c), dict(c)) for cid, c in counts.items()]
    eligible = [c for c in scored if c.score >= min_score]
    return sorted(eligible, key=lambda c: (-c.score, c.customer_id))[:top]


def contribution_counts(session: Session, shop_id: int, since: Any) -> dict[int, Counter[str]]:
    rows = session.execute(
        select(TimelineEvent.customer_id, TimelineEvent.type, func.count())
        .where(
            TimelineEvent.shop_id == shop_id,
            TimelineEvent.type.in_(tuple(WEIGHTS)),
            TimelineEvent.occurred_at >= since,
            TimelineEvent.customer_id.is_not(None),
        )
        .group_by(TimelineEvent.customer_id, TimelineEvent.type)
    ).all()
    out: dict[int, Counter[str]] = defaultdict(Counter)
    for cid, type_, n in rows:
        if cid is not None:
            out[int(cid)][str(type_)] += int(n)
    return out


@dataclass(frozen=True)
class Refresh:
    """What one pass of the rule changed."""

    named: list[Ambassador]
    removed: list[Ambassador]


# Named by the owner by hand: the rule never removes them (their breakdown keeps this key).
MANUAL = "manual"


def refresh_ambassadors(*, session: Session, clock: Clock, shop: Shop) -> Refresh:
    """Apply the rule: name the top contributors who reach the minimum score, bring every
    ambassador's score up to date, and remove those (not named by hand) who fell below the
    minimum. Someone who only slipped out of the top N stays: no monthly coming and going."""
    now = clock.now()
    min_score = setting(shop, "ambassador_min_score")
    counts = contribution_counts(session, shop.id, now - LOOKBACK)
    picked = choose(counts, min_score=min_score, top=setting(shop, "ambassador_top"))
    existing = {
        a.customer_id: a
        for a in session.scalars(select(Ambassador).where(Ambassador.shop_id == shop.id))
    }
    removed = []
    for cid, amb in existing.items():
        manual = amb.breakdown.get(MANUAL, 0)
        amb.score = score(counts.get(cid, {}))
        amb.breakdown = {**counts.get(cid, {}), **({MANUAL: 1} if manual else {})}
        amb.updated_at = now
        if amb.status == "active" and not manual and amb.score < min_score:
            _remove(session, clock, shop, amb)
            removed.append(amb)
    named = []
    for cand in picked:
        found = existing.get(cand.customer_id)
        if found is not None and found.status == "active":
            continue
        named.append(
            name_ambassador(
                session=session,
                clock=clock,
                shop=shop,
                customer_id=cand.customer_id,
                score_now=cand.score,
                breakdown=cand.counts,
            )
        )
    return Refresh(named, removed)


def _remove(session: Session, clock: Clock, shop: Shop, amb: Ambassador) -> None:
    """No longer a Diamond Member: the shareable code stops working; on the timeline."""
    from careloop.loyalty.coupons import revoke_coupon
    from careloop.loyalty.entitlements import end_entitlements

    now = clock.now()
    amb.status, amb.updated_at = "former", now
    if amb.coupon_code:
        revoke_coupon(session=session, clock=clock, shop=shop, code=amb.coupon_code)
    # Early access was the ambassador's privilege, not the customer's: it ends with the role.
    end_entitlements(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=amb.customer_id,
        source="ambassador",
    )
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=amb.customer_id,
        type=events.AMBASSADOR_REMOVED,
        event_key=f"ambassador:{amb.customer_id}:removed:{int(now.timestamp())}",
        payload={"score": amb.score, "code": amb.coupon_code},
        summary=f"score {amb.score}",
    )


def name_ambassador(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer_id: int,
    score_now: int = 0,
    breakdown: Mapping[str, int] | None = None,
    by_hand: bool = False,
) -> Ambassador:
    """Make a customer a Diamond Member (by the rule, or by hand from the owner's list:
    then the rule never removes them); idempotent while they are one."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop.id:
        raise NotFound("customer", customer_id)
    found = session.scalar(
        select(Ambassador).where(
            Ambassador.shop_id == shop.id, Ambassador.customer_id == customer_id
        )
    )
    if found is not None and found.status == "active":
        return found
    now = clock.now()
    # A former ambassador named again gets a fresh code (the old one was revoked).
    generation = "" if found is None else f":{int(now.timestamp())}"
    percent = setting(shop, "ambassador_percent_off")
    code = _grant_privileges(session, clock, shop, customer, percent, generation)
    amb = found or Ambassador(shop_id=shop.id, customer_id=customer_id, named_at=now)
    amb.status, amb.score, amb.coupon_code = "active", score_now, code
    amb.breakdown = {**(breakdown or {}), **({MANUAL: 1} if by_hand else {})}
    amb.named_at = amb.named_at or now
    amb.updated_at = now
    if found is None:
        session.add(amb)
    session.flush()
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type=events.AMBASSADOR_NAMED,
        event_key=f"ambassador:{customer_id}:named{generation}",
        payload={"code": code, "score": score_now},
        summary=f"Diamond Member · {code}",
    )
    queue_sends(
        session=session,
        clock=clock,
        shop_id=shop.id,
        source="ambassador",
        ref_id=amb.id,
        template_key="community.ambassador_welcome",
        kind="service",
        sends=[
            SendSpec(
                customer_id,
                f"ambassador:{customer_id}:welcome{generation}",
                {"ambassador": {"code": code, "percent": percent}},
            )
        ],
    )
    return amb


def _grant_privileges(
    session: Session, clock: Clock, shop: Shop, customer: Customer, percent: int, generation: str
) -> str:
    """The shareable code and the early-access privilege; returns the code."""
    from careloop.loyalty.entitlements import grant_entitlement

    # Shareable and multi-use: the ambassador gives it to friends and family.
    coupon = port(Rewards).issue_coupon(
        session,
        clock,
        shop_id=shop.id,
        customer_id=None,
        percent_off=percent,
        valid_days=365,
        max_uses=None,
        reason=f"ambassador code of {customer.external_id}",
        idempotency_key=f"ambassador:{customer.id}{generation}",
        source="community",
    )
    grant_entitlement(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer.id,
        key="early_access",
        source="ambassador",
        idempotency_key=f"ambassador:{customer.id}:early_access{generation}",
    )
    return coupon.code


def list_ambassadors(session: Session, shop_id: int) -> list[tuple[Ambassador, Customer]]:
    rows = session.execute(
        select(Ambassador, Customer)
        .join(Customer, Customer.id == Ambassador.customer_id)
        .where(Ambassador.shop_id == shop_id, Ambassador.status == "active")
        .order_by(Ambassador.score.desc(), Ambassador.id)
    ).all()
    return [(a, c) for a, c in rows]


def ambassador_of(session: Session, shop_id: int, customer_id: int) -> Ambassador | None:
    return session.scalar(
        select(Ambassador).where(
            Ambassador.shop_id == shop_id, Ambassador.customer_id == customer_id
        )
    )


def record_ugc(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer_id: int,
    kind: str,
    entry_key: str,
    url: str = "",
    note: str = "",
    source: str = "staff",
) -> tuple[UgcEntry, bool]:
    """A photo/story (ugc) or a minigame entry; earns the configured points once per
    `entry_key` (e.g. the post's URL). Returns (entry, whether it is new)."""
    errors = []
    if kind not in UGC_KINDS:
        errors.append(FieldError("kind", f"use one of {', '.join(UGC_KINDS)} (got {kind!r})"))
    if not entry_key.strip():
        errors.append(FieldError("entry_key", "needs a key (the post's link or id)"))
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop.id:
        errors.append(FieldError("customer_id", f"unknown customer {customer_id}"))
    if errors:
        raise ValidationFailed(errors)
    assert customer is not None
    points = setting(shop, "ugc_points" if kind == "ugc" else "minigame_points")
    entry = UgcEntry(
        shop_id=shop.id,
        customer_id=customer_id,
        entry_key=entry_key.strip()[:200],
        kind=kind,
        url=url[:500],
        note=note,
        points=points,
        source=source,
        recorded_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        same = session.scalar(
            select(UgcEntry).where(
                UgcEntry.shop_id == shop.id, UgcEntry.entry_key == entry.entry_key
            )
        )
        assert same is not None
        if same.customer_id != customer_id:
            # Crediting one post to two customers would pay its points twice.
            raise Conflict(
                f"entry_key {entry.entry_key!r} is already recorded for another customer"
            ) from None
        return same, False
    if points > 0:
        port(Rewards).add_points(
            session,
            clock,
            shop_id=shop.id,
            customer_id=customer.id,
            points=points,
            reason=f"{kind}: {note or url or entry_key}"[:200],
            idempotency_key=f"ugc:{entry.id}",
        )
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type=events.UGC_RECORDED,
        source=source,
        event_key=f"ugc:{entry.id}",
        payload={"kind": kind, "url": url[:500], "points": points},
        summary=note[:200] or url[:200],
    )
    return entry, True
