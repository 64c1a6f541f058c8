from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.support import service
from careloop.support.models import StaffTask, TicketMessage
from tests.web.helpers import add_customer, csrf_from, sign_in


def open_a_ticket(ctx: AppContext, shop: Shop, body: str = "Hàng bị vỡ khi nhận") -> int:
    customer = add_customer(
        ctx, shop, "C-1", name="Nguyễn Thị Lan", email="lan@example.vn", phone="0901234567"
    )
    with ctx.sessions() as s, s.begin():
        ticket = service.open_ticket(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer_id=customer.id,
            subject="Bình bị vỡ",
            body=body,
            channel="email",
        )
        return ticket.id


def add_task(ctx: AppContext, shop: Shop, key: str) -> int:
    with ctx.sessions() as s, s.begin():
        task = service.create_task(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer_id=None,
            kind="call",
            title="Gọi hỏi thăm",
            due_at=ctx.clock.now() + timedelta(days=1),
            source="test",
            idempotency_key=key,
        )
        return task.id


def test_the_inbox_lists_tickets_with_an_sla_countdown(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = open_a_ticket(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/tickets")
    assert page.status_code == 200
    assert f'data-testid="ticket-{ticket_id}"' in page.text
    assert "Bình bị vỡ" in page.text
    assert "left" in page.text or "overdue" in page.text


def test_an_agent_replies_and_the_answer_shows_in_the_conversation(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = open_a_ticket(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    page = app_client.get(f"/tickets/{ticket_id}")
    assert "Nguyễn Thị Lan" in page.text  # the customer 360 beside the conversation
    assert 'data-testid="playbook"' in page.text
    answer = app_client.post(
        f"/tickets/{ticket_id}/reply",
        data={
            "body": "Shop xin lỗi chị, sẽ gửi bình mới ngay.",
            "csrf_token": csrf_from(page),
            "anyway": "1",
        },
    )
    assert answer.status_code == 200
    assert "Shop xin lỗi chị, sẽ gửi bình mới ngay." in answer.text
    noted = app_client.post(
        f"/tickets/{ticket_id}/note",
        data={"body": "Đã kiểm tra kho", "csrf_token": csrf_from(page)},
    )
    assert "Đã kiểm tra kho" in noted.text and "(note)" in noted.text
    with ctx.sessions() as s:
        kinds = s.scalars(select(TicketMessage.kind).order_by(TicketMessage.id)).all()
    assert kinds == ["message", "message", "note"]


def test_an_empty_reply_is_shown_next_to_the_form_and_nothing_is_sent(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = open_a_ticket(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get(f"/tickets/{ticket_id}")
    answer = app_client.post(
        f"/tickets/{ticket_id}/reply", data={"body": "  ", "csrf_token": csrf_from(page)}
    )
    assert answer.status_code == 422
    assert "body: must not be empty" in answer.text
    with ctx.sessions() as s:
        assert len(s.scalars(select(TicketMessage)).all()) == 1


def test_status_changes_playbook_steps_and_assignment_are_recorded(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = open_a_ticket(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get(f"/tickets/{ticket_id}"))
    app_client.post(
        f"/tickets/{ticket_id}/steps/apologise", data={"done": "true", "csrf_token": token}
    )
    app_client.post(
        f"/tickets/{ticket_id}/assign", data={"assignee": "owner@acme.test", "csrf_token": token}
    )
    page = app_client.post(
        f"/tickets/{ticket_id}/status", data={"action": "resolve", "csrf_token": token}
    )
    assert "resolved" in page.text
    assert 'data-testid="step-apologise" aria-pressed="true"' in page.text
    with ctx.sessions() as s:
        ticket = service.get_ticket(s, shop.id, ticket_id)
        assert ticket.status == "resolved" and ticket.assignee_id is not None
        assert "apologise" in (ticket.playbook or {})


def test_a_viewer_reads_a_ticket_but_cannot_act_on_it(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = open_a_ticket(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, email="v@acme.test", role="viewer"), shop)
    page = app_client.get(f"/tickets/{ticket_id}")
    assert page.status_code == 200
    assert 'data-testid="read-only"' in page.text
    assert 'data-testid="reply-form"' not in page.text
    answer = app_client.post(
        f"/tickets/{ticket_id}/reply", data={"body": "hi", "csrf_token": csrf_from(page)}
    )
    assert answer.status_code == 403


def test_tasks_are_done_or_skipped_with_a_note(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    first, second = add_task(ctx, shop, "t1"), add_task(ctx, shop, "t2")
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    page = app_client.get("/tasks")
    assert "Gọi hỏi thăm" in page.text
    token = csrf_from(page)
    app_client.post(f"/tasks/{first}", data={"outcome": "done", "csrf_token": token})
    refused = app_client.post(f"/tasks/{second}", data={"outcome": "skipped", "csrf_token": token})
    assert refused.status_code == 422
    assert "note: say why the task is skipped" in refused.text
    app_client.post(
        f"/tasks/{second}",
        data={"outcome": "skipped", "note": "Khách đã gọi lại", "csrf_token": token},
    )
    with ctx.sessions() as s:
        statuses = s.scalars(select(StaffTask.status).order_by(StaffTask.id)).all()
    assert statuses == ["done", "skipped"]
    assert "Khách đã gọi lại" in app_client.get("/tasks?status=skipped").text


def test_another_shops_ticket_and_task_are_not_found(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
) -> None:
    ticket_id = open_a_ticket(ctx, shop)
    task_id = add_task(ctx, shop, "t1")
    other = make_shop("other")
    sign_in(app_client, ctx, make_staff(other, email="owner@other.test"), other)
    token = csrf_from(app_client.get("/tickets"))
    assert app_client.get(f"/tickets/{ticket_id}").status_code == 404
    reply = app_client.post(f"/tickets/{ticket_id}/reply", data={"body": "x", "csrf_token": token})
    assert reply.status_code == 404
    done = app_client.post(f"/tasks/{task_id}", data={"outcome": "done", "csrf_token": token})
    assert done.status_code == 404
