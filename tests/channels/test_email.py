from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.models import Suppression
from careloop.context import AppContext
from careloop.customers.models import Consent, TimelineEvent
from careloop.shops.models import Shop
from tests.channels.conftest import Inbox
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, dispatch, enqueue, history, message, timeline_types

APPLE_PROXY_UA = "Mozilla/5.0"
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile"


def _smtp(ctx: AppContext, shop: Shop, port: int) -> None:
    configure(
        ctx,
        shop,
        "email",
        host="127.0.0.1",
        port=port,
        security="none",
        from_address="hello@acme.test",
        from_name="Acme Cà phê",
        inbound_token="in-tok",
    )


def _path(url: str) -> str:
    return url.replace("http://127.0.0.1:8000", "")


def test_marketing_email_arrives_multipart_with_vietnamese_subject_and_one_click_unsubscribe(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    _smtp(ctx, shop, port)
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["email"])

    assert dispatch(ctx) == 1

    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["Subject"] == "Cảm ơn Mai đã mua hàng tại Acme Coffee"
    assert "Acme Cà phê" in str(mail["From"]) and mail["To"] == "mai@example.com"
    sent = message(ctx, message_id)
    assert mail["Message-ID"] == f"<{sent.dedup_id}@acme.test>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://127\.0\.0\.1:8000/c/unsub/[^>]+>", str(mail["List-Unsubscribe"]))
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Đơn hàng DH-C1" in text.get_content()
    assert "/c/prefs/" in text.get_content() and "__careloop_link" not in text.get_content()
    assert "/c/o/" in html.get_content()
    assert sent.status == "sent" and sent.provider == "smtp"
    assert timeline_types(ctx, customer.id) == ["message.queued", "message.sent"]


def test_opens_and_clicks_are_tracked_and_proxy_opens_are_machine_opens(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int], app_client: TestClient
) -> None:
    inbox, port = smtp_server
    _smtp(ctx, shop, port)
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        from careloop.channels.models import MessageTemplate

        s.add(
            MessageTemplate(
                shop_id=shop.id,
                template_key="thank_you",
                channel="email",
                locale="vi",
                subject="Xin chào {{ customer.first_name }}",
                body_text="Xem thêm",
                body_html='<p><a href="https://acme.test/care?x=1&amp;y=2">Hướng dẫn</a></p>',
                updated_at=ctx.clock.now(),
            )
        )
    message_id = enqueue(ctx, shop, customer.id, channels=["email"])
    dispatch(ctx)
    html = inbox.messages[0].get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    pixel = _path(re.search(r'<img src="([^"]+)"', html).group(1))  # type: ignore[union-attr]
    click = _path(re.search(r'href="([^"]+/c/r/[^"]+)"', html).group(1))  # type: ignore[union-attr]

    # Apple's proxy fetches the pixel at once: a machine open, not "opened".
    assert app_client.get(pixel, headers={"user-agent": APPLE_PROXY_UA}).status_code == 200
    assert message(ctx, message_id).opened_at is None
    assert message(ctx, message_id).machine_opened_at is not None
    ctx.clock.advance(timedelta(minutes=5))
    response = app_client.get(click, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "https://acme.test/care?x=1&y=2"
    after = message(ctx, message_id)
    assert after.status == "clicked" and after.opened_at is not None
    with ctx.sessions() as s:
        opens = s.scalars(select(TimelineEvent).where(TimelineEvent.type == "message.opened")).all()
    assert sorted(bool(e.payload.get("machine")) for e in opens) == [False, True]
    # A person opening later does not add a second "opened".
    app_client.get(pixel, headers={"user-agent": PHONE_UA})
    assert timeline_types(ctx, customer.id).count("message.opened") == 2


def test_tampered_tracking_link_is_not_found(app_client: TestClient) -> None:
    assert app_client.get("/c/r/not-a-token", follow_redirects=False).status_code == 404


def test_unsubscribe_get_shows_a_page_and_only_post_unsubscribes(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int], app_client: TestClient
) -> None:
    inbox, port = smtp_server
    _smtp(ctx, shop, port)
    customer = make_customer(ctx, shop, accepts_marketing=True)
    enqueue(ctx, shop, customer.id, channels=["email"])
    dispatch(ctx)
    url = _path(str(inbox.messages[0]["List-Unsubscribe"]).strip("<>"))

    page = app_client.get(url)
    assert page.status_code == 200 and '<form method="post"' in page.text
    assert "Hủy nhận tin" in page.text
    with ctx.sessions() as s:
        consent = s.scalar(select(Consent).where(Consent.channel == "email"))
        assert consent is not None and consent.state == "granted"

    one_click = app_client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    with ctx.sessions() as s:
        consent = s.scalar(select(Consent).where(Consent.channel == "email"))
        assert consent is not None and consent.state == "denied"
        assert consent.source == "unsubscribe:email"

    # The next marketing email is not sent: no consent.
    second = enqueue(ctx, shop, customer.id, channels=["email"], key="k2")
    dispatch(ctx)
    assert len(inbox.messages) == 1
    assert message(ctx, second).status == "suppressed"
    assert message(ctx, second).reason == "no email consent"


def test_refused_recipient_suppresses_the_address_and_falls_back_to_sms_chain_end(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    inbox.reject.add("gone@example.com")
    _smtp(ctx, shop, port)
    customer = make_customer(ctx, shop, email="gone@example.com")
    message_id = enqueue(ctx, shop, customer.id, channels=["email", "sms"], kind="transactional")
    dispatch(ctx)
    # SMS is not configured, so the chain ends there.
    dispatch(ctx)
    done = message(ctx, message_id)
    assert done.status == "failed" and "not configured" in (done.reason or "")
    assert [h[0] for h in history(ctx, message_id)] == ["queued", "fallback", "failed"]
    assert "recipient refused (550)" in str(history(ctx, message_id)[1][2])
    with ctx.sessions() as s:
        assert s.scalars(select(Suppression.address)).all() == ["gone@example.com"]


def test_a_bounce_report_suppresses_the_address(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int], app_client: TestClient
) -> None:
    inbox, port = smtp_server
    _smtp(ctx, shop, port)
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["email"], kind="transactional")
    dispatch(ctx)
    original_id = str(inbox.messages[0]["Message-ID"])
    dsn = (
        "From: MAILER-DAEMON@mx.example.com\r\nTo: hello@acme.test\r\nSubject: Undelivered\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; mai@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id}\r\nSubject: x\r\n\r\n--B--\r\n"
    )
    assert (
        app_client.post("/c/hooks/email/acme/bounce?token=wrong", content=dsn.encode()).status_code
        == 403
    )
    response = app_client.post(
        "/c/hooks/email/acme/bounce?token=in-tok",
        content=dsn.encode(),
        headers={"content-type": "message/rfc822"},
    )
    assert response.status_code == 204
    assert message(ctx, message_id).failed_at is not None
    with ctx.sessions() as s:
        assert s.scalars(select(Suppression.reason)).all() == ["bounce"]
    # The next email to that address is not attempted.
    second = enqueue(ctx, shop, customer.id, channels=["email"], kind="transactional", key="k2")
    dispatch(ctx)
    assert len(inbox.messages) == 1
    assert message(ctx, second).status == "suppressed"


def test_preference_centre_changes_consent_and_frequency_at_once(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int], app_client: TestClient
) -> None:
    inbox, port = smtp_server
    _smtp(ctx, shop, port)
    customer = make_customer(ctx, shop, accepts_marketing=True)
    enqueue(ctx, shop, customer.id, channels=["email"])
    dispatch(ctx)
    text = inbox.messages[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    url = _path(re.search(r"(http://\S+/c/prefs/\S+)", text).group(1))  # type: ignore[union-attr]
    page = app_client.get(url)
    assert page.status_code == 200 and "Tùy chọn nhận tin" in page.text

    saved = app_client.post(url, data={"channel": ["email"], "frequency": "monthly"})
    assert saved.status_code == 200 and "Đã lưu" in saved.text
    with ctx.sessions() as s:
        states = {c.channel: (c.state, c.source) for c in s.scalars(select(Consent))}
    assert states["email"] == ("granted", "api")
    assert states["sms"] == ("denied", "preference_centre")
    assert states["zalo"] == ("denied", "preference_centre")
    app_client.post(url, data={"opt_out_all": "1"})
    with ctx.sessions() as s:
        assert {c.state for c in s.scalars(select(Consent))} == {"denied"}
        events = s.scalars(
            select(TimelineEvent).where(TimelineEvent.type == "consent.changed")
        ).all()
    assert any(
        e.payload == {"channel": "frequency", "from": "normal", "to": "monthly"} for e in events
    )
