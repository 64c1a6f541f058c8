"""How loyalty reacts to timeline events (orders, surveys, reviews), exactly once each.

The loyalty worker keeps its own record of handled events (loyalty_processed_events); it
never touches timeline_events.dispatched_at, which is the journeys dispatcher's, so both see
every event. Claiming inserts the marker first (ON CONFLICT DO NOTHING): two workers that
pick the same event serialise on the primary key and only one handles it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.errors import CareloopError
from careloop.customers.models import Customer, TimelineEvent
from careloop.loyalty import announce, ledger, points, referrals
from careloop.loyalty.config import ProgramConfig
from careloop.loyalty.coupons import OrderItem, looks_like_code, redeem_coupon
from careloop.loyalty.membership import evaluate_tier
from careloop.loyalty.models import LoyaltyProgram, ProcessedEvent
from careloop.loyalty.occasions import offer_repeat_discount
from careloop.loyalty.program import program_config
from careloop.orders.models import Order, OrderLine, Product
from careloop.shops.models import Shop

BATCH_SIZE: Final = 200
ORDER_TYPES: Final = (
    events.ORDER_PLACED,
    events.ORDER_PAID,
    events.ORDER_DELIVERED,
    events.ORDER_RETURNED,
    events.ORDER_CANCELLED,
)
HANDLED_TYPES: Final = (*ORDER_TYPES, events.SURVEY_ANSWERED, events.REVIEW_POSTED)


def pending_events(
    session: Session, limit: int = BATCH_SIZE
) -> list[tuple[TimelineEvent, LoyaltyProgram]]:
    """Handled-type events recorded since the shop's program row began tracking, not yet
    processed by loyalty, oldest first."""
    stmt = (
        select(TimelineEvent, LoyaltyProgram)
        .join(LoyaltyProgram, LoyaltyProgram.shop_id == TimelineEvent.shop_id)
        .outerjoin(ProcessedEvent, ProcessedEvent.event_id == TimelineEvent.id)
        .where(
            ProcessedEvent.event_id.is_(None),
            TimelineEvent.type.in_(HANDLED_TYPES),
            TimelineEvent.customer_id.is_not(None),
            or_(
                TimelineEvent.recorded_at >= LoyaltyProgram.tracking_since,
                and_(
                    LoyaltyProgram.started_at.is_not(None),
                    TimelineEvent.occurred_at >= LoyaltyProgram.started_at,
                ),
            ),
        )
        .order_by(TimelineEvent.id)
        .limit(limit)
    )
    return [(event, program) for event, program in session.execute(stmt).all()]


def claim(session: Session, clock: Clock, event: TimelineEvent) -> bool:
    """Insert the processed marker; False if another worker already holds it."""
    dialect: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(ProcessedEvent)
        .values(event_id=event.id, shop_id=event.shop_id, processed_at=clock.now())
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(ProcessedEvent.event_id)
    )
    # RETURNING gives a row only when inserted (rowcount is unreliable through the ORM).
    return session.execute(stmt).scalar() is not None


def process_pending(session: Session, clock: Clock, limit: int = BATCH_SIZE) -> int:
    """Handle one batch; returns how many events were handled. Each event in a savepoint, so
    one bad event is marked and logged rather than blocking the queue."""
    done = 0
    for event, program in pending_events(session, limit):
        if not claim(session, clock, event):
            continue
        shop = session.get(Shop, event.shop_id)
        assert shop is not None
        try:
            with session.begin_nested():
                handle_event(session, clock, shop, program, event)
        except CareloopError:
            # A business rule refused (e.g. an expired coupon on an order): nothing to retry.
            pass
        done += 1
    return done


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
