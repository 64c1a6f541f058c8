from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.feedback.models import Review
from careloop.feedback.tasks import review_asks_pass
from careloop.shops.models import Shop
from careloop.support.models import Ticket
from careloop.support.service import record_csat, resolve_ticket
from careloop.support.tasks import feedback_pass

BAD_REVIEW = {
    "review_id": "G-9",
    "customer_id": "C-1",
    "platform": "google",
    "rating": 2,
    "text": "Giao thiếu hàng",
    "url": "https://g.page/r/acme/review/G-9",
    "posted_at": "2026-11-02T09:00:00+07:00",
}


def a_customer(api: TestClient) -> None:
    api.post(
        "/api/v1/customers",
        json={"customer_id": "C-1", "name": "Lan", "email": "lan@example.test", "locale": "en"},
    )


def recovery_ticket(api: TestClient, ctx: AppContext) -> int:
    """A bad review, and the recovery ticket the support desk opens for it."""
    a_customer(api)
    api.post("/api/v1/reviews", json=BAD_REVIEW)
    feedback_pass(ctx)
    with ctx.sessions() as s:
        return s.scalars(select(Ticket.id)).one()


def resolve(ctx: AppContext, shop: Shop, ticket_id: int, csat: int | None = None) -> None:
    with ctx.sessions() as s, s.begin():
        the_shop = s.merge(shop)
        resolve_ticket(session=s, clock=ctx.clock, shop=the_shop, ticket_id=ticket_id, notify=False)
        if csat is not None:
            record_csat(
                session=s,
                clock=ctx.clock,
                shop=the_shop,
                ticket_id=ticket_id,
                score=csat,
                source="link",
            )


def update_asks(ctx: AppContext) -> list[Message]:
    with ctx.sessions() as s:
        return list(
            s.scalars(select(Message).where(Message.template_key == "feedback.review_update"))
        )


def test_a_happy_csat_after_a_recovery_asks_once_to_update_the_review_with_its_link(
    api: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    ticket_id = recovery_ticket(api, ctx)
    resolve(ctx, shop, ticket_id, csat=5)
    review_asks_pass(ctx)
    [ask] = update_asks(ctx)
    assert "would you consider updating your review?" in ask.body_text
    assert "https://g.page/r/acme/review/G-9" in ask.body_text

    clock.advance(timedelta(days=10))
    review_asks_pass(ctx)
    feedback_pass(ctx)
    assert len(update_asks(ctx)) == 1  # never twice for the same review
    with ctx.sessions() as s:
        assert s.scalars(select(Review.update_asked_at)).one() is not None


def test_without_csat_the_ask_waits_for_a_quiet_week(
    api: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    ticket_id = recovery_ticket(api, ctx)
    resolve(ctx, shop, ticket_id)
    review_asks_pass(ctx)
    clock.advance(timedelta(days=6))
    review_asks_pass(ctx)
    assert update_asks(ctx) == []
    clock.advance(timedelta(days=1, hours=1))
    review_asks_pass(ctx)
    assert len(update_asks(ctx)) == 1


def test_an_unhappy_csat_or_an_updated_review_means_no_ask(
    api: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    ticket_id = recovery_ticket(api, ctx)
    resolve(ctx, shop, ticket_id, csat=2)
    clock.advance(timedelta(days=8))
    review_asks_pass(ctx)
    assert update_asks(ctx) == []


def test_a_customer_who_already_updated_the_review_is_not_asked(
    api: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    ticket_id = recovery_ticket(api, ctx)
    clock.advance(timedelta(hours=1))
    edited = api.post("/api/v1/reviews", json={**BAD_REVIEW, "rating": 5, "text": "Đã đổi hàng"})
    assert edited.json()["previous_rating"] == 2 and edited.json()["rating"] == 5
    resolve(ctx, shop, ticket_id, csat=5)
    review_asks_pass(ctx)
    assert update_asks(ctx) == []
