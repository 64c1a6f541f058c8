"""Date triggers and inactivity: a per-shop scan that enrolls whoever is due today.

Each trigger has a window of days (e.g. from 3 days before the birthday to the day itself),
so a scan that was missed for a day or two still catches up, and a trigger key per
occurrence (`birthday:2027`, `runout:<order>:<sku>`) under the enrollment's unique
constraint means re-scanning never enrolls twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from careloop.channels.policy import zone
from careloop.core.clock import Clock, ensure_aware
from careloop.core.ports import Rewards, port
from careloop.customers.models import Customer
from careloop.journeys.enroll import enroll
from careloop.journeys.schema import JourneyDef
from careloop.orders.models import Order, OrderLine, Product
from careloop.products.care import runout_date, warranty_end
from careloop.shops.models import Shop

# How many days after its date a trigger may still fire when a scan was missed.
CATCH_UP_DAYS = 2
# Orders older than this are not looked at for run-out, warranty or maintenance dates.
LOOKBACK_DAYS = 3 * 366
NOT_SALES = ("cancelled", "returned")


@dataclass(frozen=True)
class Due:
    customer_id: int
    trigger_key: str
    context: dict[str, Any] = field(default_factory=dict)


def scan_shop(
    *, session: Session, clock: Clock, shop: Shop, journeys: Sequence[tuple[Any, JourneyDef]]
) -> int:
    """Enroll everyone a date or inactivity trigger makes due today; returns how many."""
    today = clock.now().astimezone(zone(shop.timezone)).date()
    enrolled = 0
    for journey, jdef in journeys:
        trigger = jdef.trigger
        if trigger.date is None and trigger.inactivity_days is None:
            continue
        since = getattr(journey, "enrol_from", None)
        for due in due_for(session, shop, jdef, today, clock.now(), since=since):
            enrolled += enroll(
                session=session,
                clock=clock,
                journey=journey,
                jdef=jdef,
                customer_id=due.customer_id,
                trigger_key=due.trigger_key,
                anchor=clock.now(),
                context=due.context,
            )
    return enrolled


def due_for(
    session: Session,
    shop: Shop,
    jdef: JourneyDef,
    today: date,
    now: datetime,
    *,
    since: datetime | None = None,
) -> Iterator[Due]:
    """Who the trigger makes due today. `since` (the journey's enrol_from) keeps out
    customers who crossed the inactivity threshold before the journey was turned on."""
    trigger = jdef.trigger
    before = trigger.days_before
    bounds = trigger.inactivity_bounds()
    if bounds is not None:
        yield from _inactive(session, shop, bounds, now, since)
    elif trigger.date == "birthday":
        yield from _birthdays(session, shop, today, before)
    elif trigger.date == "purchase_anniversary":
        yield from _anniversaries(session, shop, today, before)
    elif trigger.date is not None:
        yield from _product_dates(session, shop, trigger.date, today, before, now)


def in_window(today: date, target: date, days_before: int) -> bool:
    """Whether `today` is within [target - days_before, target + CATCH_UP_DAYS]."""
    return target - timedelta(days=days_before) <= today <= target + timedelta(days=CATCH_UP_DAYS)


def same_day_in(year: int, month: int, day: int) -> date:
    """Month/day in `year`; 29 February becomes the 28th in common years."""
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, day - 1)


def _birthdays(session: Session, shop: Shop, today: date, before: int) -> Iterator[Due]:
    rows = session.execute(
        select(Customer.id, Customer.birthday).where(
            Customer.shop_id == shop.id,
            Customer.birthday.is_not(None),
            Customer.erased_at.is_(None),
        )
    )
    for customer_id, birthday in rows:
        if birthday is None:
            continue
        for year in (today.year, today.year + 1):
            occurrence = same_day_in(year, birthday.month, birthday.day)
            if in_window(today, occurrence, before):
                yield Due(
                    customer_id,
                    f"birthday:{year}",
                    {
                        "birthday": occurrence.isoformat(),
                        "days_left": (occurrence - today).days,
                        "occasion": {"kind": "birthday", "year": year},
                    },
                )


def _anniversaries(session: Session, shop: Shop, today: date, before: int) -> Iterator[Due]:
    rows = session.execute(
        select(Order.customer_id, func.min(Order.placed_at))
        .where(Order.shop_id == shop.id, Order.status.not_in(NOT_SALES))
        .group_by(Order.customer_id)
    )
    for customer_id, first in rows:
        first_day = ensure_aware(first).astimezone(zone(shop.timezone)).date()
        for year in (today.year, today.year + 1):
            years = year - first_day.year
            if years < 1:
                continue
            occurrence = same_day_in(year, first_day.month, first_day.day)
            if in_window(today, occurrence, before):
                yield Due(
                    customer_id,
                    f"anniversary:{year}",
                    {
                        "years": years,
                        "first_order_date": first_day.isoformat(),
                        "occasion": {"kind": "anniversary", "year": year},
                    },
                )


def _inactive(
    session: Session,
    shop: Shop,
    bounds: tuple[int, int],
    now: datetime,
    since: datetime | None = None,
) -> Iterator[Due]:
    """Customers whose last order is between `bounds` days ago (at least, at most); with
    `since`, only those who reached `at least` days at or after it."""
    days, most = bounds
    newest = now - timedelta(days=days)
    oldest = now - timedelta(days=most)
    if since is not None:
        oldest = max(oldest, since - timedelta(days=days))
    last = (
        select(Order.customer_id, func.max(Order.placed_at).label("last_at"))
        .where(Order.shop_id == shop.id, Order.status.not_in(NOT_SALES))
        .group_by(Order.customer_id)
        .subquery()
    )
    rows = session.execute(
        select(last.c.customer_id, last.c.last_at).where(
            last.c.last_at <= newest, last.c.last_at >= oldest
        )
    )
    for customer_id, last_at in rows:
        last_at = ensure_aware(last_at)
        # One enrollment per quiet spell: the key names the spell's last order time.
        yield Due(
            customer_id,
            f"inactive:{last_at.date().isoformat()}",
            {"last_order_date": last_at.date().isoformat(), "days_inactive": (now - last_at).days},
        )


def _product_dates(
    session: Session, shop: Shop, kind: str, today: date, before: int, now: datetime
) -> Iterator[Due]:
    """Run-out, warranty-end and maintenance dates from the order's delivery (else placing)
    and the product's care data (a variant's gaps filled from its parent product). A date
    already past is never cited: catching up stops on the day itself."""
    parent = aliased(Product)

    def care(name: str) -> Any:
        return func.coalesce(getattr(Product, name), getattr(parent, name))

    days_col = care(
        {"runout": "usage_days", "warranty_expiry": "warranty_days"}.get(
            kind, "maintenance_interval_days"
        )
    )
    warranty = kind == "warranty_expiry"
    months_col = care("warranty_months") if warranty else literal(None, Integer)
    rows = session.execute(
        select(
            Order.external_id,
            Order.customer_id,
            Order.placed_at,
            Order.delivered_at,
            OrderLine.quantity,
            Product.id,
            Product.sku,
            Product.name,
            days_col,
            months_col,
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(parent, (parent.shop_id == Product.shop_id) & (parent.sku == Product.parent_sku))
        .where(
            Order.shop_id == shop.id,
            Order.status.not_in(NOT_SALES),
            # A doubled warranty (loyalty privilege) ends twice as far from the order.
            Order.placed_at >= now - timedelta(days=LOOKBACK_DAYS * (2 if warranty else 1)),
            or_(days_col > 0, months_col > 0) if warranty else days_col > 0,
        )
    )
    tz = zone(shop.timezone)
    warranty_dates = WarrantyDates(session, shop.id, now)
    for ext, customer_id, placed, delivered, qty, product_id, sku, name, days_, months in rows:
        days, months = int(days_ or 0), int(months or 0)
        start = ensure_aware(delivered or placed).astimezone(tz).date()
        base = {"order_id": ext, "sku": sku, "product_name": name, "product_id": product_id}
        if kind == "runout":
            target = runout_date(start, usage_days=days, quantity=qty)
            if _due(today, target, before) and not _reordered(
                session, shop.id, customer_id, product_id, placed
            ):
                yield Due(
                    customer_id,
                    f"runout:{ext}:{sku}",
                    {**base, "runout_date": target.isoformat(), "days_left": (target - today).days},
                )
        elif kind == "warranty_expiry":
            end = warranty_end(start, months=months, days=days)
            if end is not None:
                bought = ensure_aware(delivered or placed)
                end = warranty_dates.ends(customer_id, start, (end - start).days, bought)
            if end is not None and _due(today, end, before):
                yield Due(
                    customer_id,
                    f"warranty:{ext}:{sku}",
                    {**base, "warranty_until": end.isoformat()},
                )
        elif days > 0:
            number = max(1, (today - start).days // days + 1)
            for n in (number - 1, number):
                target = start + timedelta(days=days * n)
                if n >= 1 and _due(today, target, before):
                    yield Due(
                        customer_id,
                        f"maintenance:{ext}:{sku}:{n}",
                        {**base, "maintenance_date": target.isoformat(), "service_number": n},
                    )


def _due(today: date, target: date, days_before: int) -> bool:
    """In the trigger's window and not yet past: a reminder never cites a date gone by."""
    return in_window(today, target, days_before) and target >= today


def _reordered(
    session: Session, shop_id: int, customer_id: int, product_id: int, since: datetime
) -> bool:
    """Whether the customer bought the product again after the order in question."""
    found = session.scalar(
        select(Order.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(
            Order.shop_id == shop_id,
            Order.customer_id == customer_id,
            OrderLine.product_id == product_id,
            Order.placed_at > since,
            Order.status.not_in(NOT_SALES),
        )
        .limit(1)
    )
    return found is not None


class WarrantyDates:
    """Warranty end dates as the `Rewards` port sets them (doubled for a customer with the
    `double_warranty` privilege). Privileges are read once per customer and purchase time in
    a scan."""

    def __init__(self, session: Session, shop_id: int, now: datetime) -> None:
        self.session, self.shop_id, self.now = session, shop_id, now
        self.rewards = port(Rewards)
        self.held: dict[tuple[int, datetime], set[str]] = {}

    def ends(self, customer_id: int, start: date, warranty_days: int, bought: datetime) -> date:
        key = (customer_id, bought)
        if key not in self.held:
            self.held[key] = self.rewards.warranty_privileges(
                self.session,
                shop_id=self.shop_id,
                customer_id=customer_id,
                bought_at=bought,
                now=self.now,
            )
        return self.rewards.warranty_ends(
            start=start, warranty_days=warranty_days, privileges=self.held[key]
        )
