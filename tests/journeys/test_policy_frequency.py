"""Issue 4.9: the customer's "how often" from the preference centre is a tighter cap than
the shop's, named `customer_frequency` when it holds a message back."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels import links
from careloop.channels.models import Message
from careloop.channels.policy import (
    RULE_CUSTOMER_FREQUENCY,
    RULE_WINDOW_CAP,
    ContactPolicy,
    Sent,
    history_days,
)
from careloop.context import AppContext
from tests.channels.test_policy import MORNING, marketing
from tests.journeys.conftest import World, messages_of

DAY = timedelta(days=1)


def test_a_monthly_customer_gets_one_marketing_message_in_30_days_where_the_shop_allows_two() -> (
    None
):
    history = [Sent(MORNING - 10 * DAY, "marketing")]
    assert marketing(history=history).action == "send"
    held = marketing(history=history, frequency="monthly")
    assert (held.action, held.rule) == ("suppress", RULE_CUSTOMER_FREQUENCY)
    assert "monthly" in held.detail


def test_a_quarterly_customer_counts_90_days_back() -> None:
    history = [Sent(MORNING - 80 * DAY, "marketing")]
    assert marketing(history=history, frequency="monthly").action == "send"
    held = marketing(history=history, frequency="quarterly")
    assert held.rule == RULE_CUSTOMER_FREQUENCY
    later = marketing(at=MORNING + 11 * DAY, history=history, frequency="quarterly")
    assert later.action == "send"


def test_the_customer_frequency_defers_like_the_shop_window_when_the_shop_defers() -> None:
    policy = ContactPolicy(on_window_cap="defer")
    history = [Sent(MORNING - 10 * DAY, "service")]
    held = marketing(history=history, policy=policy, frequency="monthly")
    assert (held.action, held.rule, held.until) == (
        "defer",
        RULE_CUSTOMER_FREQUENCY,
        MORNING + 20 * DAY,
    )


def test_normal_and_unknown_frequencies_leave_the_shop_caps_in_charge() -> None:
    two = [Sent(MORNING - 10 * DAY, "marketing"), Sent(MORNING - 5 * DAY, "marketing")]
    for frequency in ("normal", "sometimes"):
        assert marketing(history=two, frequency=frequency).rule == RULE_WINDOW_CAP


def test_order_news_and_uncapped_classes_ignore_the_customer_frequency() -> None:
    history = [Sent(MORNING - 2 * DAY, "marketing")]
    for kind in ("transactional", "service"):
        assert marketing(kind=kind, history=history, frequency="quarterly").action == "send"


def test_a_customer_who_chose_only_important_gets_no_marketing_but_still_gets_care() -> None:
    held = marketing(history=[], frequency="important")
    assert (held.action, held.rule) == ("suppress", RULE_CUSTOMER_FREQUENCY)
    for kind in ("transactional", "service"):
        assert marketing(kind=kind, history=[], frequency="important").action == "send"


def test_the_runner_reads_enough_history_for_the_longest_window() -> None:
    assert history_days(ContactPolicy()) == 91
    assert history_days(ContactPolicy(window_days=120)) == 121


PROMO = """\
key: promo
name: Promo
trigger: {event: app.promo}
steps:
  - id: offer
    send: {channels: [email], template: test.note, kind: marketing}
"""


def _prefs_url(ctx: AppContext, world: World, customer_id: int) -> str:
    token = links.sign(ctx.secret_key, "preferences", {"s": world.shop.id, "c": customer_id})
    return f"/c/prefs/{token}"


def test_a_customer_who_chose_monthly_in_the_preference_centre_gets_one_promo_a_month(
    ctx: AppContext, world: World, app_client: TestClient
) -> None:
    world.install(text=PROMO)
    monthly = world.customer("m1", email="m1@example.com")
    normal = world.customer("n1", email="n1@example.com")
    saved = app_client.post(
        _prefs_url(ctx, world, monthly.id), data={"channel": ["email"], "frequency": "monthly"}
    )
    assert saved.status_code == 200

    for n, days in enumerate((0, 10)):
        world.days_later(days)
        for who in (monthly, normal):
            world.event(who, "app.promo", {"n": n})
        world.days_later(0)

    got = {c.external_id: messages_of(world, c) for c in (monthly, normal)}
    assert [m.status for m in got["n1"]] == ["queued", "queued"]
    first, second = got["m1"]
    assert (first.status, first.reason) == ("queued", None)
    assert second.status == "suppressed" and RULE_CUSTOMER_FREQUENCY in (second.reason or "")
    with world.session() as s:
        suppressed = s.scalars(
            select(Message.reason).where(
                Message.shop_id == world.shop.id, Message.status == "suppressed"
            )
        ).all()
    assert len(suppressed) == 1
