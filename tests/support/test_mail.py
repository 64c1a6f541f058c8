from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.support.mail import SupportMailHandler
from careloop.support.models import Ticket, TicketMessage


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(ctx: AppContext, shop: Shop) -> Iterator[int]:
    controller = Controller(
        SupportMailHandler(ctx, domain="care.test"), hostname="127.0.0.1", port=_free_port()
    )
    controller.start()
    yield controller.port
    controller.stop()


def _mail(subject: str, body: str, message_id: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Lan Nguyen <Lan@Example.vn>"
    message["To"] = "support+acme@care.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def _send(port: int, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.send_message(message)


def _conversation(ctx: AppContext) -> list[tuple[int, str, str]]:
    with ctx.sessions() as s:
        rows = s.execute(
            select(TicketMessage.ticket_id, TicketMessage.author, TicketMessage.body).order_by(
                TicketMessage.id
            )
        )
        return [(t, a, b) for t, a, b in rows]


def test_an_email_to_the_support_address_opens_a_ticket_and_replies_thread(
    ctx: AppContext, smtp: int
) -> None:
    _send(smtp, _mail("Cốc bị vỡ", "Cốc em nhận bị vỡ ạ", "<m1@example.vn>"))
    _send(smtp, _mail("Cốc bị vỡ", "Cốc em nhận bị vỡ ạ", "<m1@example.vn>"))  # a resend
    reply = "Em gửi thêm ảnh ạ\n\nOn Mon, 2 Nov 2026 shop wrote:\n> Dạ shop xin lỗi"
    _send(smtp, _mail("Re: Cốc bị vỡ", reply, "<m2@example.vn>", In_Reply_To="<m1@example.vn>"))
    _send(smtp, _mail("Re: Cốc bị vỡ [#T-1]", "Và thêm nữa", "<m3@example.vn>"))
    with ctx.sessions() as s:
        ticket = s.scalar(select(Ticket))
        assert ticket is not None
        assert (ticket.subject, ticket.channel, ticket.problem_type) == (
            "Cốc bị vỡ",
            "email",
            "damaged_defective",
        )
    assert _conversation(ctx) == [
        (1, "customer", "Cốc em nhận bị vỡ ạ"),
        (1, "customer", "Em gửi thêm ảnh ạ"),
        (1, "customer", "Và thêm nữa"),
    ]


def test_mail_to_an_unknown_address_is_refused(ctx: AppContext, smtp: int) -> None:
    message = _mail("Hello", "hi", "<x@example.vn>")
    del message["To"]
    message["To"] = "support+nobody@care.test"
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _send(smtp, message)
    assert _conversation(ctx) == []
