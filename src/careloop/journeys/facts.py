"""Facts about a customer that branch conditions ask for, loaded lazily and cached.

Names: customer.<field>, tags, segment, tier, points, loyalty_active (takes part in the
loyalty programme: redeemed points or climbed above the entry tier), loyalty_on (the shop's
programme is running), last_survey_score, last_nps,
last_csat, last_review_rating, open_tickets, orders_count, days_since_last_order,
review_requests (the shop's feedback setting: per_order or per_product),
order.<field> (the enrollment's order), event.<field> (the trigger event's payload).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.ports import CustomerInsights, Rewards, port
from careloop.customers.models import Customer, TimelineEvent
from careloop.orders.models import Order
from careloop.shops.models import Shop

NOT_SALES = ("cancelled", "returned")
FACT_NAMES = (
    "tags",
    "segment",
    "tier",
    "points",
    "loyalty_active",
    "loyalty_on",
    "last_survey_score",
    "last_nps",
    "last_csat",
    "last_review_rating",
    "open_tickets",
    "orders_count",
    "days_since_last_order",
    "review_requests",
)


class CustomerFacts:
    """A `Facts` look-up (see conditions.py) for one customer at one moment."""

    def __init__(
        self,
        *,
        session: Session,
        customer: Customer,
        now: datetime,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self.session = session
        self.customer = customer
        self.now = now
        self.context = context or {}
        self._cache: dict[str, Any] = {}

    def __call__(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = self._load(name)
        return self._cache[name]

    def _load(self, name: str) -> Any:
        head, _, rest = name.partition(".")
        if head == "customer" and rest:
            return getattr(self.customer, rest, None)
        if head == "event" and rest:
            return _dig(self.context.get("event", {}), rest)
        if head == "order" and rest:
            return self._order_field(rest)
        loader: Callable[[], Any] | None = getattr(self, f"_fact_{name}", None)
        return loader() if loader is not None else self.context.get(name)

    def _scoped(self) -> tuple[int, int]:
        return self.customer.shop_id, self.customer.id

    def _fact_tags(self) -> list[str]:
        return list(self.customer.tags or [])

    def _fact_segment(self) -> Any:
        shop_id, customer_id = self._scoped()
        return port(CustomerInsights).segment(
            self.session, shop_id=shop_id, customer_id=customer_id
        )

    def _fact_tier(self) -> Any:
        shop_id, customer_id = self._scoped()
        return port(Rewards).tier(self.session, shop_id=shop_id, customer_id=customer_id)

    def _fact_points(self) -> int:
        shop_id, customer_id = self._scoped()
        return port(Rewards).points_balance(self.session, shop_id=shop_id, customer_id=customer_id)

    def _fact_loyalty_active(self) -> bool:
        shop_id, customer_id = self._scoped()
        return port(Rewards).is_active_member(
            self.session, shop_id=shop_id, customer_id=customer_id
        )

    def _fact_loyalty_on(self) -> bool:
        shop_id, _ = self._scoped()
        return port(Rewards).program_on(self.session, shop_id=shop_id)

    def _latest_payload(self, type_: str, kind: str | None = None) -> dict[str, Any] | None:
        shop_id, customer_id = self._scoped()
        stmt = (
            select(TimelineEvent.payload)
            .where(
                TimelineEvent.shop_id == shop_id,
                TimelineEvent.customer_id == customer_id,
                TimelineEvent.type == type_,
                TimelineEvent.occurred_at <= self.now,
            )
            .order_by(TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc())
        )
        for payload in self.session.scalars(stmt.limit(50)):
            if kind is None or payload.get("kind") == kind:
                return dict(payload)
        return None

    def _fact_review_requests(self) -> str:
        # "per_order" or "per_product" (feedback.rules.ReviewSettings): per product, the
        # feedback capability sends one request per product itself, so the journey stays quiet.
        shop = self.session.get(Shop, self.customer.shop_id)
        feedback = ((shop.settings if shop is not None else None) or {}).get("feedback") or {}
        return str(feedback.get("review_requests") or "per_order")

    def _fact_last_survey_score(self) -> Any:
        return (self._latest_payload(events.SURVEY_ANSWERED) or {}).get("score")

    def _fact_last_nps(self) -> Any:
        return (self._latest_payload(events.SURVEY_ANSWERED, "nps") or {}).get("score")

    def _fact_last_csat(self) -> Any:
        return (self._latest_payload(events.SURVEY_ANSWERED, "csat") or {}).get("score")

    def _fact_last_review_rating(self) -> Any:
        return (self._latest_payload(events.REVIEW_POSTED) or {}).get("rating")

    def _fact_open_tickets(self) -> int:
        shop_id, customer_id = self._scoped()
        return port(CustomerInsights).open_tickets(
            self.session, shop_id=shop_id, customer_id=customer_id
        )

    def _orders(self) -> tuple[int, datetime | None]:
        shop_id, customer_id = self._scoped()
        count, last = self.session.execute(
            select(func.count(Order.id), func.max(Order.placed_at)).where(
                Order.shop_id == shop_id,
                Order.customer_id == customer_id,
                Order.status.not_in(NOT_SALES),
                Order.placed_at <= self.now,
            )
        ).one()
        if isinstance(last, datetime) and last.tzinfo is None:
            from careloop.core.clock import ensure_aware

            last = ensure_aware(last)
        return int(count), last

    def _fact_orders_count(self) -> int:
        return self._orders()[0]

    def _fact_days_since_last_order(self) -> int | None:
        last = self._orders()[1]
        return None if last is None else (self.now - last).days

    def _order_field(self, field: str) -> Any:
        ref = self.context.get("order_id")
        if ref is None:
            return None
        order = self.session.scalar(
            select(Order).where(
                Order.shop_id == self.customer.shop_id, Order.external_id == str(ref)
            )
        )
        return None if order is None else getattr(order, field, None)


def _dig(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data
