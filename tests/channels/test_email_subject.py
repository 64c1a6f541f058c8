"""A long Vietnamese subject arrives intact (issue 17: "cách phatrà Ô long" lost a space).
RFC 2047 section 2 (an encoded-word is at most 75 characters) and section 6.2 (white space
between adjacent encoded-words is ignored when decoding, so every space must travel inside
a word); RFC 5322 section 2.1.1 (lines of at most 78 characters). Sent through a real
aiosmtpd server and parsed back with the standard library's email.policy.default."""

from __future__ import annotations

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.channels.conftest import Inbox
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, dispatch, enqueue

LONG_SUBJECT = (
    "Hướng dẫn pha trà Ô long đúng cách: nhiệt độ nước, thời gian hãm và cách pha trà "
    "cho cả nhà cùng thưởng thức"
)


def test_a_long_vietnamese_campaign_subject_arrives_with_every_space(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    configure(
        ctx,
        shop,
        "email",
        host="127.0.0.1",
        port=port,
        security="none",
        from_address="hello@acme.test",
        from_name="Nhà Mộc",
        inbound_token="in-tok",
    )
    customer = make_customer(ctx, shop)
    enqueue(
        ctx,
        shop,
        customer.id,
        channels=["email"],
        template_key="community.campaign_value",
        context={"campaign": {"subject": LONG_SUBJECT, "body": "Chào {{ xung_ho }}."}},
    )
    assert dispatch(ctx) == 1

    (mail,) = inbox.messages
    assert mail["Subject"] == LONG_SUBJECT
    head = inbox.raw[0].split(b"\r\n\r\n", 1)[0].decode("ascii")
    subject_lines = head.split("Subject: ", 1)[1].split("\r\n")
    folded = [subject_lines[0]]
    for line in subject_lines[1:]:
        if not line.startswith(" "):
            break
        folded.append(line)
    assert len(folded) > 1
    assert all(len(line) <= 78 for line in folded)
    assert all(len(word) <= 75 for line in folded for word in line.split() if word.startswith("=?"))
