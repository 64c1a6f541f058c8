"""Issue 11.2: an SMS provider down for 10 (virtual) minutes. The dispatcher retries with
exponential backoff and jitter, then falls back to the next channel, or delivers once when
the provider is back first; nothing is lost and nothing arrives twice."""

from __future__ import annotations

import itertools
import json
import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from careloop.channels.dispatch import dispatch_due
from careloop.channels.models import MessageStatusHistory
from careloop.context import AppContext
from careloop.core.clock import Clock
from careloop.shops.models import Shop
from tests.channels.conftest import Inbox
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, enqueue, history, message

ESMS_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
OUTAGE = timedelta(minutes=10)
TICK = timedelta(seconds=15)


class FlakyEsms:
    """eSMS answering 503 until `down_until` (on the test's clock), then accepting each
    RequestId once: a repeat gets the first answer and sends nothing, as eSMS does."""

    def __init__(self, clock: Clock, down_until: datetime) -> None:
        self.clock, self.down_until = clock, down_until
        self.refused = 0
        self.delivered: Counter[str] = Counter()  # RequestId -> SMS that reached a phone
        self.repeats = 0

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.clock.now() < self.down_until:
            self.refused += 1
            return 503, {"error": "Service Unavailable"}
        request_id = str(body["RequestId"])
        if request_id in self.delivered:
            self.repeats += 1
        else:
            self.delivered[request_id] += 1
        return 200, {"CodeResult": "100", "SMSID": f"esms-{request_id}"}


@pytest.fixture
def flaky_esms(ctx: AppContext) -> Iterator[tuple[FlakyEsms, str]]:
    esms = FlakyEsms(ctx.clock, ctx.clock.now() + OUTAGE)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            status, answer = esms.answer(body) if self.path == ESMS_PATH else (404, {})
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield esms, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _configure(ctx: AppContext, shop: Shop, esms_url: str, smtp_port: int) -> None:
    configure(
        ctx,
        shop,
        "sms",
        "esms",
        api_key="ek",
        secret_key="es",
        base_url=esms_url,
        allow_private=True,
    )
    configure(
        ctx,
        shop,
        "email",
        host="127.0.0.1",
        port=smtp_port,
        security="none",
        from_address="care@shop.test",
    )


def _customers_with_messages(
    ctx: AppContext, shop: Shop, count: int, channels: list[str]
) -> list[int]:
    ids = []
    for n in range(count):
        customer = make_customer(
            ctx, shop, f"C{n}", email=f"c{n}@example.com", phone=f"+8490123{n:04d}"
        )
        ids.append(
            enqueue(ctx, shop, customer.id, channels=channels, kind="transactional", key=f"k{n}")
        )
    return ids


def _run_for(ctx: AppContext, span: timedelta, rng: random.Random) -> None:
    end = ctx.clock.now() + span
    while ctx.clock.now() < end:
        dispatch_due(ctx, rng=rng)
        ctx.clock.advance(TICK)  # type: ignore[attr-defined]


def _retry_gaps(ctx: AppContext, message_id: int) -> list[float]:
    with ctx.sessions() as s:
        times = list(
            s.scalars(
                select(MessageStatusHistory.at)
                .where(
                    MessageStatusHistory.message_id == message_id,
                    MessageStatusHistory.status == "retry",
                )
                .order_by(MessageStatusHistory.id)
            )
        )
    return [(b - a).total_seconds() for a, b in itertools.pairwise(times)]


def test_sms_outage_retries_with_backoff_then_falls_back_to_email_once(
    ctx: AppContext, shop: Shop, flaky_esms: tuple[FlakyEsms, str], smtp_server: tuple[Inbox, int]
) -> None:
    esms, esms_url = flaky_esms
    inbox, smtp_port = smtp_server
    _configure(ctx, shop, esms_url, smtp_port)
    ids = _customers_with_messages(ctx, shop, 4, ["sms", "email"])

    _run_for(ctx, timedelta(minutes=30), random.Random(11))

    assert not esms.delivered and esms.refused == 4 * 4  # four tries each, all during the outage
    arrived = Counter(str(m["To"]) for m in inbox.messages)
    assert arrived == Counter({f"c{n}@example.com": 1 for n in range(4)})
    for message_id in ids:
        done = message(ctx, message_id)
        assert (done.channel, done.status) == ("email", "sent")
        steps = history(ctx, message_id)
        assert [s for s, _, _ in steps] == ["queued", *["retry"] * 3, "fallback", "sent"]
        assert all("503" in (reason or "") for s, _, reason in steps if s in ("retry", "fallback"))
    gaps = [_retry_gaps(ctx, message_id) for message_id in ids]
    for first, second in gaps:
        # Exponential: backoff ceilings 60 s then 120 s after the 1st and 2nd failures;
        # "equal jitter" keeps each wait in [ceiling / 2, ceiling] (plus one dispatch tick).
        assert 30 <= first <= 60 + TICK.total_seconds()
        assert 60 <= second <= 120 + TICK.total_seconds()
    assert len({tuple(g) for g in gaps}) > 1  # jitter: customers do not retry in lockstep


def test_sms_outage_without_fallback_delivers_once_when_the_provider_is_back(
    ctx: AppContext, shop: Shop, flaky_esms: tuple[FlakyEsms, str], smtp_server: tuple[Inbox, int]
) -> None:
    esms, esms_url = flaky_esms
    inbox, smtp_port = smtp_server
    _configure(ctx, shop, esms_url, smtp_port)
    ids = _customers_with_messages(ctx, shop, 3, ["sms"])

    _run_for(ctx, timedelta(minutes=45), random.Random(5))

    assert esms.refused >= 3 * 4 and esms.repeats == 0
    assert sorted(esms.delivered) == sorted(message(ctx, i).dedup_id for i in ids)
    assert set(esms.delivered.values()) == {1} and inbox.messages == []
    for message_id in ids:
        done = message(ctx, message_id)
        assert (done.channel, done.status) == ("sms", "sent")
        statuses = [s for s, _, _ in history(ctx, message_id)]
        assert statuses[0] == "queued" and statuses[-1] == "sent"
        assert statuses.count("retry") >= 4 and "fallback" not in statuses
        assert done.sent_at is not None and done.sent_at >= done.created_at + OUTAGE


def test_a_recovered_provider_sees_each_request_id_once_even_after_an_ambiguous_answer(
    ctx: AppContext, shop: Shop, flaky_esms: tuple[FlakyEsms, str], smtp_server: tuple[Inbox, int]
) -> None:
    esms, esms_url = flaky_esms
    inbox, smtp_port = smtp_server
    esms.down_until = ctx.clock.now()  # up from the start
    _configure(ctx, shop, esms_url, smtp_port)
    (message_id,) = _customers_with_messages(ctx, shop, 1, ["sms", "email"])
    original = esms.answer

    def accept_then_fail(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        original(body)  # the SMS goes out, but the gateway answers 502 (ambiguous)
        esms.answer = original  # type: ignore[method-assign]
        return 502, {}

    esms.answer = accept_then_fail  # type: ignore[method-assign]
    _run_for(ctx, timedelta(minutes=10), random.Random(3))

    done = message(ctx, message_id)
    assert (done.channel, done.status) == ("sms", "sent")
    assert [s for s, _, _ in history(ctx, message_id)] == ["queued", "maybe_sent", "sent"]
    assert esms.delivered == Counter({done.dedup_id: 1}) and esms.repeats == 1
    assert inbox.messages == []
