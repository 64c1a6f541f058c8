"""SMS providers: Twilio's Messages API and eSMS.vn, behind one interface.

Twilio: POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP basic auth
(AccountSid:AuthToken), form body To/From/Body/StatusCallback; 201 with {"sid", "status"};
errors as {"code", "message", "status"}. Status callbacks and inbound messages are signed
with X-Twilio-Signature (HMAC-SHA1 of the URL plus sorted form pairs, base64).

eSMS: POST {base}/MainService.svc/json/SendMultipleMessage_V4_post_json/ with JSON
ApiKey/SecretKey/Phone/Content/Brandname/SmsType/IsUnicode/RequestId/CallbackUrl;
answers {"CodeResult": "100", "SMSID": ...}; RequestId de-duplicates our retries.
Delivery reports come back as a GET to CallbackUrl with SMSID, SendStatus, RequestId.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import httpx

from careloop.channels.base import Outgoing, PermanentError, Sent, TransientError
from careloop.channels.netguard import client_for, guarded_call

TWILIO_BASE_URL = "https://api.twilio.com"
ESMS_BASE_URL = "https://rest.esms.vn"

# Twilio error codes (REST API error dictionary) for which the number itself is unusable.
TWILIO_BAD_NUMBER = {21211, 21214, 21217, 21401, 21407, 21421, 21612, 21614}
TWILIO_OPTED_OUT = 21610
# Twilio statuses of a status callback, mapped to ours.
TWILIO_STATUS = {
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "read": "opened",
}

ESMS_OK = "100"
# Worth retrying later: unknown error, out of balance.
ESMS_TRANSIENT = {"99", "103"}
# eSMS SendStatus in delivery callbacks: 5 sent successfully, 4 rejected.
ESMS_STATUS = {"5": "delivered", "4": "failed"}


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
        reason = f"esms {code[:12]} (HTTP {response.status_code})"
        if code in ESMS_TRANSIENT:
            raise TransientError(reason)
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
