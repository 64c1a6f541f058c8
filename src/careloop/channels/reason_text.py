"""A message's stored reason, in the reader's language.

Messages, their status history and address suppressions keep one English reason line as the
channels wrote it (the API, exports and logs read it as stored): a provider's refusal
("recipient refused (550)"), a contact-policy rule name ("quiet_hours"), a dispatcher step
("no sms consent"). The formats written under careloop/channels (and the send gate of
loyalty/store_codes.py) are recognised here and rendered from catalogue keys
(`channels.reason.*`) at display time, like connectors/result_text.py does for webhook
deliveries. What a provider answered in its own words (a Zalo error message, a socket error)
is kept verbatim after the translated lead; a reason not recognised shows as stored."""

from __future__ import annotations

import re
from typing import Final

from careloop.core.catalogue import has_message, t

# (format of a reason as the channels write it, catalogue key); {name} matches any text.
# A parameter named `inner` is itself a reason and is rendered the same way; `detail` is the
# provider's or the system's own text, kept verbatim. Earlier formats win.
FORMATS: Final = (
    # contact policy rules (channels/policy.py, channels/outreach.py); `channels` is a list
    # of channel codes joined by ", "
    ("{channels} not set up for this shop: sent by {channel} instead", "channels.reason.instead"),
    ("unreachable", "channels.reason.unreachable"),
    ("no_consent", "channels.reason.no_consent"),
    ("quiet_hours", "channels.reason.quiet_hours"),
    ("daily_cap", "channels.reason.daily_cap"),
    ("window_cap", "channels.reason.window_cap"),
    ("customer_frequency", "channels.reason.customer_frequency"),
    ("ad_sms_hours", "channels.reason.ad_sms_hours"),
    ("ad_sms_daily", "channels.reason.ad_sms_daily"),
    ("defer", "channels.reason.deferred"),
    ("deferred", "channels.reason.deferred"),
    ("suppress", "channels.reason.suppressed"),
    ("template_error: {detail}", "channels.reason.template_error"),
    # tracking (channels/tracking.py, channels/web.py)
    ("implied by click", "channels.reason.implied_by_click"),
    ("stop", "channels.reason.stop"),
    ("bounce", "channels.reason.bounce"),
    ("complaint", "channels.reason.complaint"),
    ("twilio error {code}", "channels.reason.twilio_error"),
    # dispatcher (channels/dispatch.py)
    ("customer erased", "channels.reason.customer_erased"),
    ("no {channel} consent", "channels.reason.no_channel_consent"),
    ("{channel} is not configured for this shop", "channels.reason.not_configured"),
    ("customer has no {channel} address", "channels.reason.no_address"),
    ("address suppressed: {inner}", "channels.reason.address_suppressed"),
    (
        "a previous attempt may have been sent and this provider cannot de-duplicate",
        "channels.reason.maybe_sent_no_dedup",
    ),
    ("no provider for channel {channel}", "channels.reason.no_provider"),
    # send gate of loyalty/store_codes.py; `inner` is the coupon's store_error, below
    (
        "waiting for code {code} to be created in the store: {inner}",
        "channels.reason.waiting_store_code_error",
    ),
    ("waiting for code {code} to be created in the store", "channels.reason.waiting_store_code"),
    # a coupon's store_error (loyalty/store_codes.py call_store, connectors/discounts.py)
    ("the store connector has no API credentials any more", "channels.reason.store_no_credentials"),
    ("{platform} refused: {inner}", "channels.reason.store_refused"),
    ("{platform}: {inner}", "channels.reason.store_unreachable"),
    ("{status}: answer is not JSON", "channels.reason.store_not_json"),
    ("{status}: {detail}", "channels.reason.store_http"),
    (
        "a Shopify discount code discounts either the items or the shipping (price rule "
        "target_type), not both: issue free shipping as its own code",
        "channels.reason.store_shopify_items_or_shipping",
    ),
    (
        "a Haravan discount has one discount_type (percentage, fixed_amount or shipping): issue "
        "free shipping as its own code",
        "channels.reason.store_haravan_one_type",
    ),
    (
        "a Haravan code can be limited to one product or one collection only",
        "channels.reason.store_haravan_one_target",
    ),
    ("{name} has no discount API", "channels.reason.store_no_discount_api"),
    ("the store's answer has no {field} id", "channels.reason.store_answer_no_id"),
    (
        "the store's product id is not known for {items} (its product webhook has not arrived): "
        "the code is not created, so it cannot apply to every product",
        "channels.reason.store_unknown_products",
    ),
    # email (channels/email.py)
    ("SMTP login refused: {code}", "channels.reason.smtp_login_refused"),
    ("SMTP host refused: {inner}", "channels.reason.smtp_host_refused"),
    ("SMTP connect to {host} failed: {detail}", "channels.reason.smtp_connect_failed"),
    ("SMTP connection lost while sending: {detail}", "channels.reason.smtp_connection_lost"),
    ("recipient deferred ({code})", "channels.reason.recipient_deferred"),
    ("recipient refused ({code})", "channels.reason.recipient_refused"),
    ("sender refused ({code})", "channels.reason.sender_refused"),
    ("message deferred ({code})", "channels.reason.message_deferred"),
    ("message refused ({code})", "channels.reason.message_refused"),
    # webhook (channels/webhook.py)
    ("webhook: no url configured", "channels.reason.webhook_no_url"),
    ("webhook answered {code}", "channels.reason.webhook_answered"),
    # SMS (channels/sms.py)
    ("twilio {code} (HTTP {status})", "channels.reason.twilio_refused"),
    ("esms {code} (HTTP {status})", "channels.reason.esms_refused"),
    (
        "unknown SMS provider {provider} (use twilio or esms)",
        "channels.reason.unknown_sms_provider",
    ),
    # Zalo (channels/zalo.py, channels/dispatch.py)
    ("zalo: the channel settings were removed", "channels.reason.zalo_settings_removed"),
    ("zalo: no refresh token; reconnect the Official Account", "channels.reason.zalo_no_refresh"),
    ("zalo token refresh refused: {detail}", "channels.reason.zalo_refresh_refused"),
    ("zalo: no approved ZNS template for {template}", "channels.reason.zalo_no_template"),
    ("zalo {code}: ZNS balance too low", "channels.reason.zalo_balance"),
    ("zalo {code}: ZNS not allowed at night, deferred to 06:00", "channels.reason.zalo_night"),
    (
        "zalo {code}: unknown error, try again later ({detail})",
        "channels.reason.zalo_unknown_retry_detail",
    ),
    ("zalo {code}: unknown error, try again later", "channels.reason.zalo_unknown_retry"),
    ("zalo {code}: invalid phone number", "channels.reason.zalo_invalid_phone"),
    ("zalo {code}: Zalo account does not exist or is disabled", "channels.reason.zalo_no_account"),
    ("zalo {code}: template id invalid", "channels.reason.zalo_template_id"),
    ("zalo {code}: Zalo version unsupported", "channels.reason.zalo_version"),
    ("zalo {code}: template data empty", "channels.reason.zalo_data_empty"),
    ("zalo {code}: template data invalid", "channels.reason.zalo_data_invalid"),
    (
        "zalo {code}: user inactive, rejected the message or outdated Zalo",
        "channels.reason.zalo_user_inactive",
    ),
    (
        "zalo {code}: OA or app has no permission to use this template",
        "channels.reason.zalo_no_permission",
    ),
    ("zalo {code}: account cannot receive ZNS", "channels.reason.zalo_cannot_receive"),
    ("zalo {code}: template not approved", "channels.reason.zalo_not_approved"),
    ("zalo {code}: error", "channels.reason.zalo_error"),
    ("zalo {code}: {detail}", "channels.reason.zalo_provider"),
    # HTTP calls and the network guard (channels/http.py, channels/netguard.py)
    ("could not reach {host}: {detail}", "channels.reason.unreachable_host"),
    ("{host} did not answer after the request left: {detail}", "channels.reason.no_answer"),
    ("{host} is rate limiting (429)", "channels.reason.rate_limited"),
    ("{host} is unavailable (503)", "channels.reason.unavailable"),
    ("{host} answered {code}", "channels.reason.host_answered"),
    ("cannot resolve {host}: {detail}", "channels.reason.cannot_resolve"),
    ("{host} resolves to no address", "channels.reason.no_address_for_host"),
    (
        "{host} resolves to {inner}: connections into the private network are refused on "
        "this installation",
        "channels.reason.private_network",
    ),
    ("non-public address {address}", "channels.reason.non_public_address"),
    ("{address} is not an IP address", "channels.reason.not_ip"),
    ("cannot connect to {host}", "channels.reason.cannot_connect"),
)

# Channel codes inside a reason ("no sms consent"), shown by their catalogue names.
_CHANNEL_PREFIX: Final = "channels.reason.channel."


# The shop platforms whose discount APIs write a coupon's store_error, by their own names.
STORE_PLATFORMS: Final = {
    "shopify": "Shopify",
    "woocommerce": "WooCommerce",
    "haravan": "Haravan",
    "sapo": "Sapo",
}
# Parameters narrower than "any text", so "{platform}: {inner}" or "{status}: {detail}" do
# not swallow other reasons that happen to hold a colon.
_NARROW: Final = {"platform": "|".join(STORE_PLATFORMS), "status": r"\d{3}"}


def _pattern(line: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", line)
    regex = "".join(
        f"(?P<{part}>{_NARROW.get(part, '.*')})" if i % 2 else re.escape(part)
        for i, part in enumerate(parts)
    )
    return re.compile(regex, re.DOTALL)


_FORMATS: Final = tuple((_pattern(line), key) for line, key in FORMATS)


def _channel(code: str, locale: str) -> str:
    key = _CHANNEL_PREFIX + code.strip("'\"")
    return t(key, locale) if has_message(key) else code


def reason_text(reason: str | None, locale: str) -> str:
    """`reason` (as a message, history row or suppression stores it) in `locale`; a reason
    not written in one of FORMATS as stored, and None as the empty text."""
    if not reason:
        return ""
    for pattern, key in _FORMATS:
        if match := pattern.fullmatch(reason):
            params = match.groupdict()
            if "inner" in params:
                params["inner"] = reason_text(params["inner"], locale)
            if "channel" in params:
                params["channel"] = _channel(params["channel"], locale)
            if "channels" in params:
                names = params["channels"].split(", ")
                params["channels"] = ", ".join(_channel(c, locale) for c in names)
            if "platform" in params:
                params["platform"] = STORE_PLATFORMS[params["platform"]]
            return t(key, locale, **params)
    return reason
