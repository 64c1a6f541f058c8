"""Journeys' branch facts (journeys/facts.py) read loyalty and support through the ports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from careloop.core import ports
from careloop.core.ports import CustomerInsights, MissingPort
from careloop.customers.models import Customer
from careloop.journeys.facts import CustomerFacts
from careloop.support.desk_port import FakeInsights
from tests.unit.conftest import Fakes

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def _facts(session: Any) -> CustomerFacts:
    customer = Customer(id=7, shop_id=1, tags=["vip"])
    return CustomerFacts(session=session, customer=customer, now=NOW)


def test_branch_facts_read_points_tier_and_membership_from_rewards(
    fakes: Fakes, no_database: Any
) -> None:
    fakes.rewards.balances[7] = 1200
    fakes.rewards.tiers[7] = "gold"
    fakes.rewards.active_members.add(7)
    facts = _facts(no_database)
    assert facts("points") == 1200
    assert facts("tier") == "gold"
    assert facts("loyalty_active") is True
    assert facts("loyalty_on") is True
    assert facts("tags") == ["vip"]


def test_open_tickets_and_segment_come_from_customer_insights(
    fakes: Fakes, no_database: Any
) -> None:
    fakes.insights.open_counts[7] = 2
    fakes.insights.segments[7] = "champions"
    facts = _facts(no_database)
    assert facts("open_tickets") == 2
    assert facts("segment") == "champions"


def test_points_fact_without_a_rewards_provider_fails_loudly_instead_of_zero(
    no_database: Any,
) -> None:
    ports.reset()
    ports.provide(CustomerInsights, FakeInsights())
    with pytest.raises(MissingPort, match="Rewards"):
        _facts(no_database)("points")
    assert ports.port(CustomerInsights).open_tickets(no_database, shop_id=1, customer_id=7) == 0
