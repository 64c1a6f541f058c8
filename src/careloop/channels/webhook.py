"""Webhook channel: the message as signed JSON to a shop's URL (a WeChat bridge, Slack...).

Signature header `X-Careloop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">`, keyed with the shop's webhook secret; receivers reject stale timestamps.
Private, loopback and link-local targets are refused unless the shop allows them: the host
is resolved and every address checked (SSRF)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from careloop.channels.base import Outgoing, PermanentError, Sent
from careloop.channels.netguard import Resolver, check_url, guarded_call, guarded_client, resolve
from careloop.core.clock import Clock

SIGNATURE_HEADER = "X-Careloop-Signature"
# How far a receiver may trust a signature's timestamp either side of its own clock.
SIGNATURE_TOLERANCE_SECONDS = 300


def sign_body(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    now: datetime,
    tolerance_seconds: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver of our webhook checks: a v1 HMAC of "<t>.<body>" with the shared secret
    (constant-time), and t within the tolerance of its clock (a replayed delivery is stale)."""
    if not secret or not header:
        return False
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        return False
    expected = sign_body(secret, int(stamp), body).split("v1=", 1)[1]
    fresh = abs(now.timestamp() - int(stamp)) <= tolerance_seconds
    return hmac.compare_digest(expected.encode(), given.encode()) and fresh


def check_target(
    url: str, *, allow_private: bool | None = None, resolver: Resolver = resolve
) -> None:
    """Refuse URLs that point into the private network (netguard: an instance setting)."""
    check_url(url, allow_private=allow_private, resolver=resolver)


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
        self.client = client or guarded_client(resolver=resolver)
        self.resolver = resolver

    def send(self, out: Outgoing) -> Sent:
        url = str(self.config.get("url") or "")
        if not url:
            raise PermanentError("webhook: no url configured")
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
        response = guarded_call(
            self.client,
            "POST",
            url,
            resolver=self.resolver,
            content=body,
            headers=headers,
        )
        if 200 <= response.status_code < 300:
            return Sent(provider=self.name, provider_message_id=out.dedup_id)
        raise PermanentError(f"webhook answered {response.status_code}")

    def close(self) -> None:
        self.client.close()
