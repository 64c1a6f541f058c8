"""eSMS as its published documentation describes it (developers.esms.vn), replayed through
the real HTTP stack: our sender against a local server speaking the send API, and eSMS's
delivery callbacks and replies (MO) against our app. Samples: tests/fixtures/esms/."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.models import ChannelThrottle, Suppression
from careloop.channels.sms import esms_mo_sign
from careloop.context import AppContext
from careloop.customers.models import Consent
from careloop.shops.models import Shop
from tests.channels.conftest import FakeProviders
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, dispatch, enqueue, history, message

FIXTURES = Path(__file__).parent.parent / "fixtures" / "esms"
SEND_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
ANSWERS: dict[str, dict[str, Any]] = json.loads((FIXTURES / "send_answers.json").read_text())
CPID, PRIVATE_KEY = "CP0042", "17417a0d20114d36a902e49cad0e97f3"


def _esms(ctx: AppContext, shop: Shop, base: str) -> None:
    configure(
        ctx, shop, "sms", "esms", api_key="ek", secret_key="es", brandname="ACME", base_url=base,
        allow_private=True, esms_cpid=CPID, esms_private_key=PRIVATE_KEY,
    )  # fmt: skip


def _callback_path(fake: FakeProviders) -> str:
    body = json.loads(fake.requests[-1].body)
    return str(body["CallbackUrl"]).replace("http://127.0.0.1:8000", "")


def _callbacks(request_id: str) -> list[str]:
    lines = (FIXTURES / "callbacks.txt").read_text().splitlines()
    return [line.replace("{request_id}", request_id) for line in lines if line]


def test_esms_callback_finished_with_send_failed_marks_the_message_failed(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str], app_client: TestClient
) -> None:
    """eSMS "Callback Url" (developers.esms.vn/en/esms-api/callback-url): SendStatus 5 means
    eSMS finished; the published SMS sample has SendStatus=5, SendSuccess=0, SendFailed=2,
    a message that did not arrive. It must be failed, never delivered."""
    fake, base = providers
    _esms(ctx, shop, base)
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["sms"], kind="transactional")
    dispatch(ctx)
    assert message(ctx, message_id).status == "sent"
    failed = _callbacks(message(ctx, message_id).dedup_id)[0]
    reply = app_client.get(_callback_path(fake) + "&" + failed)
    assert reply.status_code == 204
    done = message(ctx, message_id)
    assert done.status == "failed" and done.delivered_at is None
    assert "SendFailed" in str(history(ctx, message_id)[-1][2])


def test_esms_callback_finished_with_send_success_marks_delivered_and_status_7_waits(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str], app_client: TestClient
) -> None:
    """eSMS "Callback Url": SendStatus 7 ("sent to the telco, waiting for the report") is not
    final; SendStatus 5 with SendSuccess=1 is the delivery."""
    fake, base = providers
    _esms(ctx, shop, base)
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["sms"], kind="transactional")
    dispatch(ctx)
    _failed, delivered, waiting = _callbacks(message(ctx, message_id).dedup_id)
    path = _callback_path(fake)
    assert app_client.get(path + "&" + waiting).status_code == 204
    assert message(ctx, message_id).status == "sent"
    assert app_client.get(path + "&" + delivered).status_code == 204
    assert message(ctx, message_id).status == "delivered"


def test_esms_duplicate_request_id_124_counts_as_sent_and_never_falls_back(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    """eSMS "Table of error codes": 124 is "Duplicate RequestId". Our RequestId is the
    message's de-duplication id, so 124 on a retry after an ambiguous answer means the first
    attempt was accepted: the message is sent, and the next channel is never tried."""
    fake, base = providers
    _esms(ctx, shop, base)
    fake.script[SEND_PATH] = [(502, {}), (200, ANSWERS["duplicate_request_id"])]
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["sms", "email"], kind="transactional")
    dispatch(ctx)
    assert message(ctx, message_id).status == "maybe_sent"
    ctx.clock.advance(timedelta(hours=2))
    dispatch(ctx)
    done = message(ctx, message_id)
    assert done.status == "sent" and done.channel == "sms"
    first, second = (json.loads(r.body)["RequestId"] for r in fake.requests)
    assert first == second == done.dedup_id
    assert "124" in str(history(ctx, message_id)[-1][2])
    assert "fallback" not in [row[0] for row in history(ctx, message_id)]


def test_esms_blocked_number_99_suppresses_the_number_and_falls_back(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    """eSMS "Table of error codes": 99 is "The phone number is blocked in the system" (all
    message types): this number cannot get SMS from eSMS, so it is suppressed for SMS and the
    message moves to the next channel."""
    fake, base = providers
    _esms(ctx, shop, base)
    fake.script[SEND_PATH] = [(200, ANSWERS["blocked_number"])]
    configure(ctx, shop, "webhook", url=f"{base}/hook", secret="wh", allow_private=True)
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["sms", "webhook"], kind="service")
    dispatch(ctx)
    dispatch(ctx)
    assert message(ctx, message_id).channel == "webhook"
    with ctx.sessions() as s:
        suppressed = s.scalars(select(Suppression.address).where(Suppression.channel == "sms"))
        assert list(suppressed) == ["+84901234567"]


def test_esms_balance_103_holds_the_shops_sms_without_failing_them(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    """eSMS "Table of error codes": 103 "Not enough balance to send message". The shop must
    top up; its SMS wait (a per-shop SMS "not before"), are not failed, do not fall back and
    do not use up their attempts; after the hold they go out."""
    fake, base = providers
    _esms(ctx, shop, base)
    fake.script[SEND_PATH] = [(200, ANSWERS["balance"])]
    first = make_customer(ctx, shop, "C1")
    second = make_customer(ctx, shop, "C2", phone="+84901234568", email="b@example.com")
    one = enqueue(ctx, shop, first.id, channels=["sms", "email"], kind="service", key="a")
    dispatch(ctx)
    held = message(ctx, one)
    assert held.status == "queued" and held.channel == "sms" and held.attempts == 0
    two = enqueue(ctx, shop, second.id, channels=["sms", "email"], kind="service", key="b")
    dispatch(ctx)
    assert len(fake.requests) == 1  # the second waits for the hold without a call
    assert message(ctx, two).status == "queued" and message(ctx, two).attempts == 0
    with ctx.sessions() as s:
        hold = s.scalars(select(ChannelThrottle)).one()
        assert hold.channel == "sms" and "103" in str(hold.reason)
    ctx.clock.advance(timedelta(hours=1, seconds=1))
    dispatch(ctx)
    assert message(ctx, one).status == "sent" and message(ctx, two).status == "sent"
    assert message(ctx, one).channel == "sms"


def _mo(sender: str, content: str, smsid: str, key: str = PRIVATE_KEY) -> str:
    receiver_time = "20261207093015"
    sign = esms_mo_sign(CPID, smsid, content, receiver_time, key)
    return urlencode(
        {
            "sender": sender,
            "content": content,
            "serviceNumber": "8079",
            "keyword": content.split()[0] if content.split() else "",
            "sign": sign,
            "cpid": CPID,
            "smsid": smsid,
            "receiverTime": receiver_time,
        }
    )


def test_esms_mo_sign_is_md5_of_the_fields_and_the_private_key_in_order() -> None:
    """eSMS "Kết nối đầu số ngắn", section 2: hashValue(v1, v2, ...) = MD5(v1 + v2 + ... +
    private_key), over cpid, smsid, content, receiverTime; the page's worked example uses
    the key 17417a0d20114d36a902e49cad0e97f3."""
    expected = hashlib.md5(b"abcdef1234xyz" + PRIVATE_KEY.encode()).hexdigest()
    assert esms_mo_sign("abcdef", "1234", "xyz", "", PRIVATE_KEY) == expected


def test_esms_reply_with_a_valid_sign_reaches_the_support_desk(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str], app_client: TestClient
) -> None:
    """eSMS "Kết nối đầu số ngắn": a reply arrives as a GET with sender (84...), content and
    an MD5 sign; eSMS expects a <ClientResponse>. A valid one becomes a support ticket like
    any SMS reply; a forged sign is refused and changes nothing."""
    from careloop.support.models import Ticket

    _fake, base = providers
    _esms(ctx, shop, base)
    make_customer(ctx, shop)
    forged = _mo("84901234567", "Đơn của tôi chưa tới", "mo-1", key="wrong")
    assert app_client.get(f"/c/hooks/sms/acme/inbound?{forged}").status_code == 403
    with ctx.sessions() as s:
        assert s.scalars(select(Ticket)).all() == []
    good = _mo("84901234567", "Đơn của tôi chưa tới", "mo-1")
    for _ in range(2):  # eSMS may repeat a request; it is filed once
        reply = app_client.get(f"/c/hooks/sms/acme/inbound?{good}")
        assert reply.status_code == 200 and "<ClientResponse>" in reply.text
        assert "<Smsid>mo-1</Smsid>" in reply.text
    with ctx.sessions() as s:
        tickets = s.scalars(select(Ticket)).all()
        assert len(tickets) == 1 and tickets[0].channel == "sms"


@pytest.mark.parametrize("word", ["HUY", "Dừng"])
def test_esms_stop_reply_opts_the_customer_out_of_sms(
    ctx: AppContext,
    shop: Shop,
    providers: tuple[FakeProviders, str],
    app_client: TestClient,
    word: str,
) -> None:
    """eSMS "Kết nối đầu số ngắn": the MO `content` is the customer's text; a STOP word in it
    opts the number out of SMS, as for every SMS reply."""
    _fake, base = providers
    _esms(ctx, shop, base)
    customer = make_customer(ctx, shop, accepts_marketing=True)
    reply = app_client.get(f"/c/hooks/sms/acme/inbound?{_mo('84901234567', word, 'mo-9')}")
    assert reply.status_code == 200
    with ctx.sessions() as s:
        state = s.scalar(
            select(Consent.state).where(
                Consent.customer_id == customer.id, Consent.channel == "sms"
            )
        )
        assert state == "denied"
