"""Webhook channel: the message as signed JSON to a shop's URL (a WeChat bridge, Slack...).

Signature header `X-Careloop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">`, keyed with the shop's webhook secret; receivers reject stale timestamps.
Private, loopback and link-local targets are refused unless the shop allows them: the host
is resolved and every address checked (SSRF)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from careloop.channels.base import Outgoing, PermanentError, Sent, TransientError
from careloop.channels.http import call, make_client
from careloop.core.clock import Clock

SIGNATURE_HEADER = "X-Careloop-Signature"
Resolver = Callable[[str], list[str]]


def sign_body(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise TransientError(f"cannot resolve {host}: {exc}") from None
    return sorted({str(info[4][0]) for info in infos})


def check_target(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> None:
    """Refuse URLs that point into the private network, unless explicitly allowed."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise PermanentError(f"webhook url must be http(s) with a host: {url!r}")
    if allow_private:
        return
    for address in resolver(parsed.host):
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise PermanentError(
                f"webhook url {parsed.host} resolves to non-public address {ip}; "
                "allow private targets in the shop's webhook settings to use it"
            )


class WebhookProvider:
    name = "webhook"
    supports_dedup = True  # the body carries the dedup id for the receiver to check

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        clock: Clock,
        client: httpx.Client | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        self.config = config
        self.clock = clock
        self.client = client or make_client()
        self.resolver = resolver

    def send(self, out: Outgoing) -> Sent:
        url = str(self.config.get("url") or "")
        check_target(
            url, allow_private=bool(self.config.get("allow_private")), resolver=self.resolver
        )
        body = json.dumps(
            {
                "id": out.dedup_id,
                "message_id": out.message_id,
                "kind": out.kind,
                "template_key": out.template_key,
                "customer": out.customer,
                "subject": out.subject,
                "text": out.text,
                "data": {k: v for k, v in out.data.items() if not k.startswith("_")},
            },
            ensure_ascii=False,
        ).encode()
        timestamp = int(self.clock.now().timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign_body(str(self.config.get("secret") or ""), timestamp, body),
            "Idempotency-Key": out.dedup_id,
        }
        response = call(self.client, "POST", url, content=body, headers=headers)
        if 200 <= response.status_code < 300:
            return Sent(provider=self.name, provider_message_id=out.dedup_id)
        raise PermanentError(f"webhook answered {response.status_code}")

    def close(self) -> None:
        self.client.close()
