"""Demo data: the program running with tiers backfilled, a year and a half of points (earned,
expired, spent on rewards), referrals (converted, pending, and held for review), and coupons
issued by journeys, staff and rewards, some of them redeemed and one shareable.

Written in bulk where the rows are plain history (points earned and expired: one
statement each for the whole shop) and through the service functions where the demo shows
behaviour (rewards, referrals, coupons), a few dozen of each. Seconds at 2,000 customers.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import VirtualClock
from careloop.core.errors import CareloopError
from careloop.customers.models import Customer, TimelineEvent
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.imports.timeline_rows import event_row, insert_events
from careloop.loyalty import ledger, referrals
from careloop.loyalty.config import ProgramConfig
from careloop.loyalty.coupons import issue_coupon, redeem_coupon
from careloop.loyalty.models import LoyaltyMember, PointsEntry
from careloop.loyalty.points import add_months
from careloop.loyalty.processing import DEMO_SOURCE, HANDLED_TYPES
from careloop.loyalty.program import program_config
from careloop.loyalty.rewards import redeem_reward
from careloop.loyalty.service import enable_program
from careloop.orders.models import Order
from careloop.orders.service import set_shipping_address
from careloop.shops.models import Shop

if TYPE_CHECKING:
    from careloop.context import AppContext

LEDGER: Final[Table] = PointsEntry.__table__  # type: ignore[assignment]
MEMBERS: Final[Table] = LoyaltyMember.__table__  # type: ignore[assignment]
REWARD_REDEMPTIONS: Final = 40
REFERRALS: Final = 40
# The advocate's door and the friend's, written as two different people would.
SHARED_DOOR: Final = (
    "Số 12 Đường Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",
    "12 le loi, p.ben nghe, Q1, tphcm",
)


def seed_demo(
    *, ctx: AppContext, session: Session, shop: Shop, rng: random.Random, now: datetime
) -> None:
    clock = VirtualClock(now)
    enable_program(session=session, clock=clock, shop=shop, actor="demo")
    config = program_config(session, shop.id)
    orders = _orders(session, shop.id)
    _earn_points(session, shop, config, orders, now)
    _refer_some_friends(session, shop, rng, orders)
    _expire_points(session, shop.id, now)
    _redeem_some_rewards(session, clock, shop, config, rng)
    _issue_coupons(session, shop, rng, orders, now)
    _mark_history_processed(session, shop.id)


def _orders(session: Session, shop_id: int) -> list[Order]:
    return list(
        session.scalars(select(Order).where(Order.shop_id == shop_id).order_by(Order.placed_at))
    )


def _earn_points(
    session: Session, shop: Shop, config: ProgramConfig, orders: list[Order], now: datetime
) -> None:
    """Every delivered, kept order earned its points when it was delivered (one INSERT)."""
    rows: list[dict[str, Any]] = []
    for order in sorted(orders, key=lambda o: o.delivered_at or now):
        if order.delivered_at is None or order.returned_at or order.cancelled_at:
            continue
        earned = order.total_minor // config.earn_unit_minor(order.currency)
        if earned <= 0:
            continue
        rows.append(
            _entry(
                shop.id,
                order.customer_id,
                ledger.EARN,
                earned * config.points_per_unit,
                f"order #{order.external_id}",
                f"order:{order.external_id}:earn",
                order.delivered_at,
                expires_at=(
                    add_months(order.delivered_at, config.expiry_months)
                    if config.expiry_months
                    else None
                ),
                order_ref=order.external_id,
            )
        )
    _post(session, shop.id, rows, now)


def _expire_points(session: Session, shop_id: int, now: datetime) -> None:
    """Lots past their expiry are closed as the daily sweep would have, at their expiry."""
    entries: dict[int, list[ledger.Entry]] = defaultdict(list)
    found = session.execute(
        select(
            PointsEntry.customer_id,
            PointsEntry.id,
            PointsEntry.kind,
            PointsEntry.points,
            PointsEntry.occurred_at,
            PointsEntry.expires_at,
            PointsEntry.lot_id,
        )
        .where(PointsEntry.shop_id == shop_id)
        .order_by(PointsEntry.id)
    )
    for customer_id, entry_id, kind, points, at, expires_at, lot_id in found:
        entries[customer_id].append(ledger.Entry(entry_id, kind, points, at, expires_at, lot_id))
    rows = []
    for customer_id, own in entries.items():
        expiry = {e.id: e.expires_at for e in own}
        for lot_id, remaining in ledger.due_expiries(own, now):
            rows.append(
                _entry(
                    shop_id,
                    customer_id,
                    ledger.EXPIRE,
                    -remaining,
                    "points expired",
                    f"expire:{lot_id}",
                    expiry[lot_id] or now,
                    lot_id=lot_id,
                )
            )
    rows.sort(key=lambda row: row["occurred_at"])
    _post(session, shop_id, rows, now)


def _entry(
    shop_id: int,
    customer_id: int,
    kind: str,
    points: int,
    reason: str,
    key: str,
    at: datetime,
    *,
    expires_at: datetime | None = None,
    lot_id: int | None = None,
    order_ref: str | None = None,
) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "customer_id": customer_id,
        "kind": kind,
        "points": points,
        "reason": reason,
        "idempotency_key": key,
        "lot_id": lot_id,
        "expires_at": expires_at,
        "order_ref": order_ref,
        "actor": "system",
        "occurred_at": at,
    }


def _post(session: Session, shop_id: int, rows: list[dict[str, Any]], now: datetime) -> None:
    """Ledger rows, their members and their timeline events (as points._write records them),
    each in one statement."""
    if not rows:
        return
    customers = {row["customer_id"] for row in rows}
    insert_ignoring_duplicates(
        session,
        MEMBERS,
        [
            {"shop_id": shop_id, "customer_id": c, "joined_at": now, "updated_at": now}
            for c in customers
        ],
        ["shop_id", "customer_id"],
    )
    insert_ignoring_duplicates(session, LEDGER, rows, ["shop_id", "idempotency_key"])
    after = _balances_after(session, shop_id, customers)
    timeline = []
    for row in rows:
        if row["points"] == 0:
            continue
        customer_id = row["customer_id"]
        timeline.append(
            event_row(
                shop_id=shop_id,
                customer_id=customer_id,
                type=events.POINTS_EARNED if row["points"] > 0 else events.POINTS_EXPIRED,
                occurred_at=row["occurred_at"],
                now=now,
                source="system",
                event_key=f"points:{row['idempotency_key']}",
                payload={
                    "points": row["points"],
                    "kind": row["kind"],
                    "reason": row["reason"],
                    "balance": after[row["idempotency_key"]],
                    **({"order_id": row["order_ref"]} if row["order_ref"] else {}),
                    **({"expires_at": row["expires_at"].isoformat()} if row["expires_at"] else {}),
                },
                summary=f"{row['points']:+d} · {row['reason']}",
                history=True,
            )
        )
    insert_events(session, timeline)


def _balances_after(session: Session, shop_id: int, customers: set[int]) -> dict[str, int]:
    """Each entry's idempotency key -> the customer's balance after it, in time order."""
    running: dict[int, int] = defaultdict(int)
    after = {}
    rows = session.execute(
        select(PointsEntry.customer_id, PointsEntry.idempotency_key, PointsEntry.points)
        .where(PointsEntry.shop_id == shop_id)
        .order_by(PointsEntry.occurred_at, PointsEntry.id)
    )
    for customer_id, key, points in rows:
        if customer_id in customers:
            running[customer_id] += points
            after[key] = running[customer_id]
    return after


def _balances(session: Session, shop_id: int) -> dict[int, int]:
    rows = session.execute(
        select(PointsEntry.customer_id, func.sum(PointsEntry.points))
        .where(PointsEntry.shop_id == shop_id)
        .group_by(PointsEntry.customer_id)
    )
    return {customer_id: int(total) for customer_id, total in rows}


def _redeem_some_rewards(
    session: Session, clock: VirtualClock, shop: Shop, config: ProgramConfig, rng: random.Random
) -> None:
    """A few dozen members spent points on a reward (a coupon or a privilege) this month."""
    balances = _balances(session, shop.id)
    cheapest = min((r.cost for r in config.rewards), default=0)
    able = sorted(c for c, points in balances.items() if cheapest and points >= cheapest)
    now = clock.now()
    for n, customer_id in enumerate(rng.sample(able, k=min(len(able), REWARD_REDEMPTIONS))):
        customer = session.get_one(Customer, customer_id)
        affordable = [r.key for r in config.rewards if r.cost <= balances[customer_id]]
        clock.set(now - timedelta(days=rng.randint(1, 28)))
        try:
            with session.begin_nested():
                redeem_reward(
                    session=session,
                    clock=clock,
                    shop=shop,
                    customer=customer,
                    reward_key=rng.choice(affordable),
                    idempotency_key=f"demo:{n}",
                )
        except CareloopError:
            continue  # not enough points, or below the reward's tier: fine
    clock.set(now)


def _refer_some_friends(
    session: Session, shop: Shop, rng: random.Random, orders: list[Order]
) -> None:
    """Friends whose first order carried an advocate's code, each at the time it happened;
    plus two the fraud checks hold for staff: a friend shipping to the advocate's door, and
    a "friend" who had bought before."""
    first: dict[int, Order] = {}
    later: list[Order] = []
    for order in orders:
        if order.cancelled_at is not None:
            continue
        if order.customer_id in first:
            later.append(order)
        else:
            first[order.customer_id] = order
    advocates = sorted({o.customer_id for o in orders})
    if len(first) < 10 or not later:
        return
    friends = rng.sample(
        sorted(first.values(), key=lambda o: o.id), k=min(len(first) // 4, REFERRALS + 1)
    )
    suspect, friends = friends[0], friends[1:]
    # In the order they happened: the burst check counts an advocate's past week.
    for order in sorted(friends, key=lambda o: o.placed_at):
        advocate = rng.choice(advocates)
        if advocate != order.customer_id:
            _refer(session, shop, order, advocate)
    # The held ones: the advocate has bought (and shipped) before the friend.
    advocate_order = next(o for o in orders if o.customer_id != suspect.customer_id)
    for ref, address in zip((advocate_order, suspect), SHARED_DOOR, strict=True):
        set_shipping_address(
            session=session,
            clock=VirtualClock(ref.placed_at),
            shop=shop,
            order_external_id=ref.external_id,
            address=address,
        )
    _refer(session, shop, suspect, advocate_order.customer_id)
    referred = {o.customer_id for o in friends} | {suspect.customer_id}
    repeat = rng.choice([o for o in later if o.customer_id not in referred] or later)
    _refer(session, shop, repeat, rng.choice([a for a in advocates if a != repeat.customer_id]))


def _refer(session: Session, shop: Shop, order: Order, advocate_id: int) -> None:
    advocate = session.get_one(Customer, advocate_id)
    clock = VirtualClock(order.placed_at)
    referral = referrals.record_referral(
        session=session, clock=clock, shop=shop, order=order, code=advocate.referral_code
    )
    if referral is not None and order.delivered_at is not None:
        clock.set(order.delivered_at)
        referrals.convert_if_due(session=session, clock=clock, shop=shop, order=order, granted=True)


def _issue_coupons(
    session: Session, shop: Shop, rng: random.Random, orders: list[Order], now: datetime
) -> None:
    """Coupons as journeys and staff hand them out: win-back codes (some used on the order
    they brought back), staff apologies, and one shareable campaign code used by several."""
    recent = [o for o in orders if o.placed_at > now - timedelta(days=60) and not o.cancelled_at]
    rng.shuffle(recent)
    for n, order in enumerate(recent[:16]):
        customer = session.get_one(Customer, order.customer_id)
        clock = VirtualClock(order.placed_at - timedelta(days=rng.randint(2, 12)))
        journey = n % 4 != 3
        coupon = issue_coupon(
            session=session,
            clock=clock,
            shop=shop,
            customer=customer,
            percent_off=10 if journey else None,
            amount_off_minor=None if journey else 50_000,
            valid_days=30,
            reason="we miss you: 10% off your next order"
            if journey
            else "sorry for the late delivery",
            idempotency_key=f"demo:coupon:{n}",
            source="journey" if journey else "staff",
        )
        if n % 2 == 0:  # half of them brought the customer back
            clock.set(order.placed_at)
            redeem_coupon(
                session=session,
                clock=clock,
                shop=shop,
                code=coupon.code,
                customer=customer,
                order_ref=order.external_id,
                order_total_minor=order.total_minor,
                source="order",
            )
    campaign_clock = VirtualClock(now - timedelta(days=20))
    shared = issue_coupon(
        session=session,
        clock=campaign_clock,
        shop=shop,
        customer=None,
        percent_off=15,
        valid_days=45,
        max_uses=None,
        reason="year-end campaign: share with friends",
        idempotency_key="demo:coupon:shared",
        source="staff",
    )
    since_campaign = [o for o in recent[16:] if o.placed_at > campaign_clock.now()]
    for order in sorted(since_campaign[:6], key=lambda o: o.placed_at):
        campaign_clock.set(order.placed_at)
        redeem_coupon(
            session=session,
            clock=campaign_clock,
            shop=shop,
            code=shared.code,
            customer=session.get_one(Customer, order.customer_id),
            order_ref=order.external_id,
            order_total_minor=order.total_minor,
            source="order",
        )


def _mark_history_processed(session: Session, shop_id: int) -> None:
    """The loyalty worker must not replay the demo's history: its events become the demo's
    history (source "demo", `history`), which loyalty's feed consumer passes over
    (processing.in_window); one UPDATE."""
    session.execute(
        update(TimelineEvent)
        .where(TimelineEvent.shop_id == shop_id, TimelineEvent.type.in_(HANDLED_TYPES))
        .values(source=DEMO_SOURCE, history=True)
    )
