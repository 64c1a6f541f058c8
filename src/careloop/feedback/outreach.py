"""Sending feedback's own messages (per-product review requests, "would you update your
review?") under the same contact policy as journeys: consent, quiet hours, caps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels import policy
from careloop.core.clock import Clock
from careloop.core.errors import CareloopError
from careloop.customers.models import Consent, Customer
from careloop.shops.models import Shop


@dataclass(frozen=True)
class Outcome:
    """sent | deferred (try again at `until`) | suppressed (with the rule that said so)."""

    status: str
    reason: str = ""
    until: datetime | None = None


def _recipient(session: Session, shop: Shop, c: Customer) -> policy.Recipient:
    # ZNS reaches a person by phone number, not by OA user id (channels/zalo.py).
    reachable = {
        name
        for name, address in (("email", c.email), ("sms", c.phone), ("zalo", c.phone))
        if address
    }
    consents = dict(
        session.execute(
            select(Consent.channel, Consent.state).where(
                Consent.shop_id == shop.id, Consent.customer_id == c.id
            )
        ).all()
    )
    return policy.Recipient(
        timezone=c.timezone or shop.timezone,
        preferred_channel=c.preferred_channel,
        reachable=frozenset(reachable),
        consents=consents,
    )


def send(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    template_key: str,
    context: Mapping[str, Any],
    idempotency_key: str,
) -> Outcome:
    """A service message on the customer's preferred channel chain, once per key."""
    from careloop.channels.service import (
        enqueue_message,
        marketing_sends_since,
        record_suppressed,
    )

    now = clock.now()
    rules = policy.ContactPolicy.from_settings(shop.contact_policy or {})
    since = now - timedelta(days=rules.window_days + 1)
    history = [
        policy.Sent(at, kind)
        for at, kind in marketing_sends_since(
            session=session, shop_id=shop.id, customer_id=customer.id, since=since
        )
    ]
    decision = policy.decide(
        kind="service",
        requested=["preferred"],
        recipient=_recipient(session, shop, customer),
        history=history,
        policy=rules,
        now=now,
    )
    if decision.action == "defer":
        return Outcome("deferred", decision.rule or "", decision.until)
    if decision.action == "suppress":
        record_suppressed(
            session=session,
            clock=clock,
            shop=shop,
            customer=customer,
            channel=None,
            template_key=template_key,
            kind="service",
            reason=decision.rule or "suppressed",
            idempotency_key=idempotency_key,
        )
        return Outcome("suppressed", decision.rule or "suppressed")
    try:
        with session.begin_nested():
            enqueue_message(
                session=session,
                clock=clock,
                shop=shop,
                customer=customer,
                channels=list(decision.channels),
                template_key=template_key,
                kind="service",
                context=context,
                idempotency_key=idempotency_key,
            )
    except CareloopError as exc:
        return Outcome("suppressed", f"template_error: {exc}"[:300])
    return Outcome("sent")
