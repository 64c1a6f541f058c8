"""Use cases of channels: enqueue a message, record a suppressed one, count recent sends,
preview and validate templates. Sending happens later, after commit (channels.dispatch)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.channels.finishing import finish_sms, render_campaign_parts, wants_unaccented
from careloop.channels.log import record_status
from careloop.channels.models import CHANNEL_NAMES, KINDS, Message
from careloop.channels.render_context import (
    BASE_NAMES,
    build_context,
    customer_locale,
    sample_context,
    sms_name,
)
from careloop.channels.templates import (
    LOCALES,
    Rendered,
    TemplateError,
    find_source,
    render_source,
    sender_samples,
    unknown_names,
)
from careloop.core.clock import Clock
from careloop.core.errors import FieldError, ValidationFailed
from careloop.customers.models import Customer
from careloop.shops.models import Shop

Kind = Literal["transactional", "service", "marketing"]


def _check_chain(channels: Sequence[str], kind: str) -> list[str]:
    errors = []
    chain = list(channels)
    if not chain:
        errors.append(FieldError("channels", "at least one channel is needed"))
    for name in chain:
        if name not in CHANNEL_NAMES:
            errors.append(
                FieldError("channels", f"unknown channel {name!r} (use {', '.join(CHANNEL_NAMES)})")
            )
    if len(set(chain)) != len(chain):
        errors.append(FieldError("channels", "a channel appears twice in the chain"))
    if kind not in KINDS:
        errors.append(FieldError("kind", f"unknown kind {kind!r} (use {', '.join(KINDS)})"))
    if errors:
        raise ValidationFailed(errors)
    return chain


def render_message(
    *,
    session: Session | None,
    shop: Shop,
    template_key: str,
    channel: str,
    locale: str,
    context: Mapping[str, Any],
    kind: str | None = None,
) -> Rendered:
    """Render one channel of a template; raises TemplateError naming key, channel and locale.

    Sends and previews both come here, so a preview is the exact text that would go out:
    campaign parts rendered first, then the SMS finishing (channels/finishing.py) for
    `kind` (a marketing SMS is labelled and says how to refuse)."""
    source, used = find_source(
        session=session,
        shop_id=shop.id,
        template_key=template_key,
        channel=channel,
        locale=locale,
        shop_locale=shop.locale,
    )
    where = f"template {template_key!r} ({channel}, {used})"
    context = render_campaign_parts(context, where=where)
    unknown = unknown_names(source, set(context))
    if unknown:
        raise TemplateError(f"{where}: unknown field(s): {', '.join(sorted(unknown))}")
    rendered = render_source(source, context, where=where)
    if channel == "email" and not rendered.subject:
        raise TemplateError(f"{where}: an email needs a subject")
    if channel in ("email", "sms", "webhook") and not rendered.text:
        raise TemplateError(f"{where}: the text is empty")
    if channel == "sms":
        settings = shop.settings if isinstance(shop.settings, Mapping) else {}
        rendered = finish_sms(
            rendered,
            kind=kind,
            locale=used,
            fold=wants_unaccented(source.data, context),
            reply_number=str(settings.get("sms_reply_number") or ""),
        )
    return rendered


def _find_existing(session: Session, shop_id: int, idempotency_key: str) -> Message | None:
    return session.scalar(
        select(Message).where(
            Message.shop_id == shop_id, Message.idempotency_key == idempotency_key
        )
    )


def _insert(session: Session, message: Message) -> bool:
    """Insert in a savepoint; False if a concurrent writer took the idempotency key first."""
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return False
    return True


def enqueue_message(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    channels: Sequence[str],
    template_key: str,
    kind: Kind,
    context: Mapping[str, Any],
    idempotency_key: str,
    scheduled_for: datetime | None = None,
    journey_key: str | None = None,
    step_key: str | None = None,
    enrollment_id: int | None = None,
    reason: str | None = None,
) -> Message | None:
    """Queue a message on the channel chain `channels`, rendered now for every channel;
    `reason` says why the chain is not the one asked for (kept on the message).

    Returns None when a message with `idempotency_key` already exists for the shop. A row
    that was only *deferred* under that key becomes this message instead (the deferred step
    coming due). Raises TemplateError if any channel of the chain cannot render.

    Every CareloopError (bad chain, template) is raised before anything is written, so a
    caller that catches one needs no savepoint (the journey send step relies on this).
    """
    chain = _check_chain(channels, kind)
    try:
        return _enqueue_rendered(
            session=session,
            clock=clock,
            shop=shop,
            customer=customer,
            chain=chain,
            template_key=template_key,
            kind=kind,
            context=context,
            idempotency_key=idempotency_key,
            scheduled_for=scheduled_for,
            journey_key=journey_key,
            step_key=step_key,
            enrollment_id=enrollment_id,
            reason=reason,
        )
    except TemplateError:
        # A message already queued under the key is the answer, whatever the template
        # says now (a retried step); only a new one fails on it.
        existing = _find_existing(session, shop.id, idempotency_key)
        if existing is not None and existing.status != "deferred":
            return None
        raise


def _enqueue_rendered(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    chain: list[str],
    template_key: str,
    kind: Kind,
    context: Mapping[str, Any],
    idempotency_key: str,
    scheduled_for: datetime | None,
    journey_key: str | None,
    step_key: str | None,
    enrollment_id: int | None,
    reason: str | None = None,
) -> Message | None:
    """Render, then insert; the key is looked up only when the insert finds it taken (the
    common case, a new message, costs no extra round trip)."""
    locale = customer_locale(customer, shop)
    values = build_context(
        session=session, shop=shop, customer=customer, extra=context, now=clock.now()
    )
    rendered = {
        channel: render_message(
            session=session,
            shop=shop,
            template_key=template_key,
            channel=channel,
            locale=locale,
            context=values,
            kind=kind,
        )
        for channel in chain
    }
    now = clock.now()
    first = rendered[chain[0]]
    fields: dict[str, Any] = {
        "channel": chain[0],
        "kind": kind,
        "template_key": template_key,
        "locale": locale,
        "subject": first.subject,
        "body_text": first.text,
        "body_html": first.html,
        "rendered": {name: r.as_json() for name, r in rendered.items()},
        "status": "queued",
        "reason": reason,
        "channel_chain": chain,
        "chain_index": 0,
        "attempts": 0,
        "next_attempt_at": scheduled_for or now,
        "journey_key": journey_key,
        "step_key": step_key,
        "enrollment_id": enrollment_id,
    }
    inserted = _insert_new(
        session,
        {
            "shop_id": shop.id,
            "customer_id": customer.id,
            "idempotency_key": idempotency_key,
            "dedup_id": secrets.token_hex(16),
            "created_at": now,
            "fence": 0,
            **fields,
        },
    )
    if inserted is not None:
        message = inserted
    else:
        existing = _find_existing(session, shop.id, idempotency_key)
        if existing is None or existing.status != "deferred":
            return None
        # The deferred step coming due: its row becomes the message.
        for name, value in fields.items():
            setattr(existing, name, value)
        message = existing
        session.flush()
    record_status(session=session, clock=clock, message=message, status="queued", reason=reason)
    return message


def _insert_new(session: Session, values: dict[str, Any]) -> Message | None:
    """INSERT ... ON CONFLICT (shop, idempotency key) DO NOTHING RETURNING the row: one
    round trip, no savepoint (a concurrent writer that took the key first makes it None)."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        module.insert(Message)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["shop_id", "idempotency_key"])
        .returning(Message)
    )
    return session.scalars(stmt).first()


def record_suppressed(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    channel: str | None,
    template_key: str,
    kind: str,
    reason: str,
    idempotency_key: str,
    journey_key: str | None = None,
    step_key: str | None = None,
    deferred_until: datetime | None = None,
) -> Message | None:
    """Record a message the contact policy did not send: `deferred` when `deferred_until` is
    given, else `suppressed` with `reason`. Idempotent on `idempotency_key` (None if seen)."""
    if kind not in KINDS:
        raise ValidationFailed([FieldError("kind", f"unknown kind {kind!r}")])
    status = "deferred" if deferred_until is not None else "suppressed"
    existing = _find_existing(session, shop.id, idempotency_key)
    if existing is not None:
        if existing.status != "deferred" or (status == "deferred" and existing.reason == reason):
            return None
        # A deferred step whose second look ends in suppression (or another deferral).
        existing.status, existing.next_attempt_at = status, deferred_until
        message = existing
    else:
        message = Message(
            shop_id=shop.id,
            customer_id=customer.id,
            channel=channel,
            kind=kind,
            template_key=template_key,
            locale=customer_locale(customer, shop),
            subject="",
            body_text="",
            body_html="",
            rendered={},
            idempotency_key=idempotency_key,
            status=status,
            dedup_id=secrets.token_hex(16),
            attempts=0,
            fence=0,
            next_attempt_at=deferred_until,
            journey_key=journey_key,
            step_key=step_key,
            channel_chain=[channel] if channel else [],
            chain_index=0,
            created_at=clock.now(),
        )
        if not _insert(session, message):
            return None
    record_status(
        session=session,
        clock=clock,
        message=message,
        status=status,
        reason=reason,
        detail={"deferred_until": deferred_until.isoformat()} if deferred_until else None,
        event_key=f"message:{message.id}:{status}:{reason}",
    )
    message.reason = reason
    return message


def marketing_sends_since(
    *, session: Session, shop_id: int, customer_id: int, since: datetime
) -> list[tuple[datetime, str]]:
    """(sent time, or queue time if not sent yet; kind) of the customer's non-suppressed
    marketing and service messages since `since`, oldest first: input for frequency caps."""
    rows = session.execute(
        select(Message.sent_at, Message.created_at, Message.kind).where(
            Message.shop_id == shop_id,
            Message.customer_id == customer_id,
            Message.kind.in_(("marketing", "service")),
            Message.status.not_in(("suppressed", "deferred", "failed")),
            Message.created_at >= since,
        )
    ).all()
    result = [(sent or created, kind) for sent, created, kind in rows]
    return sorted(result)


def preview(
    *,
    session: Session,
    shop: Shop,
    template_key: str,
    channel: str,
    locale: str | None = None,
    customer: Customer | None = None,
    context: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    kind: str | None = None,
) -> Rendered:
    """Render a template for a real customer, or for sample data when `customer` is None;
    pass `now` (the clock) so a real customer's days since the last order are counted,
    and `kind` so a marketing SMS shows its label and refusal line as sent."""
    if customer is not None:
        loc = locale or customer_locale(customer, shop)
        # What the key's sender would supply (the event, the ticket), unless given.
        supplied = {**sender_samples(template_key, loc), **dict(context or {})}
        values = build_context(
            session=session, shop=shop, customer=customer, extra=supplied, now=now
        )
    else:
        loc = locale or shop.locale
        values = {
            **sample_context(loc, shop.name),
            **sender_samples(template_key, loc),
            **dict(context or {}),
        }
        # The shop's own short name, as a real send uses (render_context.build_context).
        values["shop"] = {**values["shop"], "sms_name": sms_name(shop)}
    return render_message(
        session=session,
        shop=shop,
        template_key=template_key,
        channel=channel,
        locale=loc,
        context=values,
        kind=kind,
    )


def validate_template(
    *,
    session: Session | None,
    shop: Shop,
    template_key: str,
    channels: Sequence[str],
    locales: Sequence[str] | None = None,
    extra_fields: Sequence[str] = (),
) -> list[str]:
    """Render `template_key` with sample data for every channel and locale; returns the
    problems (unknown fields, syntax errors, missing wording), empty when it is fine.

    `extra_fields` are names the caller will pass in `context` (e.g. "review_url")."""
    problems: list[str] = []
    wanted = list(locales or dict.fromkeys([shop.locale, "vi", "en"]))
    for channel in channels:
        if channel not in CHANNEL_NAMES:
            problems.append(f"unknown channel {channel!r}")
            continue
        for loc in wanted:
            if loc not in LOCALES:
                problems.append(f"unknown locale {loc!r}")
                continue
            values = {**sample_context(loc, shop.name), **sender_samples(template_key, loc)}
            values.update({name: f"<{name}>" for name in extra_fields})
            try:
                render_message(
                    session=session,
                    shop=shop,
                    template_key=template_key,
                    channel=channel,
                    locale=loc,
                    context=values,
                )
            except TemplateError as exc:
                problems.append(str(exc))
    return list(dict.fromkeys(problems))


__all__ = [
    "BASE_NAMES",
    "TemplateError",
    "enqueue_message",
    "marketing_sends_since",
    "preview",
    "record_suppressed",
    "validate_template",
]
