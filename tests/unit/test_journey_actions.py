"""Journey action steps (journeys/effects.py LiveEffects.action) ask the ports: a coupon
from Rewards with the programme's terms, points, a staff task, a ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.journeys.effects import LiveEffects
from careloop.shops.models import Shop
from tests.unit.conftest import Fakes

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
SHOP = Shop(id=1, slug="demo", name="Demo", currency="VND", settings={})
CUSTOMER = Customer(id=7, shop_id=1)


def _act(session: Any, name: str, params: dict[str, Any], key: str = "e1:s1") -> dict[str, Any]:
    return LiveEffects().action(session, VirtualClock(NOW), name, SHOP, CUSTOMER, params, key)


def test_a_percent_coupon_step_takes_the_programmes_cap_and_minimum_order(
    fakes: Fakes, no_database: Any
) -> None:
    fakes.rewards.terms = (50_000_00, 200_000_00)
    result = _act(no_database, "issue_coupon", {"percent_off": 10, "reason": "birthday"})
    asked = fakes.rewards.coupon_requests["e1:s1"]
    assert asked["max_discount_minor"] == 50_000_00
    assert asked["min_order_minor"] == 200_000_00
    assert result["code"] == "FAKE1"
    assert result["percent_off"] == 10
    assert result["expires_at"] == (NOW + timedelta(days=30)).isoformat()


def test_a_step_that_sets_its_own_cap_keeps_it(fakes: Fakes, no_database: Any) -> None:
    fakes.rewards.terms = (50_000_00, 200_000_00)
    _act(no_database, "issue_coupon", {"percent_off": 10, "reason": "x", "max_discount_minor": 1})
    assert fakes.rewards.coupon_requests["e1:s1"]["max_discount_minor"] == 1


def test_a_retried_coupon_step_gets_the_same_coupon(fakes: Fakes, no_database: Any) -> None:
    first = _act(no_database, "issue_coupon", {"amount_off_minor": 20_000_00, "reason": "x"})
    again = _act(no_database, "issue_coupon", {"amount_off_minor": 20_000_00, "reason": "x"})
    assert first["code"] == again["code"]
    assert len(fakes.rewards.coupons) == 1


def test_an_add_points_step_credits_the_customer_once(fakes: Fakes, no_database: Any) -> None:
    for _ in range(2):
        assert _act(no_database, "add_points", {"points": 50, "reason": "journey"}) == {
            "points": 50
        }
    assert fakes.rewards.balances[7] == 50


def test_task_and_ticket_steps_go_to_the_support_desk(fakes: Fakes, no_database: Any) -> None:
    task = _act(
        no_database,
        "create_task",
        {"kind": "call", "title": "Call Mai", "body": "", "due_at": NOW, "source": "journey:x"},
    )
    ticket = _act(no_database, "open_ticket", {"subject": "Broken", "body": "", "priority": "high"})
    assert task == {"task_id": 1}
    assert fakes.tasks.tasks["e1:s1"]["title"] == "Call Mai"
    assert ticket == {"ticket_id": 1}
    assert fakes.desk.tickets[1].source_event_key == "e1:s1"
