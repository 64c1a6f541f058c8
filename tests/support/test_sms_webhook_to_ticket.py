from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.zalo import event_signature
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import TimelineEvent
from careloop.shops.models import Shop
from careloop.support import service
from careloop.support.models import Ticket
from tests.channels.helpers import configure
from tests.support.factories import make_customer, make_staff


def text_in(client: TestClient, text: str, message_id: str) -> None:
    response = client.post(
        "/c/hooks/sms/acme/inbound?token=tok",
        data={"phone": "0901234567", "text": text, "message_id": message_id},
    )
    assert response.status_code == 204


def test_an_sms_reply_to_the_gateway_becomes_a_ticket_and_its_rating_a_csat_answer(
    ctx: AppContext, shop: Shop, clock: VirtualClock, app_client: TestClient
) -> None:
    configure(
        ctx, shop, "sms", "esms", api_key="ek", secret_key="es", base_url="http://127.0.0.1:9",
        inbound_token="tok",
    )  # fmt: skip
    with ctx.sessions() as s, s.begin():
        make_staff(s, ctx, s.merge(shop), "an@acme.test", role="owner")
        make_customer(s, ctx, s.merge(shop), phone="+84901234567")

    text_in(app_client, "Cốc em nhận hôm qua bị vỡ ạ", "gw-1")
    text_in(app_client, "Cốc em nhận hôm qua bị vỡ ạ", "gw-1")  # the gateway retries
    with ctx.sessions() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert (ticket.channel, ticket.problem_type) == ("sms", "damaged_defective")
        ticket_id = ticket.id

    clock.advance(timedelta(minutes=20))
    with ctx.sessions() as s, s.begin():
        service.reply(
            session=s,
            clock=clock,
            shop=s.merge(shop),
            ticket_id=ticket_id,
            body="Shop gửi hỏa tốc cốc mới hôm nay ạ.",
            staff_id=None,
        )
        service.resolve_ticket(session=s, clock=clock, shop=s.merge(shop), ticket_id=ticket_id)
    clock.advance(timedelta(hours=1))
    text_in(app_client, "5", "gw-2")

    with ctx.sessions() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and (ticket.status, ticket.csat_score) == ("resolved", 5)
        answered = s.scalars(
            select(TimelineEvent).where(TimelineEvent.type == "survey.answered")
        ).all()
        assert [(e.payload["kind"], e.payload["score"]) for e in answered] == [("csat", 5)]


def test_a_customer_writing_to_the_zalo_oa_opens_a_ticket_once(
    ctx: AppContext, shop: Shop, app_client: TestClient
) -> None:
    configure(ctx, shop, "zalo", app_id="app1", oa_secret_key="oa-secret")
    with ctx.sessions() as s, s.begin():
        make_staff(s, ctx, s.merge(shop), "an@acme.test", role="owner")
        make_customer(s, ctx, s.merge(shop), zalo_user_id="z-42")
    raw = json.dumps(
        {
            "app_id": "app1",
            "event_name": "user_send_text",
            "timestamp": "1793588400000",
            "sender": {"id": "z-42"},
            "recipient": {"id": "oa-1"},
            "message": {"text": "Shop ơi em chưa nhận được hàng", "msg_id": "m-1"},
        }
    )
    headers = {"X-ZEvent-Signature": event_signature("app1", raw, "1793588400000", "oa-secret")}
    for _ in range(2):  # Zalo retries a webhook it thinks failed
        assert (
            app_client.post("/c/hooks/zalo/acme", content=raw, headers=headers).status_code == 200
        )
    with ctx.sessions() as s:
        ticket = s.scalars(select(Ticket)).one()
    assert (ticket.channel, ticket.problem_type) == ("zalo", "not_arrived")
