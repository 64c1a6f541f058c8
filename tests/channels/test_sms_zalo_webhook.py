from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.base import PermanentError
from careloop.channels.models import ChannelSettings, Message
from careloop.channels.sms import twilio_signature
from careloop.channels.webhook import check_target, sign_body
from careloop.channels.zalo import event_signature
from careloop.context import AppContext
from careloop.customers.models import Consent
from careloop.shops.models import Shop
from tests.channels.conftest import FakeProviders
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, dispatch, enqueue, history, message, timeline_types


def _twilio(ctx: AppContext, shop: Shop, base: str) -> None:
    configure(
        ctx,
        shop,
        "sms",
        "twilio",
        account_sid=FakeProviders.TWILIO_SID,
        auth_token=FakeProviders.TWILIO_TOKEN,
        from_number="+15005550006",
        base_url=base,
        allow_private=True,
    )


def test_twilio_send_uses_basic_auth_and_form_and_callback_marks_delivered(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str], app_client: TestClient
) -> None:
    fake, base = providers
    _twilio(ctx, shop, base)
    customer = make_customer(ctx, shop, locale="en", name="Mai Nguyen")
    message_id = enqueue(ctx, shop, customer.id, channels=["sms"], kind="transactional")
    dispatch(ctx)
    request = fake.requests[0]
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    assert form["To"] == "+84901234567" and form["From"] == "+15005550006"
    assert form["Body"].startswith("AcmeCoffee: Thanks Mai for order DH-C1")
    sent = message(ctx, message_id)
    assert sent.status == "sent" and sent.provider == "twilio"
    assert sent.provider_message_id and sent.provider_message_id.startswith("SM")

    callback = form["StatusCallback"]
    params = {"MessageSid": sent.provider_message_id, "MessageStatus": "delivered"}
    path = callback.replace("http://127.0.0.1:8000", "")
    bad = app_client.post(path, data=params, headers={"X-Twilio-Signature": "nope"})
    assert bad.status_code == 403
    signature = twilio_signature(FakeProviders.TWILIO_TOKEN, callback, params)
    ok = app_client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert ok.status_code == 204
    assert message(ctx, message_id).status == "delivered"
    assert timeline_types(ctx, customer.id) == [
        "message.queued",
        "message.sent",
        "message.delivered",
    ]


def test_invalid_number_at_twilio_falls_back_to_the_next_channel(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    fake, base = providers
    _twilio(ctx, shop, base)
    fake.script[f"/2010-04-01/Accounts/{FakeProviders.TWILIO_SID}/Messages.json"] = [
        (400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
    ]
    configure(ctx, shop, "webhook", url=f"{base}/hook", secret="wh", allow_private=True)
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["sms", "webhook"], kind="service")
    dispatch(ctx)
    dispatch(ctx)
    done = message(ctx, message_id)
    assert done.status == "sent" and done.channel == "webhook"
    assert history(ctx, message_id)[1][0] == "fallback" and "21211" in str(
        history(ctx, message_id)[1][2]
    )


def test_esms_sends_request_id_and_a_5xx_is_retried_only_with_the_same_id(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str], app_client: TestClient
) -> None:
    fake, base = providers
    configure(
        ctx, shop, "sms", "esms", api_key="ek", secret_key="es", brandname="ACME", base_url=base,
        allow_private=True,
    )  # fmt: skip
    path = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
    fake.script[path] = [(502, {})]
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["sms"], kind="transactional")
    dispatch(ctx)
    assert message(ctx, message_id).status == "maybe_sent"
    assert dispatch(ctx) == 0  # not before its backoff
    ctx.clock.advance(timedelta(hours=2))
    dispatch(ctx)
    first, second = (json.loads(r.body) for r in fake.requests)
    assert first["RequestId"] == second["RequestId"] == message(ctx, message_id).dedup_id
    assert second["Phone"] == "84901234567" and second["Brandname"] == "ACME"
    # The shipped SMS wording is sent unaccented (GSM-7), names included: not Unicode.
    assert second["IsUnicode"] == "0" and second["SmsType"] == "2"
    done = message(ctx, message_id)
    assert done.status == "sent" and done.provider_message_id == f"esms-{done.dedup_id}"
    # eSMS reports delivery with a GET to the callback URL it was given.
    callback = second["CallbackUrl"].replace("http://127.0.0.1:8000", "")
    reply = app_client.get(
        callback + f"&SMSID=x&SendStatus=5&SendSuccess=1&RequestId={done.dedup_id}"
    )
    assert reply.status_code == 204 and message(ctx, message_id).status == "delivered"


def test_twilio_ambiguous_send_is_never_repeated(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    fake, base = providers
    _twilio(ctx, shop, base)
    fake.script[f"/2010-04-01/Accounts/{FakeProviders.TWILIO_SID}/Messages.json"] = [(500, {})]
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["sms", "email"], kind="transactional")
    dispatch(ctx)
    ctx.clock.advance(timedelta(days=1))
    assert dispatch(ctx) == 0
    assert len(fake.requests) == 1
    assert message(ctx, message_id).status == "maybe_sent"


@pytest.mark.parametrize("reply", ["STOP", "huy", "Hủy", "DỪNG nhé", "dung"])
def test_stop_replies_opt_out_of_sms_and_confirm_once(
    ctx: AppContext,
    shop: Shop,
    providers: tuple[FakeProviders, str],
    app_client: TestClient,
    reply: str,
) -> None:
    fake, base = providers
    configure(
        ctx, shop, "sms", "esms", api_key="ek", secret_key="es", base_url=base, inbound_token="tok",
        allow_private=True,
    )  # fmt: skip
    make_customer(ctx, shop, accepts_marketing=True)
    for _ in range(2):
        response = app_client.post(
            "/c/hooks/sms/acme/inbound?token=tok", data={"phone": "0901234567", "text": reply}
        )
        assert response.status_code == 204
    with ctx.sessions() as s:
        consent = s.scalar(select(Consent).where(Consent.channel == "sms"))
        assert consent is not None and consent.state == "denied" and consent.source == "sms:stop"
        confirmations = s.scalars(
            select(Message).where(Message.template_key == "sms_opt_out")
        ).all()
    assert len(confirmations) == 1
    dispatch(ctx)
    assert (
        len(fake.requests) == 1 and "huy nhan tin" in json.loads(fake.requests[0].body)["Content"]
    )


def test_twilio_inbound_reply_needs_a_valid_signature(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str], app_client: TestClient
) -> None:
    _fake, base = providers
    _twilio(ctx, shop, base)
    make_customer(ctx, shop)
    params = {"From": "+84901234567", "Body": "Stop"}
    url = "http://127.0.0.1:8000/c/hooks/sms/acme/inbound"
    assert app_client.post("/c/hooks/sms/acme/inbound", data=params).status_code == 403
    sig = twilio_signature(FakeProviders.TWILIO_TOKEN, url, params)
    ok = app_client.post(
        "/c/hooks/sms/acme/inbound", data=params, headers={"X-Twilio-Signature": sig}
    )
    assert ok.status_code == 200 and ok.text == "<Response></Response>"


def _zalo(ctx: AppContext, shop: Shop, base: str, **more: object) -> None:
    configure(
        ctx,
        shop,
        "zalo",
        app_id="app1",
        app_secret="app-secret",
        oa_secret_key="oa-secret",
        refresh_token="rt-1",
        base_url=base,
        oauth_base_url=base,
        allow_private=True,
        template_ids={"thank_you": "231001"},
        **more,
    )


def test_zalo_refreshes_the_token_sends_with_tracking_id_and_takes_delivery_callbacks(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str], app_client: TestClient
) -> None:
    fake, base = providers
    _zalo(ctx, shop, base)
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["zalo"], kind="transactional")
    dispatch(ctx)
    assert [r.path for r in fake.requests] == ["/v4/oa/access_token", "/message/template"]
    body = json.loads(fake.requests[1].body)
    sent = message(ctx, message_id)
    assert body == {
        "phone": "84901234567",
        "template_id": "231001",
        "template_data": {
            "customer_name": "Nguyễn Thị Mai",
            "order_code": "DH-C1",
            "order_total": "405.000 ₫",
        },
        "tracking_id": sent.dedup_id,
    }
    assert sent.status == "sent" and sent.provider_message_id == "zmsg-1"
    with ctx.sessions() as s:
        row = s.scalar(select(ChannelSettings).where(ChannelSettings.channel == "zalo"))
        assert row is not None and row.config["refresh_token"] == "rt-next"

    event = {
        "event_name": "user_received_message",
        "app_id": "app1",
        "timestamp": "1793588400000",
        "message": {"msg_id": "zmsg-1", "tracking_id": sent.dedup_id},
    }
    raw = json.dumps(event)
    headers = {
        "X-ZEvent-Signature": event_signature("app1", raw, "1793588400000", "oa-secret"),
        "content-type": "application/json",
    }
    assert (
        app_client.post(
            "/c/hooks/zalo/acme", content=raw, headers={"X-ZEvent-Signature": "mac=bad"}
        ).status_code
        == 403
    )
    assert app_client.post("/c/hooks/zalo/acme", content=raw, headers=headers).status_code == 200
    assert message(ctx, message_id).status == "delivered"


def test_zalo_invalid_phone_suppresses_and_falls_back(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    fake, base = providers
    _zalo(ctx, shop, base)
    fake.script["/message/template"] = [
        (200, {"error": -108, "message": "Phone number is invalid"})
    ]
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["zalo", "sms"], kind="transactional")
    dispatch(ctx)
    moved = message(ctx, message_id)
    assert moved.channel == "sms" and moved.status == "queued"
    assert "invalid phone number" in str(history(ctx, message_id)[1][2])


def test_zalo_quota_exceeded_is_retried_later(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    fake, base = providers
    _zalo(ctx, shop, base)
    fake.script["/message/template"] = [(200, {"error": -115, "message": "Out of quota"})]
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["zalo"], kind="transactional")
    dispatch(ctx)
    waiting = message(ctx, message_id)
    assert waiting.status == "queued" and waiting.next_attempt_at is not None
    assert waiting.next_attempt_at > ctx.clock.now() + timedelta(seconds=29)
    ctx.clock.advance(timedelta(hours=1))
    dispatch(ctx)
    assert message(ctx, message_id).status == "sent"


def test_webhook_body_is_signed_with_timestamp(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    fake, base = providers
    configure(ctx, shop, "webhook", url=f"{base}/hook", secret="wh-secret", allow_private=True)
    customer = make_customer(ctx, shop)
    enqueue(ctx, shop, customer.id, channels=["webhook"], kind="service")
    dispatch(ctx)
    request = fake.requests[0]
    timestamp = int(ctx.clock.now().timestamp())
    assert request.headers["x-careloop-signature"] == sign_body(
        "wh-secret", timestamp, request.body
    )
    body = json.loads(request.body)
    assert body["template_key"] == "thank_you" and "DH-C1" in body["text"]


def test_webhook_refuses_private_targets_unless_allowed() -> None:
    with pytest.raises(PermanentError, match="non-public"):
        check_target("http://localhost:9/x", allow_private=False)
    with pytest.raises(PermanentError, match="non-public"):
        check_target(
            "http://metadata/x",
            allow_private=False,
            resolver=lambda h: ["93.184.216.34", "169.254.169.254"],
        )
    check_target("https://example.com/x", allow_private=False, resolver=lambda h: ["93.184.216.34"])
    check_target("http://127.0.0.1/x", allow_private=True)
