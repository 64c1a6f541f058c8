"""The shop's loyalty program row and member rows (creation, locking, settings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.db.upsert import insert_ignoring_duplicates
from careloop.loyalty.config import ProgramConfig, parse_config
from careloop.loyalty.models import LoyaltyMember, LoyaltyProgram


def get_program(session: Session, shop_id: int) -> LoyaltyProgram | None:
    return session.scalar(select(LoyaltyProgram).where(LoyaltyProgram.shop_id == shop_id))


def ensure_program(session: Session, clock: Clock, shop_id: int) -> LoyaltyProgram:
    program = get_program(session, shop_id)
    if program is None:
        row: dict[str, Any] = {
            "shop_id": shop_id,
            "enabled": False,
            "tracking_since": clock.now(),
            "config": {},
            "updated_at": clock.now(),
            "updated_by": "system",
        }
        insert_ignoring_duplicates(session, LoyaltyProgram.__table__, [row], ["shop_id"])  # type: ignore[arg-type]
        program = get_program(session, shop_id)
        assert program is not None
    return program


def program_config(session: Session, shop_id: int) -> ProgramConfig:
    """The shop's effective settings (defaults where it changed nothing)."""
    program = get_program(session, shop_id)
    return parse_config(program.config if program else {}, stored=True)


def is_running(session: Session, shop_id: int, at: datetime | None = None) -> bool:
    """Whether the program is on (and, given `at`, had started by then)."""
    program = get_program(session, shop_id)
    if program is None or not program.enabled or program.started_at is None:
        return False
    return at is None or at >= program.started_at


def lock_member(session: Session, clock: Clock, shop_id: int, customer_id: int) -> LoyaltyMember:
    """The customer's member row, created if new, locked for this transaction (PostgreSQL:
    FOR UPDATE) so that two postings for one customer are serialised and a balance check
    cannot race; SQLite serialises writers anyway."""
    now = clock.now()
    row = {
        "shop_id": shop_id,
        "customer_id": customer_id,
        "joined_at": now,
        "updated_at": now,
    }
    insert_ignoring_duplicates(
        session,
        LoyaltyMember.__table__,  # type: ignore[arg-type]
        [row],
        ["shop_id", "customer_id"],
    )
    member = session.scalar(
        select(LoyaltyMember)
        .where(LoyaltyMember.shop_id == shop_id, LoyaltyMember.customer_id == customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert member is not None
    return member


def find_member(session: Session, shop_id: int, customer_id: int) -> LoyaltyMember | None:
    return session.scalar(
        select(LoyaltyMember).where(
            LoyaltyMember.shop_id == shop_id, LoyaltyMember.customer_id == customer_id
        )
    )
