from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.audit.models import AuditEntry
from careloop.context import AppContext
from careloop.customers.models import Customer, TimelineEvent
from careloop.feedback.models import SurveyResponse
from careloop.orders.models import Order

LAN = {
    "customer_id": "C-1",
    "name": "Nguyễn Thị Lan",
    "email": "lan@example.vn",
    "phone": "0912345678",
    "birthday": "1990-05-17",
    "accepts_marketing": True,
}
ORDER = {
    "order_id": "O-1",
    "customer_id": "C-1",
    "placed_at": "2026-10-01T10:00:00+07:00",
    "total": 250000,
}


def test_erasing_removes_personal_data_but_keeps_orders_and_scores(
    api: TestClient, ctx: AppContext
) -> None:
    api.post("/api/v1/customers", json=LAN)
    api.post("/api/v1/orders", json=ORDER)
    api.post(
        "/api/v1/survey-responses",
        json={
            "response_id": "R-1",
            "customer_id": "C-1",
            "kind": "nps",
            "score": 3,
            "answered_at": "2026-10-05T10:00:00+07:00",
            "comment": "Lan here, call me on 0912345678",
        },
    )
    response = api.post("/api/v1/customers/C-1/erase")
    assert response.status_code == 200, response.text

    assert api.get("/api/v1/customers/C-1").status_code == 404
    with ctx.sessions() as s:
        customer = s.scalars(select(Customer)).one()
        assert (customer.name, customer.email, customer.phone, customer.birthday) == (
            "",
            None,
            None,
            None,
        )
        assert customer.erased_at is not None
        assert s.scalar(select(Order.total_minor)) == 250000
        answer = s.scalars(select(SurveyResponse)).one()
        assert (answer.score, answer.comment) == (3, "")
        payloads = [e.payload for e in s.scalars(select(TimelineEvent))]
        assert not any("comment" in p for p in payloads)
        # Every API change is audited; the erasure writes its own, detailed entry.
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "customer.erased")).one()
        assert entry.actor == "api"
        assert "0912345678" not in str(entry.detail)


def test_a_customer_can_be_exported_as_json_by_api(api: TestClient) -> None:
    api.post("/api/v1/customers", json=LAN)
    api.post("/api/v1/orders", json=ORDER)
    body = api.get("/api/v1/customers/C-1/export").json()
    assert body["customer"]["email"] == "lan@example.vn"
    assert [o["order_id"] for o in body["orders"]] == ["O-1"]


def test_erasing_an_unknown_customer_is_404(api: TestClient) -> None:
    assert api.post("/api/v1/customers/nobody/erase").status_code == 404


def test_erasing_stops_work_still_waiting_for_the_person(api: TestClient, ctx: AppContext) -> None:
    from datetime import timedelta

    from careloop.channels.models import Message
    from careloop.shops.models import Shop
    from careloop.support.models import StaffTask
    from careloop.support.worklist import create_task
    from tests.channels.helpers import dispatch, enqueue

    api.post("/api/v1/customers", json=LAN)
    with ctx.sessions() as s, s.begin():
        shop = s.scalars(select(Shop)).one()
        customer_id = s.scalars(select(Customer.id)).one()
        create_task(
            session=s,
            clock=ctx.clock,
            shop=shop,
            customer_id=customer_id,
            kind="call",
            title="Call Lan",
            due_at=ctx.clock.now() + timedelta(days=1),
            source="staff",
            idempotency_key="call-lan",
        )
    queued = enqueue(
        ctx,
        shop,
        customer_id,
        channels=["email"],
        kind="transactional",
        template_key="support.reply",
        context={"ticket": {"id": 1, "ref": "[#T-1]", "subject": "Vỡ"}, "reply_text": "Chào Lan"},
    )

    assert api.delete("/api/v1/customers/C-1").status_code == 200

    assert dispatch(ctx) == 0
    with ctx.sessions() as s:
        message = s.get_one(Message, queued)
        assert (message.status, message.reason, message.to_address) == (
            "suppressed",
            "customer erased",
            None,
        )
        task = s.scalars(select(StaffTask)).one()
        assert (task.status, task.title) == ("skipped", "[erased]")


def test_a_platform_can_erase_the_person_it_names_by_email_when_the_id_is_unknown(
    api: TestClient, ctx: AppContext
) -> None:
    from careloop.customers.erasure import erase_matching
    from careloop.shops.models import Shop

    api.post("/api/v1/customers", json=LAN)
    with ctx.sessions() as s, s.begin():
        shop = s.scalars(select(Shop)).one()
        nobody = erase_matching(
            session=s, clock=ctx.clock, shop=shop, external_id="404", actor="shopify"
        )
        report = erase_matching(
            session=s,
            clock=ctx.clock,
            shop=shop,
            external_id="7412365098571",
            email="lan@example.vn",
            actor="shopify",
        )
    assert nobody is None
    assert report is not None and report.records == 1
    assert api.get("/api/v1/customers/C-1").status_code == 404
