"""Signed inbound calls (valid, tampered, missing, stale) and the SSRF guard on every outbound
URL a shop can configure (webhook URL, SMS and Zalo base URLs)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from fastapi.testclient import TestClient

from careloop.channels.base import Outgoing
from careloop.channels.netguard import (
    TargetRefused,
    check_url,
    guarded_call,
    guarded_client,
    non_public_reason,
)
from careloop.channels.sms import EsmsProvider, TwilioProvider
from careloop.channels.webhook import WebhookProvider, sign_body, verify_signature
from careloop.channels.zalo import ZaloProvider, event_signature
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.channels.helpers import configure

# --- Zalo OA events: X-ZEvent-Signature = mac=sha256(app_id + body + timestamp + OA key) ---


def _zalo_event(ctx: AppContext, age: timedelta = timedelta(0), app_id: str = "app1") -> str:
    stamp = int((ctx.clock.now() - age).timestamp() * 1000)
    return json.dumps({"app_id": app_id, "event_name": "follow", "timestamp": str(stamp)})


def _zalo_post(client: TestClient, raw: str, signature: str | None) -> int:
    headers = {"X-ZEvent-Signature": signature} if signature is not None else {}
    return client.post("/c/hooks/zalo/acme", content=raw, headers=headers).status_code


def _sign_zalo(raw: str, secret: str = "oa-secret") -> str:
    event = json.loads(raw)
    return event_signature(event["app_id"], raw, event["timestamp"], secret)


def test_zalo_oa_events_need_a_valid_fresh_signature_of_the_shops_own_app(
    ctx: AppContext, shop: Shop, app_client: TestClient
) -> None:
    configure(ctx, shop, "zalo", app_id="app1", oa_secret_key="oa-secret")
    raw = _zalo_event(ctx)
    assert _zalo_post(app_client, raw, _sign_zalo(raw)) == 200
    assert _zalo_post(app_client, raw.replace("follow", "unfollow"), _sign_zalo(raw)) == 403
    assert _zalo_post(app_client, raw, None) == 403
    assert _zalo_post(app_client, raw, _sign_zalo(raw, "another-oa-key")) == 403
    stale = _zalo_event(ctx, age=timedelta(minutes=6))
    assert _zalo_post(app_client, stale, _sign_zalo(stale)) == 403
    slightly_skewed = _zalo_event(ctx, age=timedelta(minutes=4))
    assert _zalo_post(app_client, slightly_skewed, _sign_zalo(slightly_skewed)) == 200
    other_app = _zalo_event(ctx, app_id="someone-elses-app")
    assert _zalo_post(app_client, other_app, _sign_zalo(other_app)) == 403


def test_zalo_events_are_refused_while_the_shop_has_no_oa_secret_key(
    ctx: AppContext, shop: Shop, app_client: TestClient
) -> None:
    configure(ctx, shop, "zalo", app_id="app1")
    raw = _zalo_event(ctx)
    assert _zalo_post(app_client, raw, _sign_zalo(raw, "")) == 403


# --- Our own webhook channel: receivers verify t=...,v1=... with a 5 minute window ---


def test_the_outbound_webhook_signature_verifies_only_fresh_untampered_bodies(
    ctx: AppContext,
) -> None:
    now = ctx.clock.now()
    body = b'{"id": "m-1"}'
    header = sign_body("wh-secret", int(now.timestamp()), body)
    assert verify_signature("wh-secret", header, body, now=now)
    assert not verify_signature("wh-secret", header, b'{"id": "m-2"}', now=now)
    assert not verify_signature("wh-secret", None, body, now=now)
    assert not verify_signature("other-secret", header, body, now=now)
    assert not verify_signature("wh-secret", header, body, now=now + timedelta(minutes=6))
    assert not verify_signature("wh-secret", "t=abc,v1=00", body, now=now)


# --- Order webhooks: the platforms sign the body only; a replay is a duplicate, stored once ---


def test_an_order_webhook_needs_the_connector_signature_and_a_replay_is_stored_once(
    ctx: AppContext, shop: Shop, app_client: TestClient
) -> None:
    from careloop.connectors.service import add_connector
    from tests.connectors.conftest import sign_base64

    with ctx.sessions() as s, s.begin():
        add_connector(
            session=s, clock=ctx.clock, shop=s.merge(shop), platform="shopify", secret="shp-secret"
        )
    body = json.dumps(
        {"id": 9001, "created_at": "2026-10-30T00:00:00Z", "total_price": "120000.00",
         "currency": "VND", "customer": {"id": 77, "email": "c@acme.test"}, "line_items": []}
    ).encode()  # fmt: skip
    url = "/api/v1/webhooks/shopify/acme"
    topic = {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "wh-9001"}
    signed = {**topic, "X-Shopify-Hmac-Sha256": sign_base64(body, "shp-secret")}
    assert app_client.post(url, content=body, headers=topic).status_code == 401
    tampered = body.replace(b"120000.00", b"1.00")
    assert app_client.post(url, content=tampered, headers=signed).status_code == 401
    first = app_client.post(url, content=body, headers=signed)
    assert first.status_code == 200, first.text
    replay = app_client.post(url, content=body, headers=signed)
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"


# --- SSRF: addresses, URL forms, DNS answers and DNS rebinding ---

BLOCKED = [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "::1", "fe80::1", "fd00::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "224.0.0.1", "::",
]  # fmt: skip


@pytest.mark.parametrize("address", BLOCKED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert non_public_reason(address) is not None


def test_public_addresses_pass() -> None:
    assert non_public_reason("93.184.216.34") is None
    assert non_public_reason("2606:2800:220:1:248:1893:25c8:1946") is None


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",  # decimal 127.0.0.1
        "http://0x7f.1/",  # hex
        "http://017700000001/",  # octal
        "http://0177.0.0.1/",  # dotted octal
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]:8080/",
        "http://localhost/",
        "ftp://example.com/",
        "file:///etc/passwd",
    ],
)
def test_numeric_and_odd_url_forms_of_private_targets_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused):
        check_url(url, allow_private=False)


def test_a_name_resolving_to_any_private_address_is_refused_unless_allowed() -> None:
    def resolver(host: str) -> list[str]:
        return ["93.184.216.34", "10.0.0.5"]

    with pytest.raises(TargetRefused, match=r"10\.0\.0\.5"):
        check_url("https://hooks.example/x", allow_private=False, resolver=resolver)
    check_url("https://hooks.example/x", allow_private=True, resolver=resolver)


class _Hook(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        _Hook.hits.append(self.path)
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.hits.clear()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_dns_rebinding_is_caught_when_the_socket_connects(local_server: int) -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # public when checked, then local

    def rebinding(host: str) -> list[str]:
        return next(answers)

    url = f"http://rebind.example:{local_server}/hook"
    with (
        guarded_client(allow_private=False, resolver=rebinding) as client,
        pytest.raises(TargetRefused, match=r"127\.0\.0\.1"),
    ):
        guarded_call(client, "POST", url, allow_private=False, content=b"{}")
    assert _Hook.hits == []


def test_an_allowed_private_target_is_reached_at_the_address_that_was_checked(
    local_server: int,
) -> None:
    with guarded_client(allow_private=True, resolver=lambda h: ["127.0.0.1"]) as client:
        url = f"http://only-our-resolver-knows.example:{local_server}/hook"
        response = guarded_call(client, "POST", url, allow_private=True, content=b"{}")
    assert response.status_code == 200 and _Hook.hits == ["/hook"]


def _outgoing() -> Outgoing:
    return Outgoing(
        message_id=1, shop_id=1, dedup_id="d-1", channel="sms", kind="service",
        to="+84901234567", template_key="thank_you", subject="", text="hi",
    )  # fmt: skip


def test_every_shop_configurable_provider_url_is_guarded(
    ctx: AppContext,
    local_server: int,
    private_network_refused: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = f"http://127.0.0.1:{local_server}"
    providers = [
        WebhookProvider({"url": f"{base}/hook", "secret": "s"}, clock=ctx.clock),
        EsmsProvider({"api_key": "k", "secret_key": "s", "base_url": base}),
        TwilioProvider({"account_sid": "AC1", "auth_token": "t", "base_url": base}),
        ZaloProvider(
            {"app_id": "a", "access_token": "t", "base_url": base, "oauth_base_url": base,
             "access_token_expires_at": (ctx.clock.now() + timedelta(days=1)).isoformat(),
             "template_ids": {"thank_you": "1"}},
            clock=ctx.clock, save_tokens=lambda tokens: None,
        ),
    ]  # fmt: skip
    for provider in providers:
        with pytest.raises(TargetRefused):
            provider.send(_outgoing())
        provider.close()
    assert _Hook.hits == []
    # A shop cannot switch the guard off: its own allow_private is ignored...
    shop_allowed = WebhookProvider(
        {"url": f"{base}/hook", "secret": "s", "allow_private": True}, clock=ctx.clock
    )
    with pytest.raises(TargetRefused):
        shop_allowed.send(_outgoing())
    assert _Hook.hits == []
    # ...only the instance can (CARELOOP_ALLOW_PRIVATE_NETWORK in its environment).
    monkeypatch.setenv("CARELOOP_ALLOW_PRIVATE_NETWORK", "1")
    allowed = WebhookProvider({"url": f"{base}/hook", "secret": "s"}, clock=ctx.clock)
    allowed.send(_outgoing())
    assert _Hook.hits == ["/hook"]
