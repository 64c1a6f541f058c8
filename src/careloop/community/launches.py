"""Early access: a product launch invites chosen segments (default Champions and Loyal) first,
with a private signed link and a window before the public date; the funnel is tracked as
invited -> opened (link visited) -> claimed -> bought (an order with the sku afterwards).

Feedback from early testers goes through feedback's `record_response` (a CSAT answer with
source "early_access" and the launch in the comment), so it lands in the same inbox as every
other survey answer and drives the same recovery and review routing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.channels.policy import zone
from careloop.community.audience import Audience, resolve_audience
from careloop.community.links import LAUNCH, LinkMaker
from careloop.community.models import Launch, LaunchInvite
from careloop.community.outbox import SendSpec, queue_sends
from careloop.community.reasons import Refused, invalid
from careloop.core import events
from careloop.core.clock import Clock, ensure_aware
from careloop.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from careloop.core.ports import Rewards, port
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.shops.models import Shop

DEFAULT_SEGMENTS = ("champions", "loyal")
OFFERS = ("percent", "free")
# A claimed early-access coupon stays valid this long after the public date.
COUPON_GRACE_DAYS = 14


def create_launch(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    sku: str,
    name: str,
    early_at: datetime,
    public_at: datetime,
    offer: str = "free",
    percent_off: int | None = None,
    segments: Sequence[str] = DEFAULT_SEGMENTS,
    description: str = "",
) -> Launch:
    early, public = _validate(sku, name, offer, percent_off, early_at, public_at, segments)
    launch = Launch(
        shop_id=shop.id,
        sku=sku.strip(),
        name=name.strip(),
        description=description,
        offer=offer,
        percent_off=percent_off if offer == "percent" else None,
        segments=list(dict.fromkeys(segments)),
        early_at=early,
        public_at=public,
        created_at=clock.now(),
    )
    session.add(launch)
    session.flush()
    return launch


def _validate(
    sku: str,
    name: str,
    offer: str,
    percent_off: int | None,
    early_at: datetime,
    public_at: datetime,
    segments: Sequence[str],
) -> tuple[datetime, datetime]:
    from careloop.segments.rfm import SEGMENTS

    errors: list[FieldError] = []
    if not sku.strip():
        errors.append(invalid("sku", "launch_sku"))
    if not name.strip():
        errors.append(invalid("name", "launch_name"))
    if offer not in OFFERS:
        errors.append(invalid("offer", "choice", options=", ".join(OFFERS), got=repr(offer)))
    if offer == "percent" and (percent_off is None or not 1 <= percent_off <= 100):
        errors.append(invalid("percent_off", "launch_percent"))
    early, public = ensure_aware(early_at), ensure_aware(public_at)
    if early >= public:
        errors.append(invalid("public_at", "launch_public_after_early"))
    bad = [s for s in segments if s not in SEGMENTS]
    if bad or not segments:
        errors.append(invalid("segments", "launch_segments", bad=bad or "none"))
    if errors:
        raise ValidationFailed(errors)
    return early, public


def update_launch(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    launch_id: int,
    sku: str,
    name: str,
    early_at: datetime,
    public_at: datetime,
    offer: str = "free",
    percent_off: int | None = None,
    segments: Sequence[str] = DEFAULT_SEGMENTS,
    description: str = "",
) -> Launch:
    """Change a launch that is not cancelled or public yet. Once the invitations went out,
    who was invited and when the window opened are history: only the name, description,
    offer and public date may still change."""
    launch = get_launch(session, shop.id, launch_id)
    now = clock.now()
    if launch.cancelled_at is not None:
        raise Refused("launch_cancelled", id=launch_id)
    if launch.public_at <= now:
        raise Refused("launch_public", id=launch_id)
    early, public = _validate(sku, name, offer, percent_off, early_at, public_at, segments)
    if launch.invites_queued_at is not None:
        frozen = []
        if sku.strip() != launch.sku:
            frozen.append(invalid("sku", "launch_sku_frozen"))
        if early != launch.early_at:
            frozen.append(invalid("early_at", "launch_early_open"))
        if list(dict.fromkeys(segments)) != list(launch.segments):
            frozen.append(invalid("segments", "launch_invited"))
        if frozen:
            raise ValidationFailed(frozen)
    launch.sku, launch.name, launch.description = sku.strip(), name.strip(), description
    launch.offer = offer
    launch.percent_off = percent_off if offer == "percent" else None
    launch.segments = list(dict.fromkeys(segments))
    launch.early_at, launch.public_at = early, public
    session.flush()
    return launch


def cancel_launch(*, session: Session, clock: Clock, shop: Shop, launch_id: int) -> Launch:
    """Stop a launch before it goes public: invitations not sent yet are dropped, and its
    private links stop offering the claim. Cancelling twice is a no-op."""
    from careloop.community.outbox import drop_pending

    launch = get_launch(session, shop.id, launch_id)
    if launch.cancelled_at is not None:
        return launch
    if launch.public_at <= clock.now():
        raise Refused("launch_public_no_cancel", id=launch_id)
    launch.cancelled_at = clock.now()
    drop_pending(session=session, clock=clock, shop_id=shop.id, source="launch", ref_id=launch.id)
    return launch


def get_launch(session: Session, shop_id: int, launch_id: int) -> Launch:
    launch = session.get(Launch, launch_id)
    if launch is None or launch.shop_id != shop_id:
        raise NotFound("launch", launch_id)
    return launch


def offer_text(launch: Launch, locale: str) -> str:
    if launch.offer == "percent":
        return f"-{launch.percent_off}%" if locale != "vi" else f"giảm {launch.percent_off}%"
    return "free, for your feedback" if locale != "vi" else "miễn phí, đổi lấy góp ý của bạn"


def invite_link(links: LinkMaker, launch_id: int, customer_id: int) -> str:
    return links.url(LAUNCH, {"l": launch_id, "c": customer_id})


def queue_invites(
    *, session: Session, clock: Clock, shop: Shop, launch: Launch, links: LinkMaker
) -> int:
    """Invite the launch's segments (once): invite rows, timeline events, outbox sends."""
    now = clock.now()
    ids = resolve_audience(
        session=session, shop_id=shop.id, audience=Audience(segments=tuple(launch.segments))
    )
    table: Any = LaunchInvite.__table__
    rows = [
        {
            "shop_id": shop.id,
            "launch_id": launch.id,
            "customer_id": cid,
            "via": "invite",
            "invited_at": now,
        }
        for cid in ids
    ]
    for start in range(0, len(rows), 1000):
        insert_ignoring_duplicates(
            session, table, rows[start : start + 1000], ["launch_id", "customer_id"]
        )
    public_date = launch.public_at.astimezone(zone(shop.timezone)).strftime("%d/%m/%Y")
    sends = []
    for cid in ids:
        record_event(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=cid,
            type=events.EARLY_ACCESS_INVITED,
            event_key=f"launch:{launch.id}:{cid}:invited",
            payload={"launch_id": launch.id, "sku": launch.sku},
            summary=launch.name,
        )
        context = {
            "launch": {
                "name": launch.name,
                "public_date": public_date,
                "offer": offer_text(launch, shop.locale),
                "url": invite_link(links, launch.id, cid),
            }
        }
        sends.append(SendSpec(cid, f"launch:{launch.id}:{cid}", context))
    queue_sends(
        session=session,
        clock=clock,
        shop_id=shop.id,
        source="launch",
        ref_id=launch.id,
        template_key="community.launch_invite",
        kind="marketing",
        sends=sends,
    )
    launch.invites_queued_at = now
    return len(ids)


def _invite(session: Session, launch: Launch, customer_id: int) -> LaunchInvite | None:
    return session.scalar(
        select(LaunchInvite).where(
            LaunchInvite.launch_id == launch.id, LaunchInvite.customer_id == customer_id
        )
    )


def record_open(
    *, session: Session, clock: Clock, shop: Shop, launch: Launch, customer_id: int
) -> None:
    """The private link was visited (the first visit counts)."""
    invite = _invite(session, launch, customer_id)
    if invite is None or invite.opened_at is not None:
        return
    invite.opened_at = clock.now()
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type=events.EARLY_ACCESS_OPENED,
        event_key=f"launch:{launch.id}:{customer_id}:opened",
        payload={"launch_id": launch.id},
        summary=launch.name,
    )


@dataclass(frozen=True)
class ClaimCheck:
    allowed: bool
    reason: str = ""


def may_claim(
    *, now: datetime, early_at: datetime, public_at: datetime, invited: bool, early_privilege: bool
) -> ClaimCheck:
    """Pure: invited customers (or holders of the early_access privilege) from early_at;
    everyone else only from the public date."""
    if now >= public_at:
        return ClaimCheck(True)
    if now < early_at:
        return ClaimCheck(False, "early access has not opened yet")
    if invited or early_privilege:
        return ClaimCheck(True)
    return ClaimCheck(
        False, "early access is by invitation; it opens to everyone on the launch date"
    )


def claim(
    *, session: Session, clock: Clock, shop: Shop, launch_id: int, customer_id: int
) -> LaunchInvite:
    """Claim the launch offer; Conflict (with the reason) when this customer may not yet."""
    launch = get_launch(session, shop.id, launch_id)
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop.id:
        raise NotFound("customer", customer_id)
    if launch.cancelled_at is not None:
        raise Conflict("this launch was cancelled")
    now = clock.now()
    invite = _invite(session, launch, customer_id)
    if invite is not None and invite.claimed_at is not None:
        return invite
    privileged = "early_access" in port(Rewards).entitlements(
        session, shop_id=shop.id, customer_id=customer_id, now=now
    )
    check = may_claim(
        now=now,
        early_at=launch.early_at,
        public_at=launch.public_at,
        invited=invite is not None and invite.via == "invite",
        early_privilege=privileged,
    )
    if not check.allowed:
        raise Conflict(check.reason)
    if invite is None:
        invite = LaunchInvite(
            shop_id=shop.id,
            launch_id=launch.id,
            customer_id=customer_id,
            via="privilege" if privileged and now < launch.public_at else "public",
        )
        session.add(invite)
    invite.claimed_at = now
    if launch.offer == "percent" and launch.percent_off:
        valid = (launch.public_at - now).days + COUPON_GRACE_DAYS
        coupon = port(Rewards).issue_coupon(
            session,
            clock,
            shop_id=shop.id,
            customer_id=customer.id,
            percent_off=launch.percent_off,
            valid_days=max(valid, 1),
            reason=f"early access: {launch.name}",
            idempotency_key=f"launch:{launch.id}:{customer_id}",
        )
        invite.coupon_code = coupon.code
    session.flush()
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type=events.EARLY_ACCESS_CLAIMED,
        event_key=f"launch:{launch.id}:{customer_id}:claimed",
        payload={"launch_id": launch.id, "sku": launch.sku, "coupon": invite.coupon_code},
        summary=launch.name,
    )
    return invite


def track_purchases(*, session: Session, clock: Clock, shop: Shop, launch: Launch) -> int:
    """Mark invited/claimed customers who since ordered the launch's sku as bought."""
    from careloop.orders.models import Order, OrderLine

    pending = list(
        session.scalars(
            select(LaunchInvite).where(
                LaunchInvite.launch_id == launch.id, LaunchInvite.bought_at.is_(None)
            )
        )
    )
    found = 0
    for invite in pending:
        since = invite.invited_at or invite.claimed_at
        if since is None:
            continue
        order = session.execute(
            select(Order.id, Order.placed_at)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(
                Order.shop_id == shop.id,
                Order.customer_id == invite.customer_id,
                OrderLine.sku == launch.sku,
                Order.placed_at >= since,
                Order.status.not_in(("cancelled", "returned")),
            )
            .order_by(Order.placed_at)
            .limit(1)
        ).first()
        if order is None:
            continue
        invite.bought_at, invite.order_id = order.placed_at, order.id
        record_event(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=invite.customer_id,
            type=events.EARLY_ACCESS_BOUGHT,
            occurred_at=order.placed_at,
            order_id=order.id,
            event_key=f"launch:{launch.id}:{invite.customer_id}:bought",
            payload={"launch_id": launch.id, "sku": launch.sku},
            summary=launch.name,
        )
        found += 1
    return found


def record_tester_feedback(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    launch_id: int,
    customer_id: int,
    score: int,
    comment: str = "",
) -> bool:
    """An early tester's rating (1-5) and comment, into the feedback inbox. True if new."""
    from careloop.feedback.service import record_response

    launch = get_launch(session, shop.id, launch_id)
    invite = _invite(session, launch, customer_id)
    if invite is None or invite.claimed_at is None:
        raise Conflict("only customers who claimed early access can leave tester feedback")
    _response, new = record_response(
        session=session,
        clock=clock,
        shop=shop,
        customer_id=customer_id,
        kind="csat",
        score=score,
        response_key=f"launch:{launch.id}:{customer_id}",
        source="early_access",
        comment=f"[{launch.name}] {comment}".strip()[:2000],
    )
    return new


@dataclass(frozen=True)
class Funnel:
    invited: int
    opened: int
    claimed: int
    bought: int


def funnel(*, session: Session, launch: Launch) -> Funnel:
    row = session.execute(
        select(
            func.count(LaunchInvite.invited_at),
            func.count(LaunchInvite.opened_at),
            func.count(LaunchInvite.claimed_at),
            func.count(LaunchInvite.bought_at),
        ).where(LaunchInvite.launch_id == launch.id)
    ).one()
    return Funnel(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def due_launches(session: Session, now: datetime) -> list[Launch]:
    return list(
        session.scalars(
            select(Launch).where(
                Launch.invites_queued_at.is_(None),
                Launch.cancelled_at.is_(None),
                Launch.early_at <= now,
            )
        )
    )


def active_launches(session: Session, now: datetime) -> list[Launch]:
    """Launches whose purchases are still worth tracking (up to 60 days after going public)."""
    return list(
        session.scalars(
            select(Launch).where(
                Launch.invites_queued_at.is_not(None),
                Launch.cancelled_at.is_(None),
                Launch.public_at >= now - timedelta(days=60),
            )
        )
    )


def list_launches(session: Session, shop_id: int) -> list[Launch]:
    return list(
        session.scalars(select(Launch).where(Launch.shop_id == shop_id).order_by(Launch.id.desc()))
    )
