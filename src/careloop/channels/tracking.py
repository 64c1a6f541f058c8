"""What customers and providers tell us back: opens, clicks, delivery reports, bounces,
complaints, unsubscribes, STOP replies and preference-centre choices."""

from __future__ import annotations

import ipaddress
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels.log import record_status
from careloop.channels.models import ContactPreference, Message, Suppression
from careloop.channels.policy import CUSTOMER_FREQUENCIES
from careloop.core.clock import Clock
from careloop.core.events import MESSAGE_REPLIED
from careloop.core.ports import SupportDesk, port
from careloop.customers.models import Customer
from careloop.customers.service import set_consent
from careloop.customers.timeline import record_event
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.shops.models import Shop

# Apple Mail Privacy Protection fetches every image from Apple's network (17.0.0.0/8) with
# a bare "Mozilla/5.0" agent; other proxies name themselves. An open this soon after the
# send is a prefetch, not a person.
PROXY_NETWORKS = (ipaddress.ip_network("17.0.0.0/8"),)
PROXY_AGENTS = ("googleimageproxy", "yahoomailproxy", "apple-mail-privacy", "outlook-ios-proxy")
MACHINE_OPEN_WINDOW_SECONDS = 10
# "TC" (từ chối): the refusal keyword marketing SMS name (channels/finishing.py, Decree 91).
STOP_WORDS = frozenset({"STOP", "HUY", "DUNG", "UNSUBSCRIBE", "TUCHOI", "TC"})
# The choices are the contact policy's own, so the page never offers one it cannot honour.
FREQUENCIES = tuple(CUSTOMER_FREQUENCIES)


def is_machine_open(
    *, user_agent: str, ip: str | None, sent_at: datetime | None, now: datetime
) -> bool:
    agent = user_agent.strip().lower()
    if agent in ("", "mozilla/5.0") or any(p in agent for p in PROXY_AGENTS):
        return True
    if ip:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            address = None
        if address is not None and any(address in net for net in PROXY_NETWORKS):
            return True
    return sent_at is not None and now - sent_at < timedelta(seconds=MACHINE_OPEN_WINDOW_SECONDS)


def record_open(
    *, session: Session, clock: Clock, message: Message, user_agent: str, ip: str | None
) -> None:
    now = clock.now()
    machine = is_machine_open(user_agent=user_agent, ip=ip, sent_at=message.sent_at, now=now)
    if machine:
        record_status(
            session=session,
            clock=clock,
            message=message,
            status="opened",
            machine=True,
            event_key=f"message:{message.id}:opened:machine",
        )
        return
    record_status(
        session=session,
        clock=clock,
        message=message,
        status="opened",
        event_key=f"message:{message.id}:opened",
    )


def record_click(*, session: Session, clock: Clock, message: Message, url: str) -> None:
    # A click proves a person read it, even if the only "open" came from a proxy.
    if message.opened_at is None:
        record_status(
            session=session,
            clock=clock,
            message=message,
            status="opened",
            reason="implied by click",
            event_key=f"message:{message.id}:opened",
        )
    record_status(
        session=session,
        clock=clock,
        message=message,
        status="clicked",
        detail={"url": url},
        event_key=f"message:{message.id}:clicked",
    )


def apply_delivery_report(
    *, session: Session, clock: Clock, message: Message, status: str, reason: str | None = None
) -> None:
    """A provider's callback: delivered, failed (after send) or read."""
    if status not in ("sent", "delivered", "failed", "opened"):
        return
    record_status(
        session=session,
        clock=clock,
        message=message,
        status=status,
        reason=reason,
        event_key=f"message:{message.id}:{status}:report:{message.chain_index}",
    )


def suppress_address(
    *, session: Session, clock: Clock, shop_id: int, channel: str, address: str, reason: str
) -> None:
    insert_ignoring_duplicates(
        session,
        Suppression.__table__,  # type: ignore[arg-type]
        [
            {
                "shop_id": shop_id,
                "channel": channel,
                "address": address,
                "reason": reason[:64],
                "created_at": clock.now(),
            }
        ],
        ["shop_id", "channel", "address"],
    )


def handle_bounce(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    email: str,
    kind: str,
    message: Message | None = None,
) -> None:
    """A hard bounce or a spam complaint: never email this address again."""
    suppress_address(
        session=session, clock=clock, shop_id=shop.id, channel="email", address=email, reason=kind
    )
    if message is not None:
        record_status(
            session=session,
            clock=clock,
            message=message,
            status="failed",
            reason=kind,
            event_key=f"message:{message.id}:failed:{kind}",
        )
    if kind == "complaint":
        for customer in session.scalars(
            select(Customer).where(Customer.shop_id == shop.id, Customer.email == email)
        ):
            set_consent(
                session=session,
                clock=clock,
                shop=shop,
                customer=customer,
                channel="email",
                state="denied",
                source="email:complaint",
            )


def apply_dsn(*, session: Session, clock: Clock, shop: Shop, raw: bytes) -> int:
    """A delivery status notification (RFC 3464, multipart/report; report-type=
    delivery-status) that reached the shop: each permanent failure suppresses the address
    and marks our original message failed when its Message-ID (<dedup_id@domain>) is
    ours. Returns how many of our messages it matched."""
    from careloop.channels.dsn import parse_dsn

    matched = 0
    for report in parse_dsn(raw):
        if not report.permanent or "@" not in report.recipient:
            continue
        message = None
        if report.message_id:
            dedup_id = report.message_id.strip().strip("<>").split("@")[0]
            message = session.scalar(
                select(Message).where(Message.shop_id == shop.id, Message.dedup_id == dedup_id)
            )
        matched += message is not None
        handle_bounce(
            session=session,
            clock=clock,
            shop=shop,
            email=report.recipient.lower(),
            kind="bounce",
            message=message,
        )
    return matched


def unsubscribe(
    *, session: Session, clock: Clock, shop: Shop, customer: Customer, channel: str, source: str
) -> bool:
    return set_consent(
        session=session,
        clock=clock,
        shop=shop,
        customer=customer,
        channel=channel,
        state="denied",
        source=source,
    )


def fold(text: str) -> str:
    """Upper case without diacritics: "Hủy" -> "HUY", "dừng" -> "DUNG"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").upper()


def is_stop_request(body: str) -> bool:
    words = fold(body).strip().split()
    return bool(words) and words[0].strip(".!") in STOP_WORDS


def set_preferences(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    channels: dict[str, bool],
    frequency: str,
    source: str = "preference_centre",
) -> None:
    """The preference centre's choices, effective at once, each consent change logged."""
    for channel, wanted in channels.items():
        set_consent(
            session=session,
            clock=clock,
            shop=shop,
            customer=customer,
            channel=channel,
            state="granted" if wanted else "denied",
            source=source,
        )
    if frequency not in FREQUENCIES:
        frequency = "normal"
    row = session.scalar(
        select(ContactPreference).where(ContactPreference.customer_id == customer.id)
    )
    old = row.frequency if row else "normal"
    if old == frequency:
        return
    if row is None:
        session.add(
            ContactPreference(
                shop_id=shop.id,
                customer_id=customer.id,
                frequency=frequency,
                updated_at=clock.now(),
                source=source,
            )
        )
    else:
        row.frequency, row.updated_at, row.source = frequency, clock.now(), source
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer.id,
        type="consent.changed",
        source=source,
        payload={"channel": "frequency", "from": old, "to": frequency},
        summary=f"frequency: {old} → {frequency}",
    )


def preferred_frequency(session: Session, *, shop_id: int, customer_id: int) -> str:
    """The customer's chosen frequency ("normal" when never chosen); for the contact policy."""
    value = session.scalar(
        select(ContactPreference.frequency).where(
            ContactPreference.shop_id == shop_id, ContactPreference.customer_id == customer_id
        )
    )
    return value or "normal"


def handle_inbound_sms(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    phone: str,
    body: str,
    provider_ref: str | None = None,
) -> int:
    """A reply by SMS. STOP/HUY/DUNG (any case, with or without diacritics) opts the number
    out of SMS and queues one confirmation; anything else is logged as a reply and handed to
    the support desk (a ticket, a reply on the open one, or a CSAT rating).
    Returns how many customers it concerned."""
    from careloop.channels.service import enqueue_message
    from careloop.core.phone import normalise_phone

    try:
        number = normalise_phone(phone)
    except ValueError:
        return 0
    customers = list(
        session.scalars(
            select(Customer).where(Customer.shop_id == shop.id, Customer.phone == number)
        )
    )
    stop = is_stop_request(body)
    if stop and not customers:
        suppress_address(
            session=session,
            clock=clock,
            shop_id=shop.id,
            channel="sms",
            address=number,
            reason="stop",
        )
    for customer in customers:
        if stop:
            changed = unsubscribe(
                session=session,
                clock=clock,
                shop=shop,
                customer=customer,
                channel="sms",
                source="sms:stop",
            )
            if changed:  # a second STOP changes nothing and is not confirmed again
                enqueue_message(
                    session=session,
                    clock=clock,
                    shop=shop,
                    customer=customer,
                    channels=["sms"],
                    template_key="sms_opt_out",
                    kind="transactional",
                    context={},
                    idempotency_key=f"sms-stop:{customer.id}:{clock.now().isoformat()}",
                )
            continue
        last = session.scalar(
            select(Message)
            .where(
                Message.shop_id == shop.id,
                Message.customer_id == customer.id,
                Message.channel == "sms",
                Message.sent_at.is_not(None),
            )
            .order_by(Message.sent_at.desc())
            .limit(1)
        )
        if last is not None:
            record_status(
                session=session,
                clock=clock,
                message=last,
                status="replied",
                detail={"text": body[:500]},
                event_key=f"message:{last.id}:replied:{clock.now().isoformat()}",
            )
        ref = provider_ref or f"sms:{number}:{clock.now().isoformat()}"
        _to_support_desk(session, clock, shop, customer, "sms", body, ref)
    return len(customers)


def handle_inbound_zalo(
    *, session: Session, clock: Clock, shop: Shop, zalo_user_id: str, text: str, provider_ref: str
) -> int:
    """A customer writing to the shop's Zalo OA: on their timeline (it opens Zalo's window
    for OA customer-service replies) and handed to the support desk."""
    if not zalo_user_id:
        return 0
    customers = list(
        session.scalars(
            select(Customer).where(
                Customer.shop_id == shop.id, Customer.zalo_user_id == zalo_user_id
            )
        )
    )
    for customer in customers:
        record_event(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=customer.id,
            type=MESSAGE_REPLIED,
            payload={"channel": "zalo", "text": text[:500]},
            source="channel:zalo",
            event_key=f"zalo:inbound:{provider_ref}",
            summary="Wrote to the Zalo OA",
        )
        _to_support_desk(session, clock, shop, customer, "zalo", text, provider_ref)
    return len(customers)


def _to_support_desk(
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    channel: str,
    text: str,
    ref: str,
) -> None:
    """Customers' words reach a person: the support desk threads them."""
    if not text.strip():
        return
    port(SupportDesk).record_customer_reply(
        session,
        clock,
        shop_id=shop.id,
        customer_id=customer.id,
        channel=channel,
        text=text,
        provider_ref=ref,
    )
