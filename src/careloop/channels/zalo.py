"""Zalo ZNS template messages and OA customer-service replies, with the Official Account
access-token refresh.

ZNS: POST {base}/message/template, header `access_token`, JSON {phone (84...),
template_id, template_data, tracking_id}; answers {"error": 0, "message": "Success",
"data": {"msg_id", "sent_time"}} or {"error": <negative code>, "message": ...}. ZNS reaches
a person by phone number. `tracking_id` is the partner's own reference, echoed in callbacks;
Zalo does not document it as a duplicate guard, so an ambiguous send (timeout, connection
reset after the request left) is never resent: it goes to staff as `maybe_sent`.

OA customer-service message (developers.zalo.me, Official Account API, "Gửi tin tư vấn
dạng văn bản"): POST {openapi}/v3.0/oa/message/cs, header `access_token`, JSON
{"recipient": {"user_id"}, "message": {"text"}}. Allowed only as an answer to a person who
wrote to the OA recently (CS_WINDOW); used for support replies to such a person.

Refresh: POST {oauth}/v4/oa/access_token, header `secret_key: <app secret>`, form
{refresh_token, app_id, grant_type=refresh_token} -> {access_token, refresh_token,
expires_in}. Refresh tokens are single use: the refresh runs single-flight across workers
through a TokenStore (a row lock on the stored settings), and the new pair is saved at once.

Error codes: ZNS "Cách xử lý mã lỗi" (zalo.cloud/zns/guidelines/handle-error-code).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx

from careloop.channels.base import (
    Outgoing,
    PermanentError,
    RateLimited,
    Sent,
    TransientError,
)
from careloop.channels.netguard import client_for, guarded_call
from careloop.core.clock import Clock

ZNS_BASE_URL = "https://business.openapi.zalo.me"
OA_BASE_URL = "https://openapi.zalo.me"
OAUTH_BASE_URL = "https://oauth.zaloapp.com"
# Support replies go as OA customer-service messages to a person who wrote to the OA within
# this window (Zalo's free "reply" quota counts 48 hours from the person's last message).
CS_WINDOW = timedelta(hours=48)
# Templates that answer a person (support desk replies): sent as OA CS messages in-window.
CS_TEMPLATES = frozenset({"support.reply"})
# ZNS night-time ban (-133): ZNS may not be sent between 22:00 and 06:00 Vietnam time.
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY_STARTS = time(6, 0)
# Out of ZNS balance (-115): the shop must top up; its Zalo sends wait this long per try.
BALANCE_WAIT_SECONDS = 3600.0
# Refresh this long before the access token expires, so a send never races the expiry.
REFRESH_MARGIN_SECONDS = 300
# An OA event whose timestamp (milliseconds) is further than this from our clock is refused,
# so a captured, validly signed event cannot be replayed later.
EVENT_TOLERANCE_SECONDS = 300

TOKEN_INVALID = -124
# Zalo's ZNS error table (zalo.cloud/zns/guidelines/handle-error-code), by what the
# dispatcher should do.
RETRY_LATER = {-100: "unknown error, try again later"}
BALANCE = -115  # "Out of quota": the ZNS account's balance is too low
NIGHT_BAN = -133  # ZNS may not be sent at night (22:00-06:00 Vietnam time)
SUPPRESS = {-108: "invalid phone number", -118: "Zalo account does not exist or is disabled"}
FALL_BACK = {
    -109: "template id invalid",
    -110: "Zalo version unsupported",
    -111: "template data empty",
    -112: "template data invalid",
    -114: "user inactive, rejected the message or outdated Zalo",
    -117: "OA or app has no permission to use this template",
    -119: "account cannot receive ZNS",
    -131: "template not approved",
}

TokenSaver = Callable[[dict[str, Any]], None]
TOKEN_KEYS = ("access_token", "refresh_token", "access_token_expires_at")


class TokenStore(Protocol):
    """Where the OA's tokens live. `refresh(held, call)` runs `call(refresh_token)` at most
    once across all workers for the refresh token `held`: a worker that finds the stored
    token already replaced by another takes the stored pair instead of spending the
    single-use token twice."""

    def refresh(self, held: str, call: Callable[[str], dict[str, Any]]) -> dict[str, Any]: ...


class SaverTokenStore:
    """One process, no shared storage (tools and tests): refresh and hand the pair to
    `save_tokens`."""

    def __init__(self, save_tokens: TokenSaver) -> None:
        self.save_tokens = save_tokens

    def refresh(self, held: str, call: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        tokens = call(held)
        self.save_tokens(tokens)
        return tokens


def tokens_fresh(config: Mapping[str, Any], now: datetime) -> bool:
    """Whether `config` holds an access token valid past the refresh margin."""
    raw = config.get("access_token_expires_at")
    if not config.get("access_token") or not raw:
        return False
    expires = datetime.fromisoformat(str(raw))
    return now < expires - timedelta(seconds=REFRESH_MARGIN_SECONDS)


def next_daytime(now: datetime) -> datetime:
    """The next 06:00 in Vietnam at or after `now` (when the ZNS night ban ends)."""
    local = now.astimezone(VN_TZ)
    start = datetime.combine(local.date(), DAY_STARTS, tzinfo=VN_TZ)
    if local >= start:
        start = datetime.combine(local.date() + timedelta(days=1), DAY_STARTS, tzinfo=VN_TZ)
    return start.astimezone(now.tzinfo)


def classify(code: int, message: str, now: datetime) -> Exception:
    """The dispatcher's view of a ZNS error code."""
    if code in RETRY_LATER:
        detail = f" ({message})" if message else ""
        return TransientError(f"zalo {code}: {RETRY_LATER[code]}{detail}")
    if code == BALANCE:
        return RateLimited(f"zalo {code}: ZNS balance too low", retry_after=BALANCE_WAIT_SECONDS)
    if code == NIGHT_BAN:
        return RateLimited(
            f"zalo {code}: ZNS not allowed at night, deferred to 06:00",
            not_before=next_daytime(now),
        )
    if code in SUPPRESS:
        return PermanentError(f"zalo {code}: {SUPPRESS[code]}", suppress=True)
    label = FALL_BACK.get(code, message or "error")
    return PermanentError(f"zalo {code}: {label}")


def zalo_phone(e164: str) -> str:
    """ZNS wants 84xxxxxxxxx: the E.164 number without the plus."""
    return e164.lstrip("+")


class ZaloProvider:
    name = "zalo"
    # tracking_id is not a documented duplicate guard: an ambiguous send is never resent.
    supports_dedup = False

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        clock: Clock,
        save_tokens: TokenSaver | None = None,
        token_store: TokenStore | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.config = dict(config)
        self.clock = clock
        self.tokens: TokenStore = token_store or SaverTokenStore(save_tokens or (lambda _: None))
        self.client = client or client_for(config)

    def _token_fresh(self) -> bool:
        return tokens_fresh(self.config, self.clock.now())

    def refresh(self) -> None:
        """A new token pair, single-flight through the token store."""
        held = str(self.config.get("refresh_token") or "")
        tokens = self.tokens.refresh(held, self._call_refresh)
        self.config.update(tokens)

    def _call_refresh(self, refresh_token: str) -> dict[str, Any]:
        base = str(self.config.get("oauth_base_url") or OAUTH_BASE_URL).rstrip("/")
        if not refresh_token:
            raise PermanentError("zalo: no refresh token; reconnect the Official Account")
        response = guarded_call(
            self.client,
            "POST",
            f"{base}/v4/oa/access_token",
            headers={"secret_key": str(self.config.get("app_secret") or "")},
            data={
                "refresh_token": refresh_token,
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
        return {
            "access_token": str(body["access_token"]),
            "refresh_token": str(body.get("refresh_token") or refresh_token),
            "access_token_expires_at": (
                self.clock.now() + timedelta(seconds=expires_in)
            ).isoformat(),
        }

    def send(self, out: Outgoing) -> Sent:
        if not self._token_fresh():
            self.refresh()
        post = self._post_cs if self.as_cs_message(out) else self._post
        code, body = post(out)
        if code == TOKEN_INVALID:
            self.refresh()  # revoked early or clock skew: one refresh, one more try
            code, body = post(out)
        if code == 0:
            raw = body.get("data")
            data: dict[str, Any] = raw if isinstance(raw, dict) else {}
            return Sent(
                provider=self.name,
                provider_message_id=str(data.get("msg_id") or data.get("message_id") or ""),
            )
        # The code only: the remote's own text is never shown to staff (netguard).
        raise classify(code, "", self.clock.now())

    def as_cs_message(self, out: Outgoing) -> bool:
        """A support reply to a person who wrote to the OA within CS_WINDOW goes as an OA
        customer-service message to their Zalo user id; everything else is a ZNS template."""
        last = out.customer.get("zalo_last_inbound_at")
        if out.template_key not in CS_TEMPLATES or not out.customer.get("zalo_user_id"):
            return False
        if not isinstance(last, datetime):
            return False
        return self.clock.now() - last <= CS_WINDOW

    def _post_cs(self, out: Outgoing) -> tuple[int, dict[str, Any]]:
        base = str(self.config.get("oa_base_url") or OA_BASE_URL).rstrip("/")
        response = guarded_call(
            self.client,
            "POST",
            f"{base}/v3.0/oa/message/cs",
            headers={"access_token": str(self.config.get("access_token") or "")},
            json={
                "recipient": {"user_id": str(out.customer["zalo_user_id"])},
                "message": {"text": out.text},
            },
        )
        return _answer(response)

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
        return _answer(response)

    def close(self) -> None:
        self.client.close()


def _answer(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    """(error code, body) of a Zalo answer; the HTTP status when the body says nothing."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return int(body.get("error", response.status_code) or 0), body


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
