"""Mail to the support address sent by machines, as RFC 3834 ("Recommendations for
Automatic Responses to Electronic Mail"), RFC 3464/6522 (DSNs) and RFC 5321 section 4.5.5
(null reverse-path) describe it, through a real SMTP server (aiosmtpd + SupportMailHandler):
never a ticket or a customer; a DSN marks our original message failed. Samples:
tests/fixtures/rfc3464/."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from careloop.channels.models import Suppression
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.shops.models import Shop
from careloop.support.mail import SupportMailHandler
from careloop.support.models import Ticket
from tests.channels.conftest import Inbox
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, dispatch, enqueue, message

DSN = Path(__file__).parent.parent / "fixtures" / "rfc3464" / "dsn_failed.eml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def support_smtp(ctx: AppContext, shop: Shop) -> Iterator[int]:
    controller = Controller(
        SupportMailHandler(ctx, domain="care.test"), hostname="127.0.0.1", port=_free_port()
    )
    controller.start()
    yield controller.port
    controller.stop()


def _mail(**headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Vacation Robot <robot@example.vn>"
    mail["To"] = "support+acme@care.test"
    mail["Subject"] = "Out of office"
    mail["Message-ID"] = "<auto-1@example.vn>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content("I am away until Monday.")
    return mail


def _counts(ctx: AppContext) -> tuple[int, int]:
    with ctx.sessions() as s:
        tickets = s.scalar(select(func.count()).select_from(Ticket)) or 0
        customers = s.scalar(select(func.count()).select_from(Customer)) or 0
        return tickets, customers


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},  # RFC 3834 section 5.2
        {"Auto_Submitted": "auto-generated"},  # RFC 3834 section 5.2
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"Precedence": "junk"},
        {"X_Autoreply": "yes"},
    ],
)
def test_an_auto_reply_to_the_support_address_is_not_a_ticket_or_a_customer(
    ctx: AppContext, support_smtp: int, headers: dict[str, str]
) -> None:
    """RFC 3834 section 5 (Auto-Submitted other than "no"), Precedence bulk/auto_reply/junk
    and X-Autoreply mark mail made by a machine: accepted (250, so the sender does not
    retry) and filed nowhere."""
    with smtplib.SMTP("127.0.0.1", support_smtp) as client:
        client.send_message(_mail(**headers))
    assert _counts(ctx) == (0, 0)


def test_mail_from_the_null_reverse_path_is_not_a_ticket(
    ctx: AppContext, support_smtp: int
) -> None:
    """RFC 5321 section 4.5.5 and RFC 3834 section 3.3: bounces and auto-replies are sent
    with an empty MAIL FROM (<>); such mail is never a person writing to support."""
    with smtplib.SMTP("127.0.0.1", support_smtp) as client:
        client.send_message(_mail(), from_addr="")
    assert _counts(ctx) == (0, 0)


def test_a_person_writing_with_auto_submitted_no_still_opens_a_ticket(
    ctx: AppContext, support_smtp: int
) -> None:
    """RFC 3834 section 5.1: "Auto-Submitted: no" says a person sent it."""
    with smtplib.SMTP("127.0.0.1", support_smtp) as client:
        client.send_message(_mail(Auto_Submitted="no"))
    assert _counts(ctx) == (1, 1)


def test_a_dsn_to_the_support_address_marks_the_original_message_failed(
    ctx: AppContext, shop: Shop, support_smtp: int, smtp_server: tuple[Inbox, int]
) -> None:
    """RFC 3464 sections 2.3.3 (Action: failed) and 2.3.4 (Status 5.x.x) in a
    multipart/report; report-type=delivery-status (RFC 6522), with the original headers
    (text/rfc822-headers) carrying our Message-ID: our message becomes failed, the address
    is suppressed, and no ticket or customer is made from the bounce."""
    inbox, port = smtp_server
    configure(
        ctx, shop, "email", host="127.0.0.1", port=port, security="none",
        from_address="hello@acme.test",
    )  # fmt: skip
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["email"], kind="service")
    dispatch(ctx)
    ours = str(inbox.messages[0]["Message-ID"])
    raw = DSN.read_bytes().replace(b"{message_id}", ours.encode())
    with smtplib.SMTP("127.0.0.1", support_smtp) as client:
        client.sendmail("", ["support+acme@care.test"], raw)
    assert _counts(ctx) == (0, 1)  # only the customer we made; none from the bounce
    assert message(ctx, message_id).status == "failed"
    with ctx.sessions() as s:
        assert list(s.scalars(select(Suppression.address))) == ["mai@example.com"]
