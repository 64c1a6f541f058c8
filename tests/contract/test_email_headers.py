"""Email headers as the RFCs define them, checked on the bytes a real SMTP server
(aiosmtpd) received: RFC 2369 / RFC 8058 one-click unsubscribe, RFC 2047 subjects, and
https links in production."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header

import pytest
from pydantic import ValidationError

from careloop.channels.base import Outgoing
from careloop.channels.email import SmtpProvider
from careloop.context import AppContext
from careloop.core.settings import Settings
from careloop.shops.models import Shop
from tests.channels.conftest import Inbox
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, dispatch, enqueue, message

PUBLIC = "https://cham-soc-khach-hang.cua-hang-ca-phe-acme.example.vn"


def _smtp_config(port: int) -> dict[str, object]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from_address": "hello@acme.test",
        "from_name": "Acme Cà phê",
    }


def _header_lines(raw: bytes, name: bytes) -> list[bytes]:
    """The physical lines of header `name` (with its folded continuations)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    found: list[bytes] = []
    inside = False
    for line in head:
        if line[:1] in (b" ", b"\t"):
            if inside:
                found.append(line)
            continue
        inside = line.lower().startswith(name.lower() + b":")
        if inside:
            found.append(line)
    return found


def _public_ctx(ctx: AppContext, base_url: str) -> AppContext:
    settings = ctx.settings.model_copy(update={"base_url": base_url})
    return AppContext(settings=settings, clock=ctx.clock, engine=ctx.engine)


def test_list_unsubscribe_over_78_characters_arrives_raw_with_one_click_post(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int]
) -> None:
    """RFC 2369 section 2 (List-Unsubscribe is a list of <URL>s) and RFC 8058 section 3.1
    (List-Unsubscribe-Post: List-Unsubscribe=One-Click, with an https URI): the header must
    reach the receiver as <https://...>, never RFC 2047-encoded (=?utf-8?q?=3Chttps...),
    however long the signed URL (RFC 5322 section 2.1.1 allows lines up to 998 chars)."""
    inbox, port = smtp_server
    public = _public_ctx(ctx, PUBLIC)
    configure(public, shop, "email", **_smtp_config(port))
    customer = make_customer(public, shop)
    enqueue(public, shop, customer.id, channels=["email"], kind="marketing")
    assert dispatch(public) == 1
    raw = inbox.raw[0]
    lines = _header_lines(raw, b"List-Unsubscribe")
    assert len(lines) == 1, lines  # one line, not folded into encoded words
    value = lines[0].split(b": ", 1)[1].decode("ascii")
    assert b"=?" not in lines[0]
    assert re.fullmatch(re.escape("<" + PUBLIC) + r"/c/unsub/[A-Za-z0-9_.\-]+>", value)
    assert len(value) > 78
    post = _header_lines(raw, b"List-Unsubscribe-Post")
    assert post == [b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"]


def test_long_vietnamese_subject_arrives_intact_with_its_spaces(
    ctx: AppContext, smtp_server: tuple[Inbox, int]
) -> None:
    """RFC 2047 section 2 and 5: a non-ASCII Subject is sent as encoded words of at most
    75 characters, folded between words; decoding them gives back the subject exactly,
    spaces included (RFC 2047 section 6.2: only whitespace *between* encoded words is
    dropped, so each space must live inside an encoded word)."""
    inbox, port = smtp_server
    subject = (
        "Cảm ơn chị Nguyễn Thị Minh Khai đã mua hàng tại Cửa hàng Cà phê Acme — "
        "ưu đãi đặc biệt dành riêng cho khách hàng thân thiết trong tháng mười hai này"
    )
    provider = SmtpProvider(_smtp_config(port), ctx.clock)
    out = Outgoing(
        message_id=1,
        shop_id=1,
        dedup_id="d-subject",
        kind="service",
        channel="email",
        to="mai@example.com",
        subject=subject,
        text="Xin chào",
    )
    try:
        provider.send(out)
    finally:
        provider.close()
    raw = inbox.raw[0]
    lines = _header_lines(raw, b"Subject")
    assert len(lines) > 1 and all(len(line) <= 78 for line in lines)
    words = re.findall(rb"=\?[^?]+\?[bBqQ]\?[^?]*\?=", b"".join(lines))
    assert words and all(len(word) <= 75 for word in words)
    joined = b"\r\n".join(lines).split(b": ", 1)[1].decode("ascii")
    assert str(make_header(decode_header(joined))) == subject
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == subject


def test_http_public_base_url_refuses_to_start_and_to_send(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int]
) -> None:
    """RFC 8058 section 3.1 requires an https one-click URI, and signed links must not
    travel in clear: a plain-http CARELOOP_BASE_URL outside localhost is refused at start
    (a clear error naming the setting) and, if one slips in, nothing is sent (the messages
    stay queued)."""
    with pytest.raises(ValidationError, match="CARELOOP_BASE_URL must be an https"):
        Settings(base_url="http://care.acme.example.vn")
    assert Settings(base_url="http://localhost:8000").base_url == "http://localhost:8000"
    inbox, port = smtp_server
    unsafe = _public_ctx(ctx, "http://care.acme.example.vn")
    configure(unsafe, shop, "email", **_smtp_config(port))
    customer = make_customer(unsafe, shop)
    message_id = enqueue(unsafe, shop, customer.id, channels=["email"])
    assert dispatch(unsafe) == 0
    assert inbox.raw == [] and message(unsafe, message_id).status == "queued"
