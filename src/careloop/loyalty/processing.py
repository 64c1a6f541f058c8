"""How loyalty reacts to timeline events (orders, surveys, reviews), exactly once each.

Loyalty reads the timeline through the one event feed (customers/event_feed.py, consumer
"loyalty.events", docs/decisions/0028): the feed's cursor is locked for the pass and moves in
the transaction that handled the batch, so two workers never handle one event and a crash
hands the batch out again. History is read too (an imported order still redeems its codes);
only the demo's, which its seeder credited itself, is passed over.

Which events a shop's program handles (`in_window`): recorded since the program row began
tracking, or occurred since the program started. The feed passes each event once, so a
program that starts on a date before events the feed has already passed needs a one-off
pass over them (`backfill_started`), not the feed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock, ensure_aware
from careloop.core.errors import CareloopError
from careloop.customers import event_feed
from careloop.customers.models import Customer, TimelineEvent
from careloop.loyalty import announce, ledger, points, referrals
from careloop.loyalty.config import ProgramConfig
from careloop.loyalty.coupons import OrderItem, looks_like_code, redeem_coupon
from careloop.loyalty.membership import evaluate_tier
from careloop.loyalty.models import LoyaltyProgram
from careloop.loyalty.occasions import offer_repeat_discount
from careloop.loyalty.program import program_config
from careloop.orders.models import Order, OrderLine, Product
from careloop.shops.models import Shop

# Loyalty's cursor on the event feed (declared in loyalty's manifest).
CONSUMER: Final = "loyalty.events"
BATCH_SIZE: Final = 200
ORDER_TYPES: Final = (
    events.ORDER_PLACED,
    events.ORDER_PAID,
    events.ORDER_DELIVERED,
    events.ORDER_RETURNED,
    events.ORDER_CANCELLED,
)
HANDLED_TYPES: Final = (*ORDER_TYPES, events.SURVEY_ANSWERED, events.REVIEW_POSTED)
# The demo writes its history from this source and credits it itself (loyalty/demo.py).
DEMO_SOURCE: Final = "demo"


def in_window(event: TimelineEvent, program: LoyaltyProgram | None) -> bool:
    """Whether the shop's program handles the event: a customer's event recorded since the
    program row began tracking or occurred since it started, and not the demo's history."""
    if program is None or event.customer_id is None:
        return False
    if event.history and event.source == DEMO_SOURCE:
        return False
    if ensure_aware(event.recorded_at) >= ensure_aware(program.tracking_since):
        return True
    started = program.started_at
    return started is not None and ensure_aware(event.occurred_at) >= ensure_aware(started)


def process_pending(session: Session, clock: Clock, limit: int = BATCH_SIZE) -> int:
    """Handle the next batch the feed hands loyalty; returns how many events were handled.
    Each event in a savepoint, so one bad event is passed and logged rather than blocking
    the feed."""
    batch = event_feed.read(
        session=session, clock=clock, consumer=CONSUMER, types=HANDLED_TYPES, batch=limit
    )
    programs: dict[int, LoyaltyProgram | None] = {}
    done = 0
    for event in batch:
        if event.shop_id not in programs:
            programs[event.shop_id] = session.scalar(
                select(LoyaltyProgram).where(LoyaltyProgram.shop_id == event.shop_id)
            )
        program = programs[event.shop_id]
        if program is None or not in_window(event, program):
            continue
        _handle_one(session, clock, program, event)
        done += 1
    return done


def backfill_started(session: Session, clock: Clock, program: LoyaltyProgram) -> int:
    """The one-off pass when a program starts: the shop's events the feed has already passed
    over (recorded before the program row began tracking) that occurred since the start.
    Events after the feed's position are the feed's; those recorded since tracking began it
    has handled. Run in the transaction that starts the program."""
    if program.started_at is None:
        return 0
    passed, _ = event_feed.position(session, CONSUMER)
    rows = session.scalars(
        select(TimelineEvent)
        .where(
            TimelineEvent.shop_id == program.shop_id,
            TimelineEvent.id <= passed,
            TimelineEvent.type.in_(HANDLED_TYPES),
            TimelineEvent.customer_id.is_not(None),
            TimelineEvent.recorded_at < program.tracking_since,
            TimelineEvent.occurred_at >= program.started_at,
        )
        .order_by(TimelineEvent.id)
    ).all()
    handled = 0
    for event in rows:
        if in_window(event, program):
            _handle_one(session, clock, program, event)
            handled += 1
    return handled


def _handle_one(
    session: Session, clock: Clock, program: LoyaltyProgram, event: TimelineEvent
) -> None:
    shop = session.get(Shop, event.shop_id)
    assert shop is not None
    try:
        with session.begin_nested():
            handle_event(session, clock, shop, program, event)
    except CareloopError:
        # A business rule refused (e.g. an expired coupon on an order): nothing to retry.
        pass


def handle_event(
    session: Session, clock: Clock, shop: Shop, program: LoyaltyProgram, event: TimelineEvent
) -> None:
    running = (
        program.enabled
        and program.started_at is not None
        and event.occurred_at >= program.started_at
    )
    config = program_config(session, shop.id)
    assert event.customer_id is not None
    if event.type in ORDER_TYPES:
        order = session.get(Order, event.order_id) if event.order_id else None
        if order is not None:
            _handle_order(session, clock, shop, config, event, order, running)
        return
    if not running:
        return
    bonus = config.bonus_survey if event.type == events.SURVEY_ANSWERED else config.bonus_review
    if bonus:
        points.credit(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=event.customer_id,
            points=bonus,
            reason="thank you for your feedback"
            if event.type == events.SURVEY_ANSWERED
            else "thank you for your review",
            idempotency_key=f"{event.type}:{event.id}",
            config=config,
        )


def _handle_order(
    session: Session,
    clock: Clock,
    shop: Shop,
    config: ProgramConfig,
    event: TimelineEvent,
    order: Order,
    running: bool,
) -> None:
    if event.type == events.ORDER_PLACED:
        _apply_discount_codes(session, clock, shop, order, running)
    if not running:
        return
    granted_type = events.ORDER_PAID if config.grant_on == "paid" else events.ORDER_DELIVERED
    if event.type == granted_type and order.returned_at is None and order.cancelled_at is None:
        earned = (
            order.total_minor // config.earn_unit_minor(order.currency) * config.points_per_unit
        )
        if earned > 0:
            entry = points.credit(
                session=session,
                clock=clock,
                shop_id=shop.id,
                customer_id=order.customer_id,
                points=earned,
                reason=f"order #{order.external_id}",
                idempotency_key=f"order:{order.external_id}:earn",
                kind=ledger.EARN,
                order_ref=order.external_id,
                config=config,
                at=event.occurred_at,
            )
            if entry is not None:
                announce.points_earned(
                    session=session,
                    clock=clock,
                    shop=shop,
                    customer_id=order.customer_id,
                    order_ref=order.external_id,
                    points=entry.points,
                    balance=points.points_balance(
                        session=session, shop_id=shop.id, customer_id=order.customer_id
                    ),
                )
        referrals.convert_if_due(session=session, clock=clock, shop=shop, order=order, granted=True)
        offer_repeat_discount(
            session=session, clock=clock, shop=shop, customer_id=order.customer_id, config=config
        )
    if event.type in (events.ORDER_RETURNED, events.ORDER_CANCELLED):
        points.reverse_order(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=order.customer_id,
            order_ref=order.external_id,
            fraction=_returned_fraction(event, order),
            reason=f"order #{order.external_id} {event.type.split('.')[1]}",
        )
    evaluate_tier(
        session=session, clock=clock, shop=shop, customer_id=order.customer_id, config=config
    )


def _returned_fraction(event: TimelineEvent, order: Order) -> float:
    """A partial refund ({"refund": "250000"} in the event) reverses that share; else all."""
    refund = (event.payload or {}).get("refund")
    if refund is None or not order.total_minor:
        return 1.0
    try:
        from careloop.core.money import to_minor

        share = to_minor(Decimal(str(refund)), order.currency) / order.total_minor
    except (InvalidOperation, ValueError):
        return 1.0
    return max(0.0, min(share, 1.0))


def _apply_discount_codes(
    session: Session, clock: Clock, shop: Shop, order: Order, running: bool
) -> None:
    """Codes on the order: our coupons are redeemed; a customer's referral code records a
    referral (when the program runs)."""
    customer = session.get(Customer, order.customer_id)
    lines = _order_items(session, order) if order.discount_codes else []
    for raw in order.discount_codes or []:
        if looks_like_code(raw):
            try:
                with session.begin_nested():
                    redeem_coupon(
                        session=session,
                        clock=clock,
                        shop=shop,
                        code=raw,
                        customer=customer,
                        order_ref=order.external_id,
                        order_total_minor=order.total_minor,
                        source="order",
                        lines=lines,
                    )
                continue
            except CareloopError:
                pass  # not ours, or not usable: the shop's checkout decided; nothing to do
        if running:
            referrals.record_referral(
                session=session, clock=clock, shop=shop, order=order, code=raw
            )


def _order_items(session: Session, order: Order) -> list[OrderItem]:
    """The order's lines as product-limited codes see them (sku, the product's category)."""
    rows = session.execute(
        select(OrderLine.sku, Product.category, OrderLine.unit_price_minor, OrderLine.quantity)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.shop_id == order.shop_id, OrderLine.order_id == order.id)
    )
    return [OrderItem(sku, category, price * qty) for sku, category, price, qty in rows]
