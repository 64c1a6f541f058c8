"""Message and suppression reasons read in the staff member's language (issue 17).

The reasons are the literal formats written under src/careloop/channels (email.py,
sms.py, zalo.py, webhook.py, http.py, netguard.py, dispatch.py, policy.py/outreach.py,
tracking.py, web.py) and the send gate of loyalty/store_codes.py. Zalo's codes and labels
are those of the ZNS error table zalo.py cites (developers.zalo.me, "Bảng mã lỗi ZNS")."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from careloop.channels.reason_text import FORMATS, reason_text
from careloop.channels.service import record_suppressed
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.shops.models import Shop
from tests.channels.conftest import Inbox
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, dispatch, enqueue, message
from tests.web.helpers import sign_in

# Codes, numbers and names that read the same in Vietnamese.
KEPT = {"smtp", "zalo", "zns", "sms", "esms", "twilio", "oa", "http", "ip", "url", "webhook"}
KEPT |= {"shopify", "woocommerce", "haravan", "sapo", "api", "generic"}  # platform names
PROVIDER_TEXT = "Sai tham số"  # what a provider answered, in its own words

# Every reason as the channels write it, with parameters filled in as they are written.
WRITTEN = [
    "zalo, sms not set up for this shop: sent by email instead",
    "unreachable",
    "no_consent",
    "quiet_hours",
    "daily_cap",
    "window_cap",
    "customer_frequency",
    "ad_sms_hours",
    "ad_sms_daily",
    "defer",
    "deferred",
    "suppress",
    f"template_error: {PROVIDER_TEXT}",
    "implied by click",
    "stop",
    "bounce",
    "complaint",
    "twilio error 30003",
    "customer erased",
    "no email consent",
    "no sms consent",
    "no zalo consent",
    "sms is not configured for this shop",
    "webhook is not configured for this shop",
    "customer has no email address",
    "customer has no sms address",
    "address suppressed: recipient refused (550)",
    "address suppressed: bounce",
    "address suppressed: stop",
    "a previous attempt may have been sent and this provider cannot de-duplicate",
    "no provider for channel 'zalo'",
    "waiting for code GIAM10 to be created in the store",
    f"waiting for code GIAM10 to be created in the store: {PROVIDER_TEXT}",
    f"waiting for code GIAM10 to be created in the store: shopify refused: 401: {PROVIDER_TEXT}",
    # a coupon's store_error (loyalty/store_codes.py, connectors/discounts.py)
    "the store connector has no API credentials any more",
    f"haravan refused: 422: {PROVIDER_TEXT}",
    "sapo refused: 502: answer is not JSON",
    f"woocommerce: could not reach 192.0.2.1: {PROVIDER_TEXT}",
    "shopify refused: a Shopify discount code discounts either the items or the shipping "
    "(price rule target_type), not both: issue free shipping as its own code",
    "haravan refused: a Haravan discount has one discount_type (percentage, fixed_amount or "
    "shipping): issue free shipping as its own code",
    "haravan refused: a Haravan code can be limited to one product or one collection only",
    "shopify refused: generic has no discount API",
    "shopify refused: the store's answer has no price_rule id",
    # ... and the store's refusals themselves, as they sit inside those
    f"401: {PROVIDER_TEXT}",
    "502: answer is not JSON",
    "a Shopify discount code discounts either the items or the shipping (price rule "
    "target_type), not both: issue free shipping as its own code",
    "a Haravan discount has one discount_type (percentage, fixed_amount or shipping): issue "
    "free shipping as its own code",
    "a Haravan code can be limited to one product or one collection only",
    "the store's answer has no price_rule id",
    "the store's product id is not known for GIAM10 (its product webhook has not arrived): "
    "the code is not created, so it cannot apply to every product",
    "SMTP login refused: 535",
    "SMTP host refused: 10.0.0.5 resolves to non-public address 10.0.0.5: connections into "
    "the private network are refused on this installation",
    f"SMTP connect to 192.0.2.1:587 failed: {PROVIDER_TEXT}",
    f"SMTP connection lost while sending: {PROVIDER_TEXT}",
    "recipient deferred (451)",
    "recipient refused (550)",
    "sender refused (553)",
    "message deferred (452)",
    "message refused (554)",
    "webhook: no url configured",
    "webhook answered 500",
    "twilio 21211 (HTTP 400)",
    "esms 99 (HTTP 200)",
    "unknown SMS provider 'vonage' (use twilio or esms)",
    "zalo: the channel settings were removed",
    "zalo: no refresh token; reconnect the Official Account",
    f"zalo token refresh refused: {PROVIDER_TEXT}",
    "zalo: no approved ZNS template for 'golden_hours.usage_guide'",
    "zalo -115: ZNS balance too low",
    "zalo -133: ZNS not allowed at night, deferred to 06:00",
    f"zalo -100: unknown error, try again later ({PROVIDER_TEXT})",
    "zalo -100: unknown error, try again later",
    "zalo -108: invalid phone number",
    "zalo -118: Zalo account does not exist or is disabled",
    "zalo -109: template id invalid",
    "zalo -110: Zalo version unsupported",
    "zalo -111: template data empty",
    "zalo -112: template data invalid",
    "zalo -114: user inactive, rejected the message or outdated Zalo",
    "zalo -117: OA or app has no permission to use this template",
    "zalo -119: account cannot receive ZNS",
    "zalo -131: template not approved",
    "zalo -124: error",
    f"zalo -124: {PROVIDER_TEXT}",
    f"could not reach 192.0.2.1: {PROVIDER_TEXT}",
    "192.0.2.1 did not answer after the request left: ReadTimeout",
    "192.0.2.1 is rate limiting (429)",
    "192.0.2.1 is unavailable (503)",
    "192.0.2.1 answered 502",
    f"cannot resolve 192.0.2.1: {PROVIDER_TEXT}",
    "192.0.2.1 resolves to no address",
    "cannot connect to 192.0.2.1",
    "non-public address 10.0.0.5",
    "'example' is not an IP address",
]

# Parameters kept as written (provider text, exception class names, codes).
VERBATIM = (PROVIDER_TEXT, "example", "ReadTimeout", "GIAM10", "golden_hours.usage_guide", "vonage")
VERBATIM += ("price_rule",)


def english_words(text: str) -> list[str]:
    for kept in VERBATIM:
        text = text.replace(kept, " ")
    words = re.findall(r"[^\W\d_]+", text)
    # A Vietnamese word carries a diacritic or is one of the plain-ASCII Vietnamese words.
    return [w for w in words if w.isascii() and w.lower() not in KEPT | _VI_ASCII]


_VI_ASCII = set(
    [
        "khi",
        "trang",
        "giao",
        "hai",
        "tay",
        "cho",
        "tin",
        "qua",
        "kho",
        "la",
        "co",
        "con",
        "cua",
        "da",
        "nao",
        "lai",
        "sau",
        "sai",
        "so",
        "tham",
        "mau",
        "tra",
        "ban",
        "dem",
        "gui",
        "nhan",
        "voi",
        "hay",
        "ket",
        "noi",
        "lien",
        "lac",
        "khach",
        "hoac",
        "hang",
        "van",
        "ten",
        "ma",
        "loi",
        "bi",
        "tu",
        "toi",
        "cung",
        "dung",
        "khung",
        "ra",
        "suy",
        "trong",
        "truy",
        "cp",
    ]  # cp: of the decree number 91/2020/NĐ-CP
)


@pytest.mark.parametrize("reason", WRITTEN)
def test_every_reason_the_channels_write_reads_in_vietnamese(reason: str) -> None:
    shown = reason_text(reason, "vi")
    assert shown != reason or not english_words(reason)
    assert english_words(shown) == [], shown


@pytest.mark.parametrize("reason", WRITTEN)
def test_every_reason_the_channels_write_reads_in_english_from_the_catalogue(reason: str) -> None:
    shown = reason_text(reason, "en")
    assert shown and "channels.reason." not in shown


def test_every_format_is_exercised_by_a_written_reason() -> None:
    from careloop.channels.reason_text import _FORMATS

    used = {key for reason in WRITTEN for pattern, key in _FORMATS if pattern.fullmatch(reason)}
    assert {key for _, key in FORMATS} - used == set()


def test_a_providers_own_text_is_kept_verbatim_after_the_translated_lead() -> None:
    assert reason_text(f"zalo -124: {PROVIDER_TEXT}", "vi") == (
        f"Zalo -124: Nhà cung cấp từ chối: {PROVIDER_TEXT}"
    )
    assert reason_text("zalo -124: Invalid access token", "en").endswith("Invalid access token")


def test_a_stores_refusal_reads_in_vietnamese_with_the_stores_own_words_kept() -> None:
    """Issue 24 item 1: when the store refuses a code, staff see why in their language; the
    store's answer (Shopify's 401 body, shopify.dev REST Admin API "Status and error codes")
    is kept as it said it."""
    stored = (
        "waiting for code GIAM10 to be created in the store: shopify refused: 401: [API] "
        "Invalid API key or access token (unrecognized login or wrong password)"
    )
    assert reason_text(stored, "vi") == (
        "đang chờ tạo mã GIAM10 trên cửa hàng trực tuyến: cửa hàng Shopify từ chối: HTTP 401, "
        "cửa hàng trả lời: [API] Invalid API key or access token (unrecognized login or wrong "
        "password)"
    )
    assert reason_text("zalo: no refresh token; reconnect the Official Account", "vi") != (
        reason_text("shopify: no refresh token; reconnect the Official Account", "vi")
    )


def test_an_unknown_or_empty_reason_shows_as_stored() -> None:
    assert reason_text("cancelled by the shop owner", "vi") == "cancelled by the shop owner"
    assert reason_text(None, "vi") == ""
    assert reason_text("", "en") == ""


def test_a_nested_suppression_reason_is_rendered_inside_its_lead() -> None:
    assert reason_text("address suppressed: recipient refused (550)", "vi") == (
        "địa chỉ bị chặn: địa chỉ người nhận bị từ chối (550)"
    )


def test_vietnamese_staff_read_a_refused_email_and_a_quiet_hours_suppression_in_vietnamese(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    smtp_server: tuple[Inbox, int],
) -> None:
    """The SMTP server refuses RCPT TO with 550 (RFC 5321 section 4.2.3, "mailbox
    unavailable"): the message fails with "recipient refused (550)"; a message the contact
    policy held back in quiet hours is stored as the rule name, as outreach.py records it."""
    inbox, port = smtp_server
    inbox.reject.add("gone@example.com")
    configure(
        ctx,
        shop,
        "email",
        host="127.0.0.1",
        port=port,
        security="none",
        from_address="hello@acme.test",
    )
    customer = make_customer(ctx, shop, email="gone@example.com")
    failed_id = enqueue(ctx, shop, customer.id, channels=["email"], kind="transactional")
    dispatch(ctx)
    assert message(ctx, failed_id).status == "failed"
    assert message(ctx, failed_id).reason == "recipient refused (550)"
    with ctx.sessions() as s, s.begin():
        held = record_suppressed(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.get_one(Customer, customer.id),
            channel="email",
            template_key="thank_you",
            kind="marketing",
            reason="quiet_hours",
            idempotency_key="quiet-1",
        )
        assert held is not None
        held_id = held.id

    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    listing = app_client.get("/messages").text
    assert "địa chỉ người nhận bị từ chối (550)" in listing
    assert "đang trong giờ yên lặng" in listing
    assert "recipient refused" not in listing and "quiet_hours" not in listing
    failed = app_client.get(f"/messages/{failed_id}").text
    assert 'data-testid="message-reason">địa chỉ người nhận bị từ chối (550)' in failed
    assert 'data-testid="history-reason">địa chỉ người nhận bị từ chối (550)' in failed
    assert "recipient refused" not in failed
    quiet = app_client.get(f"/messages/{held_id}").text
    assert 'data-testid="message-reason">đang trong giờ yên lặng' in quiet
    assert "quiet_hours" not in quiet


def test_a_message_timeline_line_shows_its_reason_in_the_readers_language() -> None:
    import careloop.channels.timeline_text  # noqa: F401  (registers the message lines)
    from careloop.core.timeline_text import rendered_text

    payload = {"template_key": "thank_you", "channel": "email", "reason": "no email consent"}
    line = rendered_text("message.suppressed", "", payload, "vi")
    assert line is not None and line.endswith("(khách chưa đồng ý nhận tin qua thư điện tử)")
    english = rendered_text("message.suppressed", "", payload, "en")
    assert english is not None and english.endswith("(no consent for email)")
