"""Zalo ZNS template messages, with the Official Account access-token refresh.

Send: POST {base}/message/template, header `access_token`, JSON {phone (84...),
template_id, template_data, tracking_id}; answers {"error": 0, "message": "Success",
"data": {"msg_id", "sent_time"}} or {"error": <negative code>, "message": ...}.
tracking_id is our dedup id, so a retry after an ambiguous failure is recognisable.

Refresh: POST {oauth}/v4/oa/access_token, header `secret_key: <app secret>`, form
{refresh_token, app_id, grant_type=refresh_token} -> {access_token, refresh_token,
expires_in}. Refresh tokens are single use: the new pair is saved at once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from careloop.channels.base import Outgoing, PermanentError, Sent, TransientError
from careloop.channels.netguard import client_for, guarded_call
from careloop.core.clock import Clock

ZNS_BASE_URL = "https://business.openapi.zalo.me"
OAUTH_BASE_URL = "https://oauth.zaloapp.com"
# Refresh this long before the access token expires, so a send never races the expiry.
REFRESH_MARGIN_SECONDS = 300
# An OA event whose timestamp (milliseconds) is further than this from our clock is refused,
# so a captured, validly signed event cannot be replayed later.
EVENT_TOLERANCE_SECONDS = 300

TOKEN_INVALID = -124
# Zalo's ZNS error table, by what the dispatcher should do.
RETRY_LATER = {-100: "unknown error", -115: "out of quota", -133: "outside sending hours"}
SUPPRESS = {-108: "invalid phone number", -118: "no Zalo account for this phone"}
FALL_BACK = {
    -109: "template id invalid",
    -110: "Zalo version unsupported",
    -111: "template data empty",
    -112: "template data invalid",
    -114: "user inactive or blocked the OA's messages",
    -117: "template not approved for this OA/app",
    -119: "account cannot receive ZNS",
}

TokenSaver = Callable[[dict[str, Any]], None]


def classify(code: int, message: str) -> Exception:
    """The dispatcher's view of a ZNS error code."""
    if code in RETRY_LATER:
        detail = f" ({message})" if message else ""
        return TransientError(f"zalo {code}: {RETRY_LATER[code]}{detail}")
    if code in SUPPRESS:
        return PermanentError(f"zalo {code}: {SUPPRESS[code]}", suppress=True)
    label = FALL_BACK.get(code, message or "error")
    return PermanentError(f"zalo {code}: {label}")


def zalo_phone(e164: str) -> str:
    """ZNS wants 84xxxxxxxxx: the E.164 number without the plus."""
    return e164.lstrip("+")


class ZaloProvider:
    name = "zalo"
    supports_dedup = True  # tracking_id

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        clock: Clock,
        save_tokens: TokenSaver,
        client: httpx.Client | None = None,
    ) -> None:
        self.config = dict(config)
        self.clock = clock
        self.save_tokens = save_tokens
        self.client = client or client_for(config)

    def _token_fresh(self) -> bool:
        raw = self.config.get("access_token_expires_at")
        if not self.config.get("access_token") or not raw:
            return False
        expires = datetime.fromisoformat(str(raw))
        return self.clock.now() < expires - timedelta(seconds=REFRESH_MARGIN_SECONDS)

    def refresh(self) -> None:
        base = str(self.config.get("oauth_base_url") or OAUTH_BASE_URL).rstrip("/")
        if not self.config.get("refresh_token"):
            raise PermanentError("zalo: no refresh token; reconnect the Official Account")
        response = guarded_call(
            self.client,
            "POST",
            f"{base}/v4/oa/access_token",
            headers={"secret_key": str(self.config.get("app_secret") or "")},
            data={
                "refresh_token": str(self.config["refresh_token"]),
                "app_id": str(self.config.get("app_id") or ""),
                "grant_type": "refresh_token",
            },
        )
        body = response.json() if response.content else {}
        if not isinstance(body, dict) or not body.get("access_token"):
            error = body.get("error") if isinstance(body, dict) else None
            # The error code only: the remote's text is never shown to staff (netguard).
            detail = str(error) if isinstance(error, int) else f"HTTP {response.status_code}"
            raise PermanentError(f"zalo token refresh refused: {detail}")
        expires_in = int(body.get("expires_in") or 3600)
        tokens = {
            "access_token": str(body["access_token"]),
            "refresh_token": str(body.get("refresh_token") or self.config["refresh_token"]),
            "access_token_expires_at": (
                self.clock.now() + timedelta(seconds=expires_in)
            ).isoformat(),
        }
        self.config.update(tokens)
        self.save_tokens(tokens)

    def send(self, out: Outgoing) -> Sent:
        if not self._token_fresh():
            self.refresh()
        code, body = self._post(out)
        if code == TOKEN_INVALID:
            self.refresh()  # revoked early or clock skew: one refresh, one more try
            code, body = self._post(out)
        if code == 0:
            raw = body.get("data")
            data: dict[str, Any] = raw if isinstance(raw, dict) else {}
            return Sent(provider=self.name, provider_message_id=str(data.get("msg_id") or ""))
        raise classify(code, "")

    def _post(self, out: Outgoing) -> tuple[int, dict[str, Any]]:
        base = str(self.config.get("base_url") or ZNS_BASE_URL).rstrip("/")
        # The shop's approved ZNS template for this key wins over the file's example id.
        own = self.config.get("template_ids") or {}
        template_id = str(own.get(out.template_key) or out.data.get("_template_id") or "")
        if not template_id:
            raise PermanentError(f"zalo: no approved ZNS template for {out.template_key!r}")
        template_data = {k: v for k, v in out.data.items() if not k.startswith("_")}
        response = guarded_call(
            self.client,
            "POST",
            f"{base}/message/template",
            headers={"access_token": str(self.config.get("access_token") or "")},
            json={
                "phone": zalo_phone(out.to),
                "template_id": template_id,
                "template_data": template_data,
                "tracking_id": out.dedup_id,
            },
        )
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return int(body.get("error", response.status_code) or 0), body

    def close(self) -> None:
        self.client.close()


def event_signature(app_id: str, body: str, timestamp: str, oa_secret_key: str) -> str:
    """X-ZEvent-Signature of an OA webhook, as Zalo documents it:
    "mac=" + hex(sha256(app_id + raw body + timestamp + OA secret key)), where app_id and
    timestamp are the event's own fields."""
    return "mac=" + hashlib.sha256((app_id + body + timestamp + oa_secret_key).encode()).hexdigest()


def event_signature_ok(
    app_id: str, body: str, timestamp: str, oa_secret_key: str, given: str
) -> bool:
    """Constant-time comparison; False without a configured secret or a signature."""
    if not oa_secret_key or not given:
        return False
    expected = event_signature(app_id, body, timestamp, oa_secret_key)
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def event_timestamp_fresh(
    timestamp: str, now: datetime, tolerance_seconds: int = EVENT_TOLERANCE_SECONDS
) -> bool:
    """Zalo stamps events in milliseconds since the epoch (seconds accepted too)."""
    if not timestamp.isdigit():
        return False
    value = int(timestamp)
    seconds = value / 1000 if value > 10**11 else value
    return abs(now.timestamp() - seconds) <= tolerance_seconds


def verify_event(
    config: Mapping[str, Any], raw: str, event: Mapping[str, Any], signature: str, now: datetime
) -> str | None:
    """Why an OA event must be refused, or None if it is genuine and fresh: signed with the
    shop's OA secret key over the event's app_id and timestamp, from the shop's own app, and
    stamped within EVENT_TOLERANCE_SECONDS of now."""
    app_id = str(event.get("app_id") or "")
    timestamp = str(event.get("timestamp") or "")
    secret = str(config.get("oa_secret_key") or "")
    if not event_signature_ok(app_id, raw, timestamp, secret, signature):
        return "bad X-ZEvent-Signature"
    if app_id != str(config.get("app_id") or ""):
        return "event is for another Zalo app"
    if not event_timestamp_fresh(timestamp, now):
        return "stale event timestamp (replay?)"
    return None
