"""The test message the owner sends from the channel form speaks the shop's language, as
its customers' messages do: a Vietnamese shop's owner gets "Tin nhắn thử", not English.
Sent through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Callable

from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from careloop.context import AppContext
from tests.channels.conftest import Inbox, free_port
from tests.conftest import ShopFactory
from tests.web.helpers import csrf_from, sign_in


def test_a_vietnamese_shops_test_email_is_written_in_vietnamese(
    app_client: TestClient, ctx: AppContext, make_shop: ShopFactory, make_staff: Callable[..., str]
) -> None:
    shop = make_shop("gom", name="Tiệm Gốm Bát Tràng", locale="vi")
    inbox, port = Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
        token = csrf_from(app_client.get("/settings/channels"))
        app_client.post(
            "/settings/channels/email/smtp",
            data={
                "host": "127.0.0.1",
                "port": str(port),
                "security": "none",
                "from_address": "cskh@gombattrang.vn",
                "csrf_token": token,
            },
        )
        sent = app_client.post(
            "/settings/channels/test",
            data={"channel": "email", "address": "hoa@gombattrang.vn", "csrf_token": token},
        )
    finally:
        server.stop()

    assert sent.status_code == 200
    [mail] = inbox.messages
    assert mail["Subject"] == "[THỬ] Tiệm Gốm Bát Tràng"
    assert "Tin nhắn thử từ Tiệm Gốm Bát Tràng (Careloop)." in mail.get_content()
