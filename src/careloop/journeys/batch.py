"""Everything a batch of claimed enrollments needs, read in a handful of queries.

A worker runs up to a hundred claims in one transaction; reading each enrollment, its
customer, shop, journey version and consents one step at a time cost more than the steps
themselves. Here they are read once per batch: the enrollments (only those whose fence is
still ours), the customers locked in id order (so two workers never deadlock on them),
the shops, the journey versions and the consents.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels.policy import ContactPolicy
from careloop.customers.models import Consent, Customer
from careloop.journeys.models import Journey, JourneyEnrollment
from careloop.shops.models import Shop

ENROLLMENTS: Any = JourneyEnrollment.__table__


class Claimed(Protocol):
    @property
    def enrollment_id(self) -> int: ...
    @property
    def fence(self) -> int: ...


@dataclass(frozen=True)
class Row:
    """A claimed enrollment as read back in the step's transaction."""

    id: int
    fence: int
    shop_id: int
    journey_id: int
    journey_key: str
    customer_id: int
    step_id: str | None
    status: str
    due_at: datetime | None
    context: dict[str, Any]


@dataclass
class Batch:
    rows: dict[int, Row]
    customers: dict[int, Customer]
    shops: dict[int, Shop]
    journeys: dict[int, Journey]
    consents: dict[int, dict[str, str]]
    _policies: dict[int, ContactPolicy] = field(default_factory=dict)

    def policy(self, shop: Shop) -> ContactPolicy:
        found = self._policies.get(shop.id)
        if found is None:
            found = self._policies[shop.id] = ContactPolicy.from_settings(shop.contact_policy)
        return found


def load_batch(session: Session, claims: Collection[Claimed]) -> Batch:
    """Read (and lock the customers of) the claims whose fence still holds; a claim that
    another worker took over, or that an exit event ended, is left out."""
    fences = {c.enrollment_id: c.fence for c in claims}
    rows = {
        row.id: row
        for row in _rows(session, fences)
        if fences.get(row.id) == row.fence  # anything else: no longer ours
    }
    shop_ids = sorted({r.shop_id for r in rows.values()})
    customer_ids = sorted({r.customer_id for r in rows.values()})
    journey_ids = sorted({r.journey_id for r in rows.values()})
    if not rows:
        return Batch({}, {}, {}, {}, {})
    # Locked in id order: decisions per customer are serialised (caps hold under concurrent
    # workers) and two workers locking overlapping customers cannot deadlock.
    customers = {
        c.id: c
        for c in session.scalars(
            select(Customer)
            .where(Customer.shop_id.in_(shop_ids), Customer.id.in_(customer_ids))
            .order_by(Customer.id)
            .with_for_update()
        )
    }
    shops = {s.id: s for s in session.scalars(select(Shop).where(Shop.id.in_(shop_ids)))}
    journeys = {
        j.id: j
        for j in session.scalars(
            select(Journey).where(Journey.shop_id.in_(shop_ids), Journey.id.in_(journey_ids))
        )
    }
    consents: dict[int, dict[str, str]] = {}
    for customer_id, channel, state in session.execute(
        select(Consent.customer_id, Consent.channel, Consent.state).where(
            Consent.shop_id.in_(shop_ids), Consent.customer_id.in_(customer_ids)
        )
    ):
        consents.setdefault(customer_id, {})[channel] = state
    return Batch(rows, customers, shops, journeys, consents)


def _rows(session: Session, fences: dict[int, int]) -> Iterable[Row]:
    t = ENROLLMENTS
    result = session.execute(
        select(
            t.c.id,
            t.c.fence,
            t.c.shop_id,
            t.c.journey_id,
            t.c.journey_key,
            t.c.customer_id,
            t.c.step_id,
            t.c.status,
            t.c.due_at,
            t.c.context,
        ).where(t.c.id.in_(sorted(fences)))
    )
    for r in result:
        yield Row(
            id=int(r.id),
            fence=int(r.fence),
            shop_id=int(r.shop_id),
            journey_id=int(r.journey_id),
            journey_key=r.journey_key,
            customer_id=int(r.customer_id),
            step_id=r.step_id,
            status=r.status,
            due_at=r.due_at,
            context=dict(r.context or {}),
        )
