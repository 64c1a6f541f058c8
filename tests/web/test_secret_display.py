"""Who sees which credential on the channel settings page (issue 20 item 7; OWASP ASVS
4.0.3 V8.3.4 "sensitive data is identified and protected", V4.1.3 least privilege). The
attack: a viewer (or an owner) opens the page to read a credential."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.channels.settings import set_channel_settings
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import sign_in

WEBHOOK_URL = "https://hooks.example.com/services/T000/B000/XXXXtoken"
SMTP_USER = "mailer@acme-mail.example"
SMTP_PASSWORD = "smtp-password-never-shown"
TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "twilio-auth-token-never-shown"
WEBHOOK_SECRET = "webhook-secret-never-shown"


def _configure(ctx: AppContext, shop: Shop) -> None:
    values = {
        "email": {
            "host": "smtp.example.com",
            "from_address": "shop@example.com",
            "username": SMTP_USER,
            "password": SMTP_PASSWORD,
        },
        "sms": {"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN},
        "webhook": {"url": WEBHOOK_URL, "secret": WEBHOOK_SECRET},
    }
    with ctx.sessions() as s, s.begin():
        for channel, config in values.items():
            set_channel_settings(
                session=s,
                clock=ctx.clock,
                shop=s.merge(shop),
                channel=channel,
                provider="twilio" if channel == "sms" else None,
                values=config,
            )


def test_a_viewer_sees_only_set_or_not_set_and_the_webhook_host(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _configure(ctx, shop)
    with ctx.sessions() as s, s.begin():  # Zalo with its app secret never given
        set_channel_settings(
            session=s, clock=ctx.clock, shop=s.merge(shop), channel="zalo", values={"app_id": "1"}
        )
    sign_in(app_client, ctx, make_staff(shop, "viewer@acme.test", role="viewer"), shop)

    page = app_client.get("/settings/channels")

    assert page.status_code == 200
    for hidden in (SMTP_USER, SMTP_PASSWORD, TWILIO_SID, TWILIO_TOKEN, WEBHOOK_SECRET):
        assert hidden not in page.text
    assert WEBHOOK_URL not in page.text and "XXXXtoken" not in page.text
    assert "https://hooks.example.com/…" in page.text
    assert page.text.count(">set<") >= 5  # password, username, sid, token, secret
    assert ">not set<" in page.text  # Zalo's app secret, never given


def test_an_owner_sees_the_webhook_url_but_never_a_secret_value(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _configure(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)

    page = app_client.get("/settings/channels")

    assert WEBHOOK_URL in page.text and SMTP_USER in page.text and TWILIO_SID in page.text
    for secret in (SMTP_PASSWORD, TWILIO_TOKEN, WEBHOOK_SECRET):
        assert secret not in page.text
