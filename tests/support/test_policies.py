from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.shops.models import Shop
from careloop.support import service
from careloop.support.clocks import sla_state
from careloop.support.config import (
    install_default_policies,
    set_sla_policy,
    sla_rules,
    support_settings,
)
from careloop.support.sla import DEFAULT_RULES
from tests.support.factories import make_customer


@pytest.fixture
def desk(session: Session, shop: Shop) -> Session:
    session.begin()
    return session


def _ticket_target(desk: Session, ctx: AppContext, shop: Shop, **kw: object) -> timedelta:
    lan = make_customer(desk, ctx, shop)
    ticket = service.open_ticket(
        session=desk,
        clock=ctx.clock,
        shop=shop,
        customer_id=lan.id,
        subject="Hỏi",
        body="xin chào",
        **kw,  # type: ignore[arg-type]
    )
    return sla_state(desk, shop, ticket, ctx.clock.now()).first_response.target


def test_a_shop_without_rules_uses_the_seed_defaults(desk: Session, shop: Shop) -> None:
    assert sla_rules(desk, shop.id) == DEFAULT_RULES


def test_installed_defaults_behave_like_the_built_in_ones(
    desk: Session, ctx: AppContext, shop: Shop
) -> None:
    shop = desk.merge(shop)
    assert install_default_policies(session=desk, clock=ctx.clock, shop=shop) == len(DEFAULT_RULES)
    assert [r.policy.first_response for r in sla_rules(desk, shop.id)] == [
        r.policy.first_response for r in DEFAULT_RULES
    ]
    assert _ticket_target(desk, ctx, shop, priority="urgent") == timedelta(hours=1)


def test_a_shop_rule_for_urgent_tickets_replaces_the_default(
    desk: Session, ctx: AppContext, shop: Shop
) -> None:
    shop = desk.merge(shop)
    install_default_policies(session=desk, clock=ctx.clock, shop=shop)
    set_sla_policy(
        session=desk,
        clock=ctx.clock,
        shop=shop,
        name="urgent",
        first_response_minutes=15,
        next_response_minutes=30,
        resolution_minutes=240,
        priorities=["urgent"],
    )
    assert _ticket_target(desk, ctx, shop, priority="urgent") == timedelta(minutes=15)
    assert _ticket_target(desk, ctx, shop) == timedelta(hours=8, minutes=30)


def test_priority_support_entitlement_from_loyalty_answers_within_four_hours(
    desk: Session, ctx: AppContext, shop: Shop
) -> None:
    entitlements = pytest.importorskip("careloop.loyalty.entitlements")
    shop = desk.merge(shop)
    lan = make_customer(desk, ctx, shop)
    entitlements.grant_entitlement(
        session=desk,
        clock=ctx.clock,
        shop_id=shop.id,
        customer_id=lan.id,
        key="priority_support",
        source="test",
        idempotency_key="ps",
    )
    ticket = service.open_ticket(
        session=desk, clock=ctx.clock, shop=shop, customer_id=lan.id, subject="Hỏi", body="?"
    )
    assert ticket.sla_policy == "priority_support"


def test_bad_rules_and_settings_name_the_field(desk: Session, ctx: AppContext, shop: Shop) -> None:
    shop = desk.merge(shop)
    with pytest.raises(ValidationFailed) as caught:
        set_sla_policy(
            session=desk,
            clock=ctx.clock,
            shop=shop,
            name="x",
            first_response_minutes=0,
            next_response_minutes=10,
            resolution_minutes=10,
            priorities=["asap"],
        )
    assert {e.field for e in caught.value.errors} == {"priorities", "first_response_minutes"}
    shop.settings = {"support": {"calendar": {"timezone": "Mars/Base"}, "colour": "red"}}
    with pytest.raises(ValidationFailed) as caught:
        support_settings(shop)
    fields = {e.field for e in caught.value.errors}
    assert "support.colour" in fields
    assert any(f.startswith("support.calendar.") for f in fields)


def test_a_shop_calendar_from_settings_governs_its_tickets(
    desk: Session, ctx: AppContext, shop: Shop
) -> None:
    shop = desk.merge(shop)
    # Open only weekday afternoons: a Monday 10:00 ticket starts counting at 13:00.
    shop.settings = {
        "support": {
            "calendar": {
                "timezone": "Asia/Ho_Chi_Minh",
                "weekly_hours": {d: ["13:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            }
        }
    }
    lan = make_customer(desk, ctx, shop)
    ticket = service.open_ticket(
        session=desk,
        clock=ctx.clock,
        shop=shop,
        customer_id=lan.id,
        subject="Quá tệ",
        body="bực mình",
    )
    due = sla_state(desk, shop, ticket, ctx.clock.now()).first_response.due_at
    assert due is not None and due.isoformat() == "2026-11-02T08:00:00+00:00"  # 15:00 local
