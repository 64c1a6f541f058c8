"""SMS providers: Twilio's Messages API and eSMS.vn, behind one interface.

Twilio: POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP basic auth
(AccountSid:AuthToken), form body To/From/Body/StatusCallback; 201 with {"sid", "status"};
errors as {"code", "message", "status"}. Status callbacks and inbound messages are signed
with X-Twilio-Signature (HMAC-SHA1 of the URL plus sorted form pairs, base64).

eSMS: POST {base}/MainService.svc/json/SendMultipleMessage_V4_post_json/ with JSON
ApiKey/SecretKey/Phone/Content/Brandname/SmsType/IsUnicode/RequestId/CallbackUrl;
answers {"CodeResult": "100", "SMSID": ...}; RequestId de-duplicates our retries.
Codes follow eSMS's "Table of error codes" (developers.esms.vn/en/esms-api/
table-of-error-codes): 100 accepted (not delivered), 99 number blocked in the system,
101 wrong keys, 103 balance too low, 104 brandname unknown, 108 phone format,
124 duplicate RequestId (an earlier attempt with this id was accepted).
Delivery reports come back as a GET to CallbackUrl (developers.esms.vn/en/esms-api/
callback-url) with SMSID, SendStatus (1 pending approval, 2 waiting, 4 rejected,
5 finished, 7 at the telco), SendSuccess and SendFailed (counts), RequestId: status 5 only
says eSMS is done, the outcome is in SendSuccess/SendFailed.
Replies (MO) come as a GET with sender, content, smsid, cpid, receiverTime and
sign = MD5(cpid + smsid + content + receiverTime + private key) (developers.esms.vn/
esms-api/ket-noi-ma-svoucher/ket-noi-dau-so-ngan).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import httpx

from careloop.channels.base import (
    Outgoing,
    PermanentError,
    RateLimited,
    Sent,
)
from careloop.channels.http import rate_limited
from careloop.channels.netguard import client_for, guarded_call

TWILIO_BASE_URL = "https://api.twilio.com"
ESMS_BASE_URL = "https://rest.esms.vn"

# Twilio error codes (REST API error dictionary) for which the number itself is unusable.
# Not 21612 ("The 'To' phone number is not currently reachable using the 'From' phone number
# via SMS", twilio.com/docs/api/errors/21612): that is our sender's pairing (country,
# number type, messaging service), so the message fails and the customer's number stays.
TWILIO_BAD_NUMBER = {21211, 21214, 21217, 21401, 21407, 21421, 21614}
TWILIO_OPTED_OUT = 21610
# 20429 "Too Many Requests" (twilio.com/docs/api/errors/20429), sent with HTTP 429.
TWILIO_RATE_LIMITED = 20429
# Twilio statuses of a status callback, mapped to ours.
TWILIO_STATUS = {
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "read": "opened",
}

ESMS_OK = "100"
# 124: "Duplicate RequestId" - the id was accepted before, so this message went out then.
ESMS_DUPLICATE = "124"
# Out of balance: the shop must top up; its SMS wait (RateLimited), nothing is failed.
ESMS_BALANCE = "103"
ESMS_BALANCE_WAIT_SECONDS = 3600.0
# The number itself cannot be sent to: 99 "The phone number is blocked in the system",
# 108 "Phone number is not in correct format".
ESMS_BAD_NUMBER = {"99", "108"}
# eSMS SendStatus in delivery callbacks: 4 rejected, 5 finished (see esms_report_status).
ESMS_FINISHED = "5"
ESMS_REJECTED = "4"


def _count(value: str | None) -> int:
    try:
        return int(str(value or "0").strip() or "0")
    except ValueError:
        return 0


def esms_report_status(params: Mapping[str, str]) -> tuple[str, str | None] | None:
    """Our status for an eSMS delivery callback, with a reason; None while eSMS is not done.

    SendStatus 5 means eSMS finished with the message, not that it arrived: it is delivered
    only if SendSuccess counts a success, failed if SendFailed counts a failure."""
    status = str(params.get("SendStatus") or "").strip()
    if status == ESMS_REJECTED:
        return "failed", "rejected by eSMS (SendStatus 4)"
    if status != ESMS_FINISHED:
        return None  # 1 pending approval, 2 waiting, 7 at the telco: not final
    if _count(params.get("SendSuccess")) > 0:
        return "delivered", None
    if _count(params.get("SendFailed")) > 0:
        return "failed", "not delivered (eSMS SendStatus 5, SendFailed)"
    return None


def esms_mo_sign(cpid: str, smsid: str, content: str, receiver_time: str, private_key: str) -> str:
    """The `sign` of an eSMS MO request: MD5 of cpid, smsid, content, receiverTime and the
    private key, concatenated in that order, as lowercase hex."""
    data = f"{cpid}{smsid}{content}{receiver_time}{private_key}".encode()
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def esms_mo_sign_ok(params: Mapping[str, str], cpid: str, private_key: str) -> bool:
    """Whether an MO request is from eSMS for this shop: its cpid is the shop's and its sign
    verifies with the shop's private key (constant-time, case-insensitive hex)."""
    if not cpid or not private_key or str(params.get("cpid") or "") != cpid:
        return False
    expected = esms_mo_sign(
        cpid,
        str(params.get("smsid") or ""),
        str(params.get("content") or ""),
        str(params.get("receiverTime") or ""),
        private_key,
    )
    given = str(params.get("sign") or "").strip().lower()
    return hmac.compare_digest(expected.encode(), given.encode())


class TwilioProvider:
    name = "twilio"
    # The Messages API has no idempotency key: an ambiguous send is never retried.
    supports_dedup = False

    def __init__(self, config: Mapping[str, Any], client: httpx.Client | None = None) -> None:
        self.config = config
        # base_url is shop-configurable: every connection passes the SSRF guard.
        self.client = client or client_for(config)

    def send(self, out: Outgoing) -> Sent:
        sid = str(self.config.get("account_sid") or "")
        base = str(self.config.get("base_url") or TWILIO_BASE_URL).rstrip("/")
        form = {"To": out.to, "Body": out.text}
        if self.config.get("messaging_service_sid"):
            form["MessagingServiceSid"] = str(self.config["messaging_service_sid"])
        else:
            form["From"] = str(self.config.get("from_number") or "")
        if out.status_callback:
            form["StatusCallback"] = out.status_callback
        response = guarded_call(
            self.client,
            "POST",
            f"{base}/2010-04-01/Accounts/{sid}/Messages.json",
            data=form,
            auth=(sid, str(self.config.get("auth_token") or "")),
        )
        body = _json(response)
        if response.status_code in (200, 201):
            return Sent(provider=self.name, provider_message_id=str(body.get("sid") or ""))
        code = int(body.get("code") or 0)
        # Status and code only: the remote's own text is never shown to staff (netguard).
        reason = f"twilio {code or response.status_code} (HTTP {response.status_code})"
        if code == TWILIO_RATE_LIMITED:
            raise rate_limited(response, reason)
        if code in TWILIO_BAD_NUMBER or code == TWILIO_OPTED_OUT:
            raise PermanentError(reason, suppress=True)
        raise PermanentError(reason)

    def close(self) -> None:
        self.client.close()


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """X-Twilio-Signature for a POST to `url` with form `params`."""
    data = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_signature_ok(auth_token: str, url: str, params: Mapping[str, str], given: str) -> bool:
    return bool(auth_token) and hmac.compare_digest(
        twilio_signature(auth_token, url, params), given
    )


class EsmsProvider:
    name = "esms"
    supports_dedup = True  # RequestId

    def __init__(self, config: Mapping[str, Any], client: httpx.Client | None = None) -> None:
        self.config = config
        # base_url is shop-configurable: every connection passes the SSRF guard.
        self.client = client or client_for(config)

    def send(self, out: Outgoing) -> Sent:
        base = str(self.config.get("base_url") or ESMS_BASE_URL).rstrip("/")
        payload: dict[str, str] = {
            "ApiKey": str(self.config.get("api_key") or ""),
            "SecretKey": str(self.config.get("secret_key") or ""),
            "Phone": out.to.lstrip("+"),
            "Content": out.text,
            "SmsType": str(self.config.get("sms_type") or "2"),
            "IsUnicode": "0" if out.text.isascii() else "1",
            "RequestId": out.dedup_id,
            "Sandbox": "1" if self.config.get("sandbox") else "0",
        }
        if self.config.get("brandname"):
            payload["Brandname"] = str(self.config["brandname"])
        if out.status_callback:
            payload["CallbackUrl"] = out.status_callback
        response = guarded_call(
            self.client,
            "POST",
            f"{base}/MainService.svc/json/SendMultipleMessage_V4_post_json/",
            json=payload,
        )
        body = _json(response)
        code = str(body.get("CodeResult") or response.status_code)
        if response.status_code == 200 and code == ESMS_OK:
            return Sent(provider=self.name, provider_message_id=str(body.get("SMSID") or ""))
        # Status and code only: the remote's own text is never shown to staff (netguard).
        reason = f"esms {code[:12]} (HTTP {response.status_code})"
        if response.status_code == 200 and code == ESMS_DUPLICATE:
            # Only our own retry reuses a RequestId: the first attempt was accepted.
            return Sent(
                provider=self.name,
                provider_message_id=str(body.get("SMSID") or "") or None,
                note="eSMS 124: RequestId already accepted by an earlier attempt",
            )
        if code == ESMS_BALANCE:
            raise RateLimited(reason, retry_after=ESMS_BALANCE_WAIT_SECONDS)
        if code in ESMS_BAD_NUMBER:
            raise PermanentError(reason, suppress=True)
        raise PermanentError(reason)

    def close(self) -> None:
        self.client.close()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def sms_provider(
    provider: str, config: Mapping[str, Any], client: httpx.Client | None = None
) -> TwilioProvider | EsmsProvider:
    if provider == "twilio":
        return TwilioProvider(config, client)
    if provider == "esms":
        return EsmsProvider(config, client)
    raise PermanentError(f"unknown SMS provider {provider!r} (use twilio or esms)")
