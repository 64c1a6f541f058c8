from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from careloop.channels.log import event_payload
from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.timeline import record_event
from careloop.journeys.service import save_journey
from careloop.journeys.shipped import catalogue
from careloop.metrics.report import review_body, review_document
from careloop.segments.service import recompute_segments
from careloop.shops.models import Shop
from tests.segments.factories import add_buyer


def test_the_monthly_review_is_one_printable_file_with_charts_and_no_scripts(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    oct5 = datetime.fromisoformat("2026-10-05T04:00+00:00")
    with ctx.sessions() as s, s.begin():
        a = add_buyer(s, shop, "A", [(oct5 - timedelta(days=60), 500_000), (oct5, 400_000)])
        add_buyer(s, shop, "B", [(oct5 - timedelta(days=30), 100_000)])
        for i in range(3):
            record_event(
                session=s,
                clock=clock,
                shop_id=shop.id,
                customer_id=a.id,
                type="ticket.opened",
                occurred_at=oct5,
                event_key=f"t{i}",
                payload={"ticket_id": i, "category": "late delivery" if i else "damaged"},
            )
        record_event(
            session=s,
            clock=clock,
            shop_id=shop.id,
            customer_id=a.id,
            type="review.posted",
            occurred_at=oct5,
            payload={"rating": 1},
        )
        recompute_segments(session=s, clock=clock, shop=s.merge(shop), with_clv=False)
        html = review_document(session=s, shop=s.merge(shop), month="2026-10")
    assert html.startswith("<!doctype html>")
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert html.count("<svg") == 2
    assert "Customer A" in html and "opened a ticket" in html
    assert "Repeat purchase rate" in html and "September 2026" in html


def test_the_review_body_is_a_fragment_the_staff_ui_can_embed(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s:
        body = review_body(session=s, shop=shop, month="2026-10")
    assert body.startswith("<section") and "<html" not in body
    assert "No one stands out this month." in body


def test_the_reviews_journey_funnel_names_steps_by_day_and_label_not_by_id(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    """Golden Hours' `usage_guide` step waits until day 3 (playbooks/journeys/
    golden_hours.yaml): the funnel row reads "Ngày 3 — Hướng dẫn sử dụng"; a shop's own
    step (no catalogue name) reads as its words, never as a raw id with underscores."""
    oct5 = datetime.fromisoformat("2026-10-05T04:00+00:00")
    with ctx.sessions() as s, s.begin():
        a = add_buyer(s, shop, "A", [(oct5, 400_000)])
        sends = [("golden_hours", "usage_guide"), ("my_journey", "tet_greeting")]
        for n, (journey, step) in enumerate(sends, start=1):
            message = Message(
                id=n, channel="email", template_key="t", journey_key=journey, step_key=step
            )
            record_event(
                session=s,
                clock=clock,
                shop_id=shop.id,
                customer_id=a.id,
                type="message.sent",
                occurred_at=oct5,
                event_key=f"m{n}",
                payload=event_payload(message),
            )
    with ctx.sessions() as s:
        vi = review_body(session=s, shop=shop, month="2026-10", locale="vi")
        en = review_body(session=s, shop=shop, month="2026-10", locale="en")
    assert "<td>Ngày 3 — Hướng dẫn sử dụng</td>" in vi
    assert "<td>tet greeting</td>" in vi
    assert "usage_guide" not in vi
    assert "<td>Day 3 — Usage guide</td>" in en


def test_a_step_the_shop_moved_to_day_4_reads_day_4_in_the_review(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    """The day comes from the shop's own newest version of the journey (here: the usage
    guide moved from Day 3 to Day 4), not from the file Careloop ships."""
    shipped = next(j for j in catalogue() if j.key == "golden_hours")
    moved = shipped.text.replace("until_day: 3,", "until_day: 4,", 1)
    oct5 = datetime.fromisoformat("2026-10-05T04:00+00:00")
    with ctx.sessions() as s, s.begin():
        save_journey(
            session=s, clock=clock, shop=s.merge(shop), text=moved, source_name="golden_hours"
        )
        a = add_buyer(s, shop, "A", [(oct5, 400_000)])
        _sent(s, clock, shop, a.id, "email", "golden_hours", "usage_guide", oct5)
    with ctx.sessions() as s:
        vi = review_body(session=s, shop=shop, month="2026-10", locale="vi")
    assert "<td>Ngày 4 — Hướng dẫn sử dụng</td>" in vi
    assert "Ngày 3 — Hướng dẫn sử dụng" not in vi


def test_a_step_of_the_shops_own_journey_reads_as_words_in_the_review(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    """A step id Careloop never shipped (`cam_on_zalo`) is described from the shop's own
    definition, in the reader's language, never shown as the id with spaces."""
    own = """
key: cam_on
name: Cảm ơn khách
trigger: {event: order.paid}
steps:
  - id: cho_ngay_2
    wait: {until_day: 2, at: "09:00"}
  - id: cam_on_zalo
    send: {channels: [zalo], template: golden_hours.thank_you, kind: transactional}
"""
    oct5 = datetime.fromisoformat("2026-10-05T04:00+00:00")
    with ctx.sessions() as s, s.begin():
        save_journey(session=s, clock=clock, shop=s.merge(shop), text=own, source_name="cam_on")
        a = add_buyer(s, shop, "A", [(oct5, 400_000)])
        _sent(s, clock, shop, a.id, "zalo", "cam_on", "cam_on_zalo", oct5)
    with ctx.sessions() as s:
        vi = review_body(session=s, shop=shop, month="2026-10", locale="vi")
        en = review_body(session=s, shop=shop, month="2026-10", locale="en")
    assert "cam on zalo" not in vi and "cam on zalo" not in en
    assert "Ngày 2 — Gửi Zalo" in vi
    assert "Day 2 — Send Zalo: " in en


def _sent(
    s: Session,
    clock: VirtualClock,
    shop: Shop,
    customer_id: int,
    channel: str,
    journey_key: str,
    step_key: str,
    at: datetime,
) -> None:
    """A journey step's message on the customer's timeline as sent at `at`."""
    message = Message(
        id=1, channel=channel, template_key="t", journey_key=journey_key, step_key=step_key
    )
    record_event(
        session=s,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type="message.sent",
        occurred_at=at,
        event_key="m1",
        payload=event_payload(message),
    )
