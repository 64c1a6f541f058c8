from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from careloop.customers import event_feed
from careloop.customers.models import TimelineEvent
from careloop.journeys.dispatch import CONSUMER
from careloop.journeys.models import JourneyEnrollment
from tests.journeys.conftest import World, messages_of


def sent(world: World, customer) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [
        (m.template_key, m.channel or "", m.status)
        for m in messages_of(world, customer)
        if m.status not in ("suppressed", "deferred")
    ]


def test_a_delivered_order_gets_the_day_0_thank_you_on_zalo_within_minutes(world: World) -> None:
    world.install("golden_hours")
    mai = world.customer()
    world.order(mai)
    world.work()
    (message,) = messages_of(world, mai)
    assert message.template_key == "golden_hours.thank_you"
    assert message.channel_chain == ["zalo", "sms"]
    assert message.kind == "transactional"
    assert message.idempotency_key.startswith("enr:") and message.idempotency_key.endswith(
        ":thank_you"
    )
    assert message.created_at - world.clock.now() < timedelta(minutes=5)


def test_a_customer_who_ignores_the_guide_gets_the_zalo_reminder_and_then_the_better_ask(
    world: World,
) -> None:
    world.install("golden_hours")
    mai = world.customer()
    delivered = world.clock.now()
    world.order(mai)
    world.run_until(delivered + timedelta(days=3, hours=1))
    assert [t for t, _, _ in sent(world, mai)] == [
        "golden_hours.thank_you",
        "golden_hours.usage_guide",
    ]
    assert sent(world, mai)[1][1] == "email"

    world.days_later(1.1)  # not opened within 24 h
    assert sent(world, mai)[-1][:2] == ("golden_hours.usage_guide_reminder", "zalo")

    world.run_until(delivered + timedelta(days=7, hours=3))
    assert sent(world, mai)[-1][0] == "golden_hours.feedback_survey"

    world.event(mai, "survey.answered", {"kind": "nps", "score": 4})
    world.run_until(delivered + timedelta(days=15))
    assert [t for t, _, _ in sent(world, mai)] == [
        "golden_hours.thank_you",
        "golden_hours.usage_guide",
        "golden_hours.usage_guide_reminder",
        "golden_hours.feedback_survey",
        "golden_hours.how_can_we_do_better",
    ]
    with world.session() as s:
        enrollment = s.scalars(select(JourneyEnrollment)).one()
    assert enrollment.status == "done"


def test_a_happy_customer_who_opened_the_guide_is_asked_for_a_review(world: World) -> None:
    world.install("golden_hours")
    an = world.customer("c2", name="An Tran")
    delivered = world.clock.now()
    world.order(an, "o2")
    world.run_until(delivered + timedelta(days=3, hours=1))
    guide = next(m for m in messages_of(world, an) if m.template_key == "golden_hours.usage_guide")
    world.clock.advance(timedelta(hours=2))
    world.event(an, "message.opened", {"message_id": guide.id, "channel": "email"})
    world.work()

    world.run_until(delivered + timedelta(days=8))
    world.event(an, "survey.answered", {"kind": "csat", "score": 5})
    world.run_until(delivered + timedelta(days=15))
    assert [t for t, _, _ in sent(world, an)] == [
        "golden_hours.thank_you",
        "golden_hours.usage_guide",
        "golden_hours.feedback_survey",
        "golden_hours.review_request",
    ]


def test_an_open_ticket_means_no_review_request_even_with_a_high_score(world: World) -> None:
    world.install("golden_hours")
    bao = world.customer("c3")
    delivered = world.clock.now()
    world.order(bao, "o3")
    world.run_until(delivered + timedelta(days=8))
    world.event(bao, "survey.answered", {"kind": "nps", "score": 10})
    from careloop.support.service import open_ticket

    with world.session() as s, s.begin():
        open_ticket(
            session=s,
            clock=world.clock,
            shop=s.merge(world.shop),
            customer_id=bao.id,
            subject="Broken grinder",
            body="It stopped working",
        )
    world.run_until(delivered + timedelta(days=15))
    assert sent(world, bao)[-1][0] == "golden_hours.how_can_we_do_better"


def test_a_privacy_proxy_open_does_not_count_as_reading_the_guide(world: World) -> None:
    world.install("golden_hours")
    chi = world.customer("c4")
    delivered = world.clock.now()
    world.order(chi, "o4")
    world.run_until(delivered + timedelta(days=3, hours=1))
    guide = next(m for m in messages_of(world, chi) if m.template_key == "golden_hours.usage_guide")
    world.event(chi, "message.opened", {"message_id": guide.id, "machine": True})
    world.days_later(1.1)
    assert sent(world, chi)[-1][0] == "golden_hours.usage_guide_reminder"


def test_a_returned_order_ends_the_golden_hours(world: World) -> None:
    world.install("golden_hours")
    dung = world.customer("c5")
    world.order(dung, "o5")
    world.work()
    world.clock.advance(timedelta(days=1))
    world.order(dung, "o5", status="returned")
    world.days_later(20)
    assert [t for t, _, _ in sent(world, dung)] == ["golden_hours.thank_you"]
    with world.session() as s:
        enrollment = s.scalars(select(JourneyEnrollment)).one()
        assert enrollment.status == "exited"
        assert enrollment.exit_reason == "event order.returned"
        # Journeys' cursor on the event feed has passed every event (none left unread).
        position, gaps = event_feed.position(s, CONSUMER)
        assert position == s.scalar(select(func.max(TimelineEvent.id))) and gaps == []


def test_a_shop_asking_per_product_gets_no_per_order_review_request_from_the_journey(
    world: World,
) -> None:
    world.shop.settings = {
        **(world.shop.settings or {}),
        "feedback": {"review_requests": "per_product"},
    }
    with world.session() as s, s.begin():
        s.merge(world.shop)
    world.install("golden_hours")
    chi = world.customer("c9")
    delivered = world.clock.now()
    world.order(chi, "o9")
    world.run_until(delivered + timedelta(days=8))
    world.event(chi, "survey.answered", {"kind": "csat", "score": 5})
    world.run_until(delivered + timedelta(days=15))
    templates = [t for t, _, _ in sent(world, chi)]
    assert "golden_hours.review_request" not in templates
    assert "golden_hours.how_can_we_do_better" not in templates
