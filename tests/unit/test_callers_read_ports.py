"""Feedback, channels, support and journeys' warranty dates against in-memory ports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from careloop.channels.render_context import _loyalty
from careloop.core import ports
from careloop.core.clock import VirtualClock
from careloop.core.ports import MissingPort, TicketFacts, TicketText
from careloop.customers.models import Customer, TimelineEvent
from careloop.feedback import insights, review_asks
from careloop.feedback import service as feedback
from careloop.feedback.models import Review
from careloop.journeys.scan import WarrantyDates
from careloop.shops.models import Shop
from careloop.support.peers import entitlements_of
from tests.unit.conftest import Fakes

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def _shop(**settings: Any) -> Shop:
    return Shop(id=1, slug="demo", name="Demo", currency="VND", locale="vi", settings=settings)


def test_a_message_shows_the_points_and_tier_rewards_gives(fakes: Fakes, no_database: Any) -> None:
    fakes.rewards.balances[7] = 340
    fakes.rewards.tiers[7] = "silver"
    assert _loyalty(no_database, _shop(), Customer(id=7, shop_id=1)) == {
        "points": 340,
        "tier": "silver",
    }


def test_a_message_needing_points_with_no_rewards_provider_fails_loudly(no_database: Any) -> None:
    ports.reset()
    with pytest.raises(MissingPort, match=r"Rewards.*careloop\.channels\.render_context"):
        _loyalty(no_database, _shop(), Customer(id=7, shop_id=1))


def test_a_double_warranty_privilege_doubles_the_warranty(fakes: Fakes, no_database: Any) -> None:
    fakes.rewards.privileges[7] = {"double_warranty"}
    dates = WarrantyDates(no_database, 1, NOW)
    assert dates.ends(7, date(2026, 1, 1), 30, NOW) == date(2026, 3, 2)
    assert dates.ends(8, date(2026, 1, 1), 30, NOW) == date(2026, 1, 31)


def test_the_desk_reads_privileges_through_rewards(fakes: Fakes, no_database: Any) -> None:
    fakes.rewards.privileges[7] = {"priority_support"}
    held = entitlements_of(session=no_database, shop_id=1, customer_id=7, now=NOW)
    assert held == {"priority_support"}


def test_a_survey_answer_earns_the_thank_you_coupon_once(fakes: Fakes, no_database: Any) -> None:
    shop = _shop(feedback={"reward_percent": 10})
    for _ in range(2):
        feedback._reward(no_database, VirtualClock(NOW), shop, 7, "nps:7:1")
    assert list(fakes.rewards.coupons) == ["survey-reward:nps:7:1"]
    assert fakes.rewards.coupon_requests["survey-reward:nps:7:1"]["percent_off"] == 10
    assert feedback.reward_code(no_database, 1, "nps:7:1") == "FAKE1"


def test_no_reward_percent_issues_no_coupon(fakes: Fakes, no_database: Any) -> None:
    feedback._reward(no_database, VirtualClock(NOW), _shop(), 7, "nps:7:1")
    assert fakes.rewards.coupons == {}


def test_a_bad_review_puts_a_reply_task_due_by_its_deadline(fakes: Fakes) -> None:
    due = NOW + timedelta(hours=2)
    review = Review(review_id="G-1", rating=1, platform="google", text="Tệ", respond_by=due)
    feedback._urgent_reply_task(
        None,  # type: ignore[arg-type]
        VirtualClock(NOW),
        _shop(),
        review,
        Customer(id=7, shop_id=1, name="Nguyễn Thị Mai"),
    )
    task = fakes.tasks.tasks["review-reply:G-1"]
    assert (task["kind"], task["due_at"], task["customer_id"]) == ("reply_review", due, 7)


def test_a_resolved_ticket_not_from_negative_feedback_asks_for_no_review_update(
    fakes: Fakes, no_database: Any
) -> None:
    fakes.desk.tickets[5] = TicketFacts(
        id=5,
        customer_id=7,
        status="resolved",
        source="email",
        source_event_key=None,
        from_negative_feedback=False,
        csat_score=5,
        created_at=NOW,
        resolved_at=NOW,
    )
    event = TimelineEvent(
        shop_id=1, customer_id=7, type="ticket.resolved", payload={"ticket_id": 5}
    )
    review_asks._after_resolution(no_database, VirtualClock(NOW), _shop(), event)


def test_feedback_themes_read_ticket_subjects_from_the_desk(fakes: Fakes, no_database: Any) -> None:
    fakes.desk.texts = [
        TicketText(id=3, subject="Giao hàng chậm", created_at=NOW),
        TicketText(id=4, subject="old", created_at=NOW - timedelta(days=90)),
    ]
    found = insights._ticket_texts(
        no_database, 1, NOW - timedelta(days=30), NOW + timedelta(days=1)
    )
    assert [(f.source, f.ref, f.text.strip()) for f in found] == [
        ("ticket", "ticket:3", "Giao hàng chậm")
    ]
