"""Erasing a customer (the right to be forgotten): personal data is removed everywhere
Careloop holds it, anonymous aggregates stay (orders, totals, scores), and the erasure
itself is logged.

Each capability that stores personal data about a customer registers an eraser here, so
erasing stays complete as capabilities are added."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from careloop.audit.service import audit
from careloop.core.clock import Clock
from careloop.customers.models import Consent, Customer, TimelineEvent
from careloop.customers.service import get_customer
from careloop.shops.models import Shop

# (session, shop_id, customer_id) -> how many rows were scrubbed.
Eraser = Callable[[Session, int, int], int]
_ERASERS: dict[str, Eraser] = {}
# Capabilities whose module registers an eraser on import (a missing one is skipped).
ERASER_MODULES: Final = (
    "careloop.feedback.erasure",
    "careloop.channels.erasure",
    "careloop.support.erasure",
    "careloop.orders.erasure",
)
# Timeline payload keys that may carry what a customer wrote or who they are.
PERSONAL_PAYLOAD_KEYS: Final = ("comment", "text", "body", "email", "phone", "name", "address")


def register_eraser(name: str, eraser: Eraser) -> None:
    _ERASERS[name] = eraser


@dataclass
class ErasureReport:
    customer_id: str
    scrubbed: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = ", ".join(f"{name} {n}" for name, n in sorted(self.scrubbed.items()) if n)
        return f"customer {self.customer_id} erased" + (f" ({parts})" if parts else "")


def erase_customer(
    *, session: Session, clock: Clock, shop: Shop, external_id: str, actor: str, origin: str = ""
) -> ErasureReport:
    """Remove the customer's personal data; orders and scores stay, unattributable."""
    customer = get_customer(session, shop, external_id)
    report = ErasureReport(customer_id=external_id)
    if customer.erased_at is not None:
        return report
    _scrub_profile(customer, clock)
    session.execute(
        update(Consent)
        .where(Consent.shop_id == shop.id, Consent.customer_id == customer.id)
        .values(state="denied", changed_at=clock.now(), source="erasure")
    )
    report.scrubbed["timeline"] = _scrub_timeline(session, shop.id, customer.id)
    for module in ERASER_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:
            continue
    for name, eraser in sorted(_ERASERS.items()):
        report.scrubbed[name] = eraser(session, shop.id, customer.id)
    audit(
        session=session,
        clock=clock,
        shop_id=shop.id,
        actor=actor,
        action="customer.erased",
        target=f"customer:{customer.id}",
        detail={"scrubbed": report.scrubbed},  # never the erased data itself
        origin=origin,
    )
    return report


def _scrub_profile(customer: Customer, clock: Clock) -> None:
    customer.external_id = f"erased-{customer.id}"
    customer.name = ""
    customer.email = customer.phone = customer.zalo_user_id = None
    customer.birthday = None
    customer.tags = []
    customer.erased_at = customer.updated_at = clock.now()


def _scrub_timeline(session: Session, shop_id: int, customer_id: int) -> int:
    """Drop what the customer wrote or who they are from their events; keep type and time."""
    rows = session.execute(
        select(TimelineEvent.id, TimelineEvent.payload, TimelineEvent.summary).where(
            TimelineEvent.shop_id == shop_id, TimelineEvent.customer_id == customer_id
        )
    ).all()
    count = 0
    for event_id, payload, summary in rows:
        cleaned = {k: v for k, v in (payload or {}).items() if k not in PERSONAL_PAYLOAD_KEYS}
        if cleaned != payload or summary:
            session.execute(
                update(TimelineEvent)
                .where(TimelineEvent.id == event_id)
                .values(payload=cleaned, summary="")
            )
            count += 1
    return count
