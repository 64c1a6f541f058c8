"""The loyalty capability's public service functions (what journeys, support and the UI call)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import ValidationFailed
from careloop.customers.models import Customer
from careloop.loyalty import points as _points
from careloop.loyalty.config import ProgramConfig, merge_settings, min_tier_errors, parse_config
from careloop.loyalty.coupons import issue_coupon, redeem_coupon
from careloop.loyalty.economics import coupon_terms
from careloop.loyalty.entitlements import (
    active_entitlements,
    warranty_ends,
    warranty_privileges,
)
from careloop.loyalty.membership import (
    apply_tier_edit,
    backfill_tiers,
    current_tier,
    is_active_member,
    program_on,
)
from careloop.loyalty.points import points_balance
from careloop.loyalty.processing import backfill_started
from careloop.loyalty.program import ensure_program, program_config
from careloop.shops.models import Shop

__all__ = [
    "active_entitlements",
    "add_points",
    "current_tier",
    "enable_program",
    "is_active_member",
    "issue_coupon",
    "percent_code_terms",
    "points_balance",
    "program_config",
    "program_on",
    "redeem_coupon",
    "update_settings",
    "warranty_ends",
    "warranty_privileges",
]


def percent_code_terms(*, session: Session, shop: Shop) -> tuple[int | None, int]:
    """The programme's cap and minimum order for a percent code issued outside the
    catalogue (journeys), in minor units."""
    terms = coupon_terms(program_config(session, shop.id), shop.currency)
    return terms.max_discount_minor, terms.min_order_minor


def add_points(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    points: int,
    reason: str,
    idempotency_key: str,
) -> None:
    """Give the customer bonus points (they expire per the program); idempotent on the key."""
    _points.credit(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer.id,
        points=points,
        reason=reason,
        idempotency_key=idempotency_key,
    )


def enable_program(*, session: Session, clock: Clock, shop: Shop, actor: str = "system") -> int:
    """Start (or restart) the program: tiers are backfilled from the order history that
    already exists; points are earned from now on. Returns how many members got a tier."""
    program = ensure_program(session, clock, shop.id)
    now = clock.now()
    if not program.enabled:
        program.enabled = True
        first_start = program.started_at is None
        program.started_at = program.started_at or now
        program.updated_at, program.updated_by = now, actor
        session.flush()
        if first_start:
            # What the event feed passed before the program existed (decision 0028).
            backfill_started(session, clock, program)
    session.flush()
    return backfill_tiers(session=session, clock=clock, shop=shop)


def disable_program(*, session: Session, clock: Clock, shop: Shop, actor: str = "system") -> None:
    program = ensure_program(session, clock, shop.id)
    program.enabled = False
    program.updated_at, program.updated_by = clock.now(), actor


def update_settings(
    *, session: Session, clock: Clock, shop: Shop, changes: dict[str, Any], actor: str
) -> ProgramConfig:
    """Change some settings (validated as a whole; a bad key changes nothing)."""
    program = ensure_program(session, clock, shop.id)
    previous = program_config(session, shop.id)
    merged = merge_settings(program.config, changes)
    # Rewards saved before names were checked stay readable until the shop edits them.
    config = parse_config(merged, stored="rewards" not in changes)
    if ("tiers" in changes or "rewards" in changes) and (stale := min_tier_errors(config)):
        raise ValidationFailed(stale)
    program.config = merged
    program.updated_at, program.updated_by = clock.now(), actor
    apply_tier_edit(session=session, clock=clock, shop=shop, previous=previous, config=config)
    return config
