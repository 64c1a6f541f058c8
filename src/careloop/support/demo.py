"""Demo data of the support desk: two months of tickets (answered, resolved, rated) and a
few open ones whose SLA clocks are running, so the inbox and the FRT/TTR figures have life."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer, TimelineEvent
from careloop.shops.models import Shop
from careloop.support import tickets as desk
from careloop.support.models import StaffTask, Ticket
from careloop.support.worklist import complete_task

HISTORY_TICKETS: Final = 40
OPEN_TICKETS: Final = 6
MESSAGES: Final = (
    ("Shop ơi em chưa nhận được hàng, đã 5 ngày rồi", "Dạ shop kiểm tra với bên vận chuyển ngay ạ"),
    ("Cốc em nhận bị vỡ mất một cái", "Shop xin lỗi chị, bên em gửi hỏa tốc cốc mới hôm nay ạ"),
    ("Máy xay dùng thế nào để xay mịn ạ?", "Dạ chị xay ở tốc độ 2 trong 30 giây rồi tăng lên 3 ạ"),
    ("Màu không giống ảnh, em không hài lòng", "Shop rất tiếc, chị muốn đổi màu hay hoàn tiền ạ?"),
    ("Quá tệ, giao sai hàng mà không ai trả lời", "Shop thành thật xin lỗi, em gọi chị ngay ạ"),
    ("Cho em hỏi còn size M không?", "Dạ còn ạ, shop giữ cho chị nhé"),
)


def seed_demo(
    *, ctx: AppContext, session: Session, shop: Shop, rng: random.Random, now: datetime
) -> None:
    customers = list(
        session.scalars(
            select(Customer.id).where(Customer.shop_id == shop.id).order_by(Customer.id).limit(500)
        )
    )
    if not customers:
        return
    before = session.scalar(select(func.max(TimelineEvent.id))) or 0
    for index in range(HISTORY_TICKETS):
        opened = now - timedelta(days=rng.uniform(3, 60))
        _resolved_ticket(session, shop, rng, rng.choice(customers), opened, index, now)
    for index in range(OPEN_TICKETS):
        opened = now - timedelta(hours=rng.uniform(0.2, 30))
        clock = VirtualClock(opened)
        question, _answer = rng.choice(MESSAGES)
        _open(session, clock, shop, rng.choice(customers), question, f"demo-open:{index}")
    _as_demo_history(session, shop, before, now)


def _as_demo_history(session: Session, shop: Shop, after_id: int, now: datetime) -> None:
    """The demo's convention: history is stored from source "demo" and as history, so
    no journey fires for a ticket that was resolved weeks ago."""
    session.execute(
        update(TimelineEvent)
        .where(
            TimelineEvent.shop_id == shop.id,
            TimelineEvent.id > after_id,
            TimelineEvent.history.is_(False),
        )
        .values(source="demo", history=True)
    )


def _open(
    session: Session, clock: VirtualClock, shop: Shop, customer_id: int, text: str, key: str
) -> Ticket:
    return desk.open_ticket(
        session=session,
        clock=clock,
        shop=shop,
        customer_id=customer_id,
        subject=text[:80],
        body=text,
        channel="sms",
        source="demo",
        source_event_key=key,
    )


def _resolved_ticket(
    session: Session,
    shop: Shop,
    rng: random.Random,
    customer_id: int,
    opened: datetime,
    index: int,
    now: datetime,
) -> None:
    clock = VirtualClock(opened)
    question, answer = rng.choice(MESSAGES)
    ticket = _open(session, clock, shop, customer_id, question, f"demo:{index}")
    clock.advance(timedelta(minutes=rng.lognormvariate(4.0, 1.0)))  # median ~55 min
    desk.reply(
        session=session, clock=clock, shop=shop, ticket_id=ticket.id, body=answer, notify=False
    )
    if rng.random() < 0.3:  # a back-and-forth before it is solved
        clock.advance(timedelta(hours=rng.uniform(1, 20)))
        desk.add_customer_message(
            session=session, clock=clock, shop=shop, ticket=ticket, body="Dạ vâng ạ", channel="sms"
        )
        clock.advance(timedelta(minutes=rng.uniform(10, 180)))
        desk.reply(
            session=session,
            clock=clock,
            shop=shop,
            ticket_id=ticket.id,
            body="Dạ xong ạ",
            notify=False,
        )
    clock.advance(timedelta(hours=rng.uniform(0.5, 48)))
    desk.resolve_ticket(session=session, clock=clock, shop=shop, ticket_id=ticket.id, notify=False)
    _check_in(session, shop, rng, ticket, now)
    if rng.random() < 0.6:
        clock.advance(timedelta(hours=rng.uniform(1, 24)))
        score = rng.choices((5, 4, 3, 2, 1), weights=(55, 25, 10, 6, 4))[0]
        desk.record_csat(
            session=session,
            clock=clock,
            shop=shop,
            ticket_id=ticket.id,
            score=score,
            source="support:csat",
        )


def _check_in(
    session: Session, shop: Shop, rng: random.Random, ticket: Ticket, now: datetime
) -> None:
    """Most follow-up check-ins were done, a few late or skipped, as in a real shop."""
    task = session.scalar(
        select(StaffTask).where(
            StaffTask.shop_id == shop.id,
            StaffTask.ticket_id == ticket.id,
            StaffTask.kind == "follow_up",
        )
    )
    if task is None or task.due_at > now:
        return  # still to do
    done_at = VirtualClock(min(task.due_at + timedelta(hours=rng.uniform(-30, 20)), now))
    skipped = rng.random() < 0.1
    complete_task(
        session=session,
        clock=done_at,
        shop=shop,
        task_id=task.id,
        outcome="skipped" if skipped else "done",
        note="khách không nghe máy" if skipped else "",
    )
