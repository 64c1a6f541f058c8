"""Timeline entries and staff task titles that journeys, feedback, loyalty and community write
in English are shown to a Vietnamese reader in Vietnamese (issue 17 item 1): each capability
registers a renderer (core/timeline_text.py, support/task_text.py) that builds the line from
the stored payload or recognises the stored line, and English readers see the same facts in
English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from careloop.channels.log import event_payload
from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.core import events
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.journeys.task_lines import SHIPPED_TASK_LINES
from careloop.shops.models import Shop
from careloop.support.task_text import task_text
from careloop.web.app import create_app
from tests.web.helpers import add_customer, sign_in


def _record(ctx: AppContext, shop: Shop, customer: Customer, type_: str, **payload: Any) -> None:
    """An event with the payload its writer stores (the English summary is what the row keeps)."""
    with ctx.sessions() as s, s.begin():
        record_event(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=customer.id,
            type=type_,
            payload=payload,
            summary="stored English summary",
        )


def _page(ctx: AppContext, shop: Shop, email: str, locale: str, path: str) -> str:
    with TestClient(create_app(ctx)) as client:
        sign_in(client, ctx, email, shop, locale=locale)
        response = client.get(path)
        assert response.status_code == 200
        return response.text


def test_a_journeys_message_entry_reads_in_vietnamese(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    message = Message(
        id=7,
        channel="email",
        template_key="golden_hours.usage_guide",
        journey_key="golden_hours",
        step_key="usage_guide",
        kind="service",
    )
    _record(ctx, shop, customer, events.MESSAGE_SENT, **event_payload(message))
    path = f"/customers/{customer.id}"

    vi = _page(ctx, shop, make_staff(shop), "vi", path)
    en = _page(ctx, shop, make_staff(shop, email="en@acme.test"), "en", path)

    # The message by its catalogue name, not its template key.
    assert "Hướng dẫn sử dụng qua Email: đã gửi" in vi
    assert "stored English summary" not in vi
    assert "Usage guide via Email: sent" in en


def test_feedback_entries_read_in_vietnamese(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    _record(ctx, shop, customer, events.SURVEY_ANSWERED, kind="nps", score=9, response_id=1)
    _record(ctx, shop, customer, events.REVIEW_POSTED, review_id="G-1", rating=2, platform="google")
    _record(ctx, shop, customer, events.REVIEW_RESPONDED, review_id="G-1", late=True)

    vi = _page(ctx, shop, make_staff(shop), "vi", f"/customers/{customer.id}")

    assert "Trả lời khảo sát NPS: 9" in vi
    assert "Đánh giá 2★ trên google" in vi
    assert "Đã đăng phản hồi công khai (trễ hạn)" in vi
    assert "stored English summary" not in vi


def test_feedbacks_review_reply_task_reads_in_vietnamese_on_the_task_list(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    clock: VirtualClock,
) -> None:
    """A 2★ review makes feedback write its English task title; the task list shows it in
    the Vietnamese owner's language."""
    api.post("/api/v1/customers", json={"customer_id": "C-1", "name": "An", "locale": "vi"})
    posted = api.post(
        "/api/v1/reviews",
        json={
            "review_id": "G-2",
            "customer_id": "C-1",
            "platform": "google",
            "rating": 2,
            "text": "Giao chậm",
            "posted_at": (clock.now() - timedelta(minutes=5)).isoformat(),
        },
    )
    assert posted.status_code in (200, 201), posted.text
    del app_client.headers["Authorization"]
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    tasks = app_client.get("/tasks").text

    assert "Phản hồi công khai trong 2 giờ đánh giá 2★ trên google" in tasks
    assert "Respond publicly" not in tasks


def test_the_shipped_journeys_task_lines_read_in_vietnamese_and_a_shops_own_as_written() -> None:
    assert create_app  # importing the app registers every capability's task lines
    for line, _key in SHIPPED_TASK_LINES:
        assert task_text(line, "vi") != line
        assert task_text(line, "en") == line
    assert task_text("Birthday gift box", "vi") == "Hộp quà sinh nhật"
    assert task_text("Gọi chị Lan về đơn 1001", "vi") == "Gọi chị Lan về đơn 1001"


def test_loyalty_entries_read_in_vietnamese(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    _record(
        ctx, shop, customer, events.TIER_CHANGED, direction="up", **{"from": "silver"}, to="gold"
    )
    _record(
        ctx,
        shop,
        customer,
        events.POINTS_EXPIRING,
        points=300,
        expires_at="2026-12-31T16:59:59+00:00",
        balance=1250,
    )

    vi = _page(ctx, shop, make_staff(shop), "vi", f"/customers/{customer.id}")

    assert "Hạng Bạc → Vàng" in vi
    assert "300 điểm hết hạn ngày 31/12/2026" in vi
    assert "stored English summary" not in vi


def test_community_entries_read_in_vietnamese(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    _record(ctx, shop, customer, events.AMBASSADOR_NAMED, code="LAN7KQ", score=92)
    _record(
        ctx, shop, customer, events.COMMUNITY_JOINED, group_id=1, platform="zalo", group="Hội phin"
    )
    _record(ctx, shop, customer, events.EVENT_REGISTERED, event_id=1, title="Workshop pha phin")

    vi = _page(ctx, shop, make_staff(shop), "vi", f"/customers/{customer.id}")

    assert "Thành viên Kim cương · LAN7KQ" in vi
    assert "Tham gia nhóm Zalo Hội phin" in vi
    assert "Đăng ký tham dự: Workshop pha phin" in vi
    assert "stored English summary" not in vi


def test_an_entry_written_before_its_payload_carried_the_fields_keeps_its_summary(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    _record(ctx, shop, customer, events.TIER_CHANGED)

    vi = _page(ctx, shop, make_staff(shop), "vi", f"/customers/{customer.id}")

    assert "stored English summary" in vi
