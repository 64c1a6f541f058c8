"""Customer messages coming in (SMS/Zalo replies, email) become tickets or thread onto one."""

from __future__ import annotations

import re
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import FieldError, ValidationFailed
from careloop.customers.models import Customer
from careloop.shops.models import Shop
from careloop.support.config import support_settings
from careloop.support.models import Ticket, TicketMessage
from careloop.support.tickets import (
    ACTIVE,
    add_customer_message,
    get_ticket,
    open_ticket,
    record_csat,
)

# A reply that is only a 1-5 rating answers the CSAT question ("5", "4 sao", "3/5", "5 stars").
_CSAT_ANSWER: Final = re.compile(r"^\s*([1-5])\s*(sao|stars?|\*|/\s*5|⭐+)?\s*[.!]?\s*$", re.I)
_TICKET_TAG: Final = re.compile(r"\[#T-(\d+)\]")
_MESSAGE_ID: Final = re.compile(r"<[^<>\s]+>")
CSAT_ANSWER_WINDOW_DAYS: Final = 7
SUBJECT_CHARS: Final = 80


def csat_answer(text: str) -> int | None:
    match = _CSAT_ANSWER.match(text)
    return int(match[1]) if match else None


def _subject_from(text: str) -> str:
    first = " ".join(text.split())
    return first[:SUBJECT_CHARS] if first else "(no text)"


def _existing_message(session: Session, shop_id: int, ref: str) -> TicketMessage | None:
    return session.scalar(
        select(TicketMessage).where(
            TicketMessage.shop_id == shop_id, TicketMessage.external_ref == ref
        )
    )


def _latest_ticket(session: Session, shop_id: int, customer_id: int) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(Ticket.shop_id == shop_id, Ticket.customer_id == customer_id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(1)
    )


def _awaiting_csat(ticket: Ticket | None, now: datetime) -> bool:
    return (
        ticket is not None
        and ticket.status in ("resolved", "closed")
        and ticket.csat_asked_at is not None
        and ticket.csat_score is None
        and (now - ticket.csat_asked_at).days < CSAT_ANSWER_WINDOW_DAYS
    )


def _thread_target(shop: Shop, ticket: Ticket | None, now: datetime) -> Ticket | None:
    """The ticket a new customer message belongs to: an active one, or one resolved recently
    enough to reopen; None opens a new ticket."""
    if ticket is None or ticket.status == "closed":
        return None
    if ticket.status in ACTIVE:
        return ticket
    resolved = ticket.resolved_at or ticket.updated_at
    return ticket if now - resolved <= support_settings(shop).reopen_window else None


def ingest_customer_reply(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    channel: str,
    text: str,
    provider_ref: str,
) -> Ticket:
    """An SMS or Zalo message from a customer (opt-outs are handled by channels before this).
    A bare 1-5 after a CSAT ask is the rating; otherwise it threads onto the customer's open
    (or recently resolved, which reopens) ticket, or opens a new one. Idempotent on
    `provider_ref`."""
    errors: list[FieldError] = []
    if channel not in ("sms", "zalo", "email"):
        errors.append(FieldError("channel", "sms, zalo or email"))
    if not provider_ref:
        errors.append(FieldError("provider_ref", "must not be empty"))
    if customer.shop_id != shop.id:
        errors.append(FieldError("customer", "belongs to another shop"))
    if errors:
        raise ValidationFailed(errors)
    ref = f"{channel}:{provider_ref}"
    seen = _existing_message(session, shop.id, ref)
    if seen is not None:
        return get_ticket(session, shop.id, seen.ticket_id)
    now = clock.now()
    latest = _latest_ticket(session, shop.id, customer.id)
    score = csat_answer(text)
    if score is not None and latest is not None and _awaiting_csat(latest, now):
        record_csat(
            session=session,
            clock=clock,
            shop=shop,
            ticket_id=latest.id,
            score=score,
            source="support:csat",
        )
        return latest
    target = _thread_target(shop, latest, now)
    if target is not None:
        add_customer_message(
            session=session,
            clock=clock,
            shop=shop,
            ticket=target,
            body=text,
            channel=channel,
            external_ref=ref,
        )
        return target
    return open_ticket(
        session=session,
        clock=clock,
        shop=shop,
        customer_id=customer.id,
        subject=_subject_from(text),
        body=text,
        channel=channel,
        source=channel,
        external_ref=ref,
        guess_order=True,
    )


# --- Email ---------------------------------------------------------------------------------

# RFC 3834 section 5: any Auto-Submitted value but "no" marks a message made by a machine.
# Precedence (RFC 2076, de facto; RFC 3834 section 2) bulk/auto_reply/junk: lists and
# vacation replies. X-Autoreply / X-Autorespond: set by common autoresponders.
AUTO_PRECEDENCE: Final = frozenset({"bulk", "auto_reply", "junk"})
AUTO_MARKERS: Final = ("X-Autoreply", "X-Autorespond")


def is_delivery_report(message: EmailMessage) -> bool:
    """RFC 3462/6522 multipart/report with report-type=delivery-status (an RFC 3464 DSN)."""
    return (
        message.get_content_type() == "multipart/report"
        and str(message.get_param("report-type", "")).lower() == "delivery-status"
    )


def automatic_reason(message: EmailMessage, envelope_from: str | None = None) -> str | None:
    """Why a message to the support address was sent by a machine (and so must not become
    a ticket or a customer), or None for a person's mail. `envelope_from` is the SMTP MAIL
    FROM when known: an empty (null) reverse-path is used only by bounces and auto-replies
    (RFC 5321 section 4.5.5, RFC 3834 section 3.3)."""
    if is_delivery_report(message):
        return "delivery status notification"
    auto = str(message.get("Auto-Submitted", "")).split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in AUTO_MARKERS:
        if message.get(name) is not None:
            return name
    return_path = str(message.get("Return-Path", "")).strip()
    if envelope_from is not None and envelope_from.strip() in ("", "<>"):
        return "null reverse-path"
    if return_path == "<>":
        return "null Return-Path"
    return None


def parse_email(raw: bytes | EmailMessage) -> EmailMessage:
    if isinstance(raw, EmailMessage):
        return raw
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _text_of(message: EmailMessage) -> str:
    """The new text of a reply: the plain part without the quoted history."""
    part = message.get_body(preferencelist=("plain", "html"))
    content = part.get_content() if part is not None else ""
    if part is not None and part.get_content_type() == "text/html":
        content = re.sub(r"<[^>]+>", " ", content)
    kept: list[str] = []
    for line in str(content).splitlines():
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
        # "On Mon, ... wrote:" / "Vào ... đã viết:" starts the quoted original.
        if re.match(r"^(On .+ wrote:|Vào .+ (đã )?viết:)$", stripped):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _thread_ids(message: EmailMessage) -> list[str]:
    ids: list[str] = []
    for header in ("In-Reply-To", "References"):
        ids += _MESSAGE_ID.findall(str(message.get(header, "")))
    return ids


def _customer_for_email(
    session: Session, clock: Clock, shop: Shop, address: str, name: str
) -> Customer:
    """The sender, resolved like every other source (customers/identity.py): a customer
    with this email is linked, not duplicated; an unknown sender becomes a customer."""
    from careloop.customers.schemas import CustomerIn
    from careloop.customers.service import upsert_customer

    data = CustomerIn(customer_id=f"email:{address}", email=address, name=name or None)
    return upsert_customer(
        session=session, clock=clock, shop=shop, data=data, source="email"
    ).customer


def _threaded_ticket(
    session: Session, shop: Shop, customer: Customer, message: EmailMessage
) -> Ticket | None:
    ids = [f"email:{mid}" for mid in _thread_ids(message)]
    if ids:
        earlier = session.scalar(
            select(TicketMessage).where(
                TicketMessage.shop_id == shop.id, TicketMessage.external_ref.in_(ids)
            )
        )
        if earlier is not None:
            return get_ticket(session, shop.id, earlier.ticket_id)
    tag = _TICKET_TAG.search(str(message.get("Subject", "")))
    if tag is not None:
        ticket = session.scalar(
            select(Ticket).where(Ticket.shop_id == shop.id, Ticket.id == int(tag[1]))
        )
        # Only the ticket's own customer can thread onto it by quoting the tag.
        if ticket is not None and ticket.customer_id == customer.id:
            return ticket
    return None


def ingest_email(
    *, session: Session, clock: Clock, shop: Shop, raw: bytes | EmailMessage
) -> Ticket:
    """An email to the shop's support address: threads by In-Reply-To/References or the
    `[#T-n]` subject tag, else opens a ticket. Idempotent on Message-ID. Reusable by an IMAP
    poller as well as the SMTP handler."""
    message = parse_email(raw)
    name, address = parseaddr(str(message.get("From", "")))
    address = address.strip().lower()
    if "@" not in address:
        raise ValidationFailed([FieldError("From", "no sender address")])
    ids = _MESSAGE_ID.findall(str(message.get("Message-ID", "")))
    ref = f"email:{ids[0]}" if ids else None
    if ref is not None and (seen := _existing_message(session, shop.id, ref)) is not None:
        return get_ticket(session, shop.id, seen.ticket_id)
    customer = _customer_for_email(session, clock, shop, address, name)
    text = _text_of(message)
    subject = _TICKET_TAG.sub("", str(message.get("Subject", ""))).strip()
    subject = re.sub(r"^((re|fwd?|tr|aw)\s*:\s*)+", "", subject, flags=re.I) or _subject_from(text)
    ticket = _threaded_ticket(session, shop, customer, message)
    if ticket is not None and ticket.status != "closed":
        add_customer_message(
            session=session,
            clock=clock,
            shop=shop,
            ticket=ticket,
            body=text,
            channel="email",
            external_ref=ref,
        )
        return ticket
    return open_ticket(
        session=session,
        clock=clock,
        shop=shop,
        customer_id=customer.id,
        subject=subject,
        body=text,
        channel="email",
        source="email",
        external_ref=ref,
        guess_order=True,
    )


def recipients(message: EmailMessage) -> list[str]:
    return [
        addr.lower()
        for _name, addr in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))
    ]
