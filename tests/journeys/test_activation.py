"""Safe activation (issue 16 items 3 and 6): a journey turned on enrols only what happens
from then on, or from a bounded catch-up window the owner chose; the page says first how
many customers it would message and when, and warns when no channel can carry it;
re-engagement never reaches customers gone longer than its upper bound."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.journeys.loader import PLAYBOOKS
from careloop.journeys.models import Journey, JourneyEnrollment
from careloop.journeys.service import activate_journey, save_journey
from careloop.shops.models import Shop
from tests.channels.helpers import configure
from tests.web.helpers import csrf_from, sign_in

from .conftest import World

REENGAGE = """key: comeback
name: Come back
trigger:
  inactivity_days: 60
reentry: not_while_active
steps:
  - id: note
    send: {channels: [email], template: test.note, kind: marketing}
"""


def _enrolled(world: World, key: str) -> int:
    with world.session() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(JourneyEnrollment)
                .where(JourneyEnrollment.journey_key == key)
            )
            or 0
        )


def _save(world: World, text: str, name: str) -> Journey:
    with world.session() as s, s.begin():
        return save_journey(
            session=s, clock=world.clock, shop=s.merge(world.shop), text=text, source_name=name
        )


def _turn_on(world: World, key: str, catch_up_days: int = 0) -> None:
    with world.session() as s, s.begin():
        activate_journey(
            session=s,
            clock=world.clock,
            shop=s.merge(world.shop),
            key=key,
            catch_up_days=catch_up_days,
        )


def test_past_orders_imported_after_go_live_get_no_golden_hours_messages(world: World) -> None:
    _save(world, (PLAYBOOKS / "golden_hours.yaml").read_text(), "golden_hours.yaml")
    _turn_on(world, "golden_hours")
    old, new = world.customer("old"), world.customer("new")
    world.order(old, "o-old", at=world.clock.now() - timedelta(days=5))
    world.work()
    assert _enrolled(world, "golden_hours") == 0

    world.order(new, "o-new")
    world.work()
    assert _enrolled(world, "golden_hours") == 1


def test_a_catch_up_window_enrols_only_what_happened_inside_it(world: World) -> None:
    _save(world, (PLAYBOOKS / "golden_hours.yaml").read_text(), "golden_hours.yaml")
    recent, older = world.customer("recent"), world.customer("older")
    world.order(recent, "o-recent", at=world.clock.now() - timedelta(days=2))
    world.order(older, "o-older", at=world.clock.now() - timedelta(days=10))
    _turn_on(world, "golden_hours", catch_up_days=3)
    world.work()
    assert _enrolled(world, "golden_hours") == 1


def test_re_engagement_skips_customers_gone_longer_than_its_upper_bound(world: World) -> None:
    """A journey turned on before enrol_from existed (None) still has the 60-180 day bound:
    the customer lapsed 525 days gets nothing."""
    saved = _save(world, REENGAGE, "comeback.yaml")
    with world.session() as s, s.begin():
        row = s.get_one(Journey, saved.id)
        row.status, row.enrol_from = "active", None
    now = world.clock.now()
    for ref, days in (("d70", 70), ("d200", 200), ("d525", 525)):
        world.order(world.customer(ref), f"o-{ref}", status="placed", at=now - timedelta(days=days))
    world.work()
    with world.session() as s:
        contexts = [e.context for e in s.scalars(select(JourneyEnrollment))]
    assert [c["days_inactive"] for c in contexts] == [70]


def test_re_engagement_turned_on_today_waits_for_customers_to_cross_60_days(world: World) -> None:
    _save(world, REENGAGE, "comeback.yaml")
    now = world.clock.now()
    world.order(world.customer("long"), "o1", status="placed", at=now - timedelta(days=90))
    world.order(world.customer("soon"), "o2", status="placed", at=now - timedelta(days=59))
    _turn_on(world, "comeback")
    world.work()
    assert _enrolled(world, "comeback") == 0
    world.days_later(1.5)
    with world.session() as s:
        contexts = [e.context for e in s.scalars(select(JourneyEnrollment))]
    assert [c["days_inactive"] for c in contexts] == [60]


def test_the_page_says_how_many_customers_a_catch_up_would_message_and_when(
    world: World, app_client: TestClient, make_staff: Callable[..., str]
) -> None:
    _save(world, (PLAYBOOKS / "golden_hours.yaml").read_text(), "golden_hours.yaml")
    for ref in ("a", "b"):
        world.order(world.customer(ref), f"o-{ref}", at=world.clock.now() - timedelta(days=2))
    sign_in(app_client, world.ctx, make_staff(world.shop), world.shop)

    now_only = app_client.get("/journeys/golden_hours").text
    with_catch_up = app_client.get("/journeys/golden_hours?catch_up=3").text

    assert "Will message nobody right away" in now_only
    assert "Will message 2 customers over the next 3 days." in with_catch_up
    assert "First messages from" in with_catch_up


def test_turning_on_a_journey_with_no_channel_set_up_warns_first_with_a_link(
    world: World, app_client: TestClient, make_staff: Callable[..., str]
) -> None:
    _save(world, (PLAYBOOKS / "golden_hours.yaml").read_text(), "golden_hours.yaml")
    sign_in(app_client, world.ctx, make_staff(world.shop), world.shop)
    page = app_client.get("/journeys/golden_hours")
    assert "set up zalo, sms, email first" in page.text

    warned = app_client.post(
        "/journeys/golden_hours/activate", data={"csrf_token": csrf_from(page)}
    )

    assert warned.status_code == 409
    assert '<a href="/settings/channels">Set up channels</a>' in warned.text
    assert "Turn on anyway" in warned.text
    assert 'data-testid="journey-status">draft<' in warned.text
    anyway = app_client.post(
        "/journeys/golden_hours/activate",
        data={"csrf_token": csrf_from(warned), "anyway": "1"},
    )
    assert 'data-testid="journey-status">active<' in anyway.text


def test_with_its_channel_set_up_the_journey_turns_on_without_a_warning(
    world: World, app_client: TestClient, make_staff: Callable[..., str], shop: Shop
) -> None:
    _save(world, REENGAGE, "comeback.yaml")
    configure(world.ctx, shop, "email", host="127.0.0.1", port=2525, from_address="care@shop.test")
    sign_in(app_client, world.ctx, make_staff(shop), shop)
    page = app_client.get("/journeys/comeback")
    assert 'data-testid="channels-not-ready"' not in page.text
    on = app_client.post("/journeys/comeback/activate", data={"csrf_token": csrf_from(page)})
    assert 'data-testid="journey-status">active<' in on.text
