"""Events and workshops: invite a segment, RSVP by signed link, a waitlist when full (the
first in line is promoted on a cancellation, with a message), reminders the day before,
check-in by staff, and a thank-you with a follow-up survey for those who came.

Seats are taken under a lock on the event row, so two last-second RSVPs cannot both get
the last seat. A members-only workshop costs the loyalty reward `workshop_seat`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.channels.policy import zone
from careloop.community.audience import Audience, resolve_audience
from careloop.community.links import RSVP, LinkMaker
from careloop.community.models import CommunityEvent, Rsvp
from careloop.community.outbox import SendSpec, queue_sends
from careloop.community.reasons import Refused, invalid
from careloop.core import events
from careloop.core.clock import Clock, ensure_aware
from careloop.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.shops.models import Shop

MODES = ("online", "in_shop")
LANGUAGES = ("vi", "en", "zh")
REMINDER_BEFORE = timedelta(days=1)
WORKSHOP_SEAT = "workshop_seat"
# Bounds that keep a typo (or a fuzzer) from storing a 2-billion-seat event.
MAX_CAPACITY = 100_000
MAX_DURATION_MINUTES = 7 * 24 * 60


def create_event(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    title: str,
    starts_at: datetime,
    capacity: int,
    mode: str = "in_shop",
    language: str = "vi",
    location: str = "",
    duration_minutes: int = 90,
    description: str = "",
    segments: Sequence[str] = (),
    seat_reward: bool = False,
) -> CommunityEvent:
    start = _validate(clock, title, starts_at, capacity, mode, language, duration_minutes)
    event = CommunityEvent(
        shop_id=shop.id,
        title=title.strip(),
        description=description,
        mode=mode,
        location=location,
        starts_at=start,
        ends_at=start + timedelta(minutes=duration_minutes),
        capacity=capacity,
        language=language,
        segments=list(segments),
        seat_reward=seat_reward,
        status="open",
        created_at=clock.now(),
    )
    session.add(event)
    session.flush()
    return event


def _validate(
    clock: Clock,
    title: str,
    starts_at: datetime,
    capacity: int,
    mode: str,
    language: str,
    duration_minutes: int,
) -> datetime:
    errors: list[FieldError] = []
    if not title.strip():
        errors.append(invalid("title", "event_title"))
    if not 1 <= capacity <= MAX_CAPACITY:
        errors.append(invalid("capacity", "range_got", max=MAX_CAPACITY, got=capacity))
    if mode not in MODES:
        errors.append(invalid("mode", "choice", options=", ".join(MODES), got=repr(mode)))
    if language not in LANGUAGES:
        errors.append(invalid("language", "choice_only", options=", ".join(LANGUAGES)))
    if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        errors.append(invalid("duration_minutes", "range_max", max=MAX_DURATION_MINUTES))
    start = ensure_aware(starts_at)
    if start <= clock.now():
        errors.append(invalid("starts_at", "future"))
    if errors:
        raise ValidationFailed(errors)
    return start


def update_event(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    event_id: int,
    title: str,
    starts_at: datetime,
    capacity: int,
    mode: str = "in_shop",
    language: str = "vi",
    location: str = "",
    duration_minutes: int = 90,
    description: str = "",
    segments: Sequence[str] = (),
    links: LinkMaker,
) -> CommunityEvent:
    """Change an open event that has not started. The capacity cannot drop below the seats
    already taken; raising it gives the new seats to the waitlist, in order."""
    event = get_event(session, shop.id, event_id, lock=True)
    if event.status != "open" or event.starts_at <= clock.now():
        raise Refused("event_frozen", id=event_id, status=event.status)
    start = _validate(clock, title, starts_at, capacity, mode, language, duration_minutes)
    taken = _going(session, event.id)
    if capacity < taken:
        raise ValidationFailed([invalid("capacity", "event_seats_taken", n=taken)])
    if start != event.starts_at:
        # The day-before reminder follows the new date.
        event.reminders_queued_at = None
    event.title, event.description, event.mode = title.strip(), description, mode
    event.location, event.language, event.capacity = location, language, capacity
    event.starts_at, event.ends_at = start, start + timedelta(minutes=duration_minutes)
    event.segments = list(segments)
    session.flush()
    while _promote(session, clock, shop, event, links) is not None:
        pass
    return event


def cancel_event(
    *, session: Session, clock: Clock, shop: Shop, event_id: int, links: LinkMaker
) -> int:
    """Cancel an event that has not ended: invitations and reminders not sent yet are
    dropped; everyone with a seat or on the waitlist is told (a transactional message: it
    is about their booking) and sees it on their timeline. Returns how many were told."""
    from careloop.community.outbox import drop_pending

    event = get_event(session, shop.id, event_id, lock=True)
    if event.status == "cancelled":
        return 0
    if event.ends_at <= clock.now():
        raise Refused("event_over", id=event_id)
    event.status = "cancelled"
    drop_pending(session=session, clock=clock, shop_id=shop.id, source="event", ref_id=event.id)
    booked = list(
        session.scalars(
            select(Rsvp.customer_id).where(
                Rsvp.event_id == event.id, Rsvp.status.in_(("going", "waitlist"))
            )
        )
    )
    for cid in booked:
        _timeline(session, clock, event, cid, events.EVENT_CANCELLED)
    _queue(session, clock, shop, event, links, booked, "cancelled", "transactional")
    return len(booked)


def get_event(
    session: Session, shop_id: int, event_id: int, *, lock: bool = False
) -> CommunityEvent:
    stmt = select(CommunityEvent).where(
        CommunityEvent.id == event_id, CommunityEvent.shop_id == shop_id
    )
    if lock:
        stmt = stmt.with_for_update()
    event = session.scalar(stmt)
    if event is None:
        raise NotFound("event", event_id)
    return event


def list_events(session: Session, shop_id: int) -> list[CommunityEvent]:
    return list(
        session.scalars(
            select(CommunityEvent)
            .where(CommunityEvent.shop_id == shop_id)
            .order_by(CommunityEvent.starts_at.desc())
        )
    )


def rsvp_link(links: LinkMaker, event_id: int, customer_id: int) -> str:
    return links.url(RSVP, {"e": event_id, "c": customer_id})


def _context(
    shop: Shop, event: CommunityEvent, links: LinkMaker, customer_id: int
) -> dict[str, Any]:
    local = event.starts_at.astimezone(zone(shop.timezone))
    where = event.location or ("online" if event.mode == "online" else shop.name)
    return {
        "event": {
            "title": event.title,
            "when": local.strftime("%H:%M %d/%m/%Y"),
            "where": where,
            "url": rsvp_link(links, event.id, customer_id),
        }
    }


def _queue(
    session: Session,
    clock: Clock,
    shop: Shop,
    event: CommunityEvent,
    links: LinkMaker,
    customer_ids: Sequence[int],
    step: str,
    kind: str,
) -> int:
    sends = [
        SendSpec(cid, f"event:{event.id}:{cid}:{step}", _context(shop, event, links, cid))
        for cid in customer_ids
    ]
    return queue_sends(
        session=session,
        clock=clock,
        shop_id=shop.id,
        source="event",
        ref_id=event.id,
        template_key=f"community.event_{step}",
        kind=kind,
        sends=sends,
    )


def invite(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    event_id: int,
    links: LinkMaker,
    segments: Sequence[str] | None = None,
) -> int:
    """Invite the event's (or the given) segments; each customer is invited once."""
    event = get_event(session, shop.id, event_id)
    chosen = tuple(segments or event.segments)
    if not chosen:
        raise ValidationFailed([invalid("segments", "event_no_segments")])
    ids = resolve_audience(session=session, shop_id=shop.id, audience=Audience(segments=chosen))
    event.invites_queued_at = clock.now()
    return _queue(session, clock, shop, event, links, ids, "invite", "marketing")


def _going(session: Session, event_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(Rsvp.event_id == event_id, Rsvp.status == "going")
        )
        or 0
    )


def _rsvp_of(session: Session, event_id: int, customer_id: int) -> Rsvp | None:
    return session.scalar(
        select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.customer_id == customer_id)
    )


def _timeline(
    session: Session, clock: Clock, event: CommunityEvent, customer_id: int, type_: str, n: int = 0
) -> None:
    record_event(
        session=session,
        clock=clock,
        shop_id=event.shop_id,
        customer_id=customer_id,
        type=type_,
        event_key=f"event:{event.id}:{customer_id}:{type_}:{n}",
        payload={"event_id": event.id, "title": event.title},
        summary=event.title,
    )


def rsvp(*, session: Session, clock: Clock, shop: Shop, event_id: int, customer_id: int) -> Rsvp:
    """A seat if one is free, else a place on the waitlist; asking again changes nothing."""
    event = get_event(session, shop.id, event_id, lock=True)
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop.id:
        raise NotFound("customer", customer_id)
    if event.status != "open" or clock.now() >= event.starts_at:
        raise Conflict(f"event {event_id} is no longer taking RSVPs")
    now = clock.now()
    row = _rsvp_of(session, event.id, customer_id)
    if row is not None and row.status in ("going", "waitlist"):
        return row
    used_reward = False
    if event.seat_reward:
        from careloop.loyalty.entitlements import use_entitlement

        try:
            use_entitlement(
                session=session,
                clock=clock,
                shop_id=shop.id,
                customer_id=customer_id,
                key=WORKSHOP_SEAT,
            )
        except NotFound:
            raise Conflict("this workshop is for members with a workshop seat reward") from None
        used_reward = True
    status = "going" if _going(session, event.id) < event.capacity else "waitlist"
    if row is None:
        row = Rsvp(shop_id=shop.id, event_id=event.id, customer_id=customer_id, created_at=now)
        session.add(row)
    row.status, row.updated_at, row.used_seat_reward = status, now, used_reward
    # A re-registration after a cancellation queues at the back of the waitlist.
    row.created_at = now
    session.flush()
    kind = events.EVENT_REGISTERED if status == "going" else events.EVENT_WAITLISTED
    _timeline(session, clock, event, customer_id, kind, int(now.timestamp()))
    return row


def cancel_rsvp(
    *, session: Session, clock: Clock, shop: Shop, event_id: int, customer_id: int, links: LinkMaker
) -> Rsvp | None:
    """Cancel; a freed seat goes to the first on the waitlist, who is told by message.
    Returns the promoted RSVP, if any."""
    event = get_event(session, shop.id, event_id, lock=True)
    row = _rsvp_of(session, event.id, customer_id)
    if row is None or row.status == "cancelled":
        return None
    was_going = row.status == "going"
    now = clock.now()
    row.status, row.updated_at = "cancelled", now
    _timeline(session, clock, event, customer_id, events.EVENT_RSVP_CANCELLED, int(now.timestamp()))
    session.flush()
    if not was_going or now >= event.starts_at:
        return None
    return _promote(session, clock, shop, event, links)


def _promote(
    session: Session, clock: Clock, shop: Shop, event: CommunityEvent, links: LinkMaker
) -> Rsvp | None:
    if _going(session, event.id) >= event.capacity:
        return None
    first = session.scalar(
        select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status == "waitlist")
        .order_by(Rsvp.created_at, Rsvp.id)
        .limit(1)
    )
    if first is None:
        return None
    now = clock.now()
    first.status, first.promoted_at, first.updated_at = "going", now, now
    session.flush()
    _timeline(session, clock, event, first.customer_id, events.EVENT_PROMOTED)
    _queue(session, clock, shop, event, links, [first.customer_id], "promoted", "service")
    return first


def check_in(
    *, session: Session, clock: Clock, shop: Shop, event_id: int, customer_id: int
) -> Rsvp:
    """Staff mark a customer as attended (walk-ins without an RSVP are added as going)."""
    event = get_event(session, shop.id, event_id)
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop.id:
        raise NotFound("customer", customer_id)
    now = clock.now()
    row = _rsvp_of(session, event.id, customer_id)
    if row is None:
        row = Rsvp(shop_id=shop.id, event_id=event.id, customer_id=customer_id, created_at=now)
        session.add(row)
    if row.checked_in_at is not None:
        return row
    row.status, row.checked_in_at, row.updated_at = "going", now, now
    session.flush()
    _timeline(session, clock, event, customer_id, events.EVENT_ATTENDED)
    return row


def rsvps_of(session: Session, shop_id: int, event_id: int) -> list[tuple[Rsvp, Customer]]:
    rows = session.execute(
        select(Rsvp, Customer)
        .join(Customer, Customer.id == Rsvp.customer_id)
        .where(Rsvp.shop_id == shop_id, Rsvp.event_id == event_id)
        .order_by(Rsvp.status, Rsvp.created_at, Rsvp.id)
    ).all()
    return [(r, c) for r, c in rows]


def run_due_steps(*, session: Session, clock: Clock, links: LinkMaker) -> int:
    """Clock-driven: reminders the day before to everyone going; after the event, a thank-you
    with the survey link to everyone who checked in. Each step once per event."""
    now = clock.now()
    done = 0
    reminders = session.scalars(
        select(CommunityEvent).where(
            CommunityEvent.status == "open",
            CommunityEvent.reminders_queued_at.is_(None),
            CommunityEvent.starts_at <= now + REMINDER_BEFORE,
            CommunityEvent.starts_at > now,
        )
    ).all()
    for event in reminders:
        shop = session.get(Shop, event.shop_id)
        assert shop is not None
        going = session.scalars(
            select(Rsvp.customer_id).where(Rsvp.event_id == event.id, Rsvp.status == "going")
        ).all()
        _queue(session, clock, shop, event, links, list(going), "reminder", "service")
        event.reminders_queued_at = now
        done += 1
    thanks = session.scalars(
        select(CommunityEvent).where(
            CommunityEvent.status == "open",
            CommunityEvent.thanks_queued_at.is_(None),
            CommunityEvent.ends_at <= now,
        )
    ).all()
    for event in thanks:
        shop = session.get(Shop, event.shop_id)
        assert shop is not None
        came = session.scalars(
            select(Rsvp.customer_id).where(
                Rsvp.event_id == event.id, Rsvp.checked_in_at.is_not(None)
            )
        ).all()
        _queue(session, clock, shop, event, links, list(came), "thanks", "service")
        event.thanks_queued_at = now
        done += 1
    return done
