"""Channel set-up as one form per provider: which fields each provider needs, their labels
(Vietnamese and English), hints, and how a submitted form becomes settings.

The owner never types `name=value` lines: every field is labelled and checked, and an error
names the field by its label. Secrets are write-only: the form never shows them back, only
whether they are set, and a blank secret keeps the value already stored. Saving goes through
`channels.settings.set_channel_settings` alone, so storage-level checks (encryption, the
network guard) apply to the forms, the API and `careloop channels set` alike."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from careloop.channels.base import SECRET_FIELDS
from careloop.core.catalogue import has_message, t
from careloop.core.errors import FieldError

TEMPLATE_PREFIX = "zns_template__"
MAX_PART_COST = 100_000  # VND; a price per SMS part above this is a typing slip
PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    en: str
    vi: str
    kind: str = "text"  # text | secret | int | money | choice | bool | email | url | phone
    required: bool = False
    choices: tuple[str, ...] = ()
    hint_en: str = ""
    hint_vi: str = ""
    advanced: bool = False
    default: str = ""

    def label(self, locale: str) -> str:
        return self.vi if locale == "vi" else self.en

    def hint(self, locale: str) -> str:
        return self.hint_vi if locale == "vi" else self.hint_en

    def choice_label(self, value: str, locale: str) -> str:
        """A choice as a shop owner reads it: the catalogue's `channels.forms.choices.<field>.
        <value>` (SMTP security: "SSL/TLS encryption (port 465)", not "tls"),
        else `channels.forms.choices.<value>`, else the value itself. The stored value stays
        the code."""
        for key in (
            f"channels.forms.choices.{self.name}.{value}",
            f"channels.forms.choices.{value}",
        ):
            if has_message(key, locale):
                return t(key, locale)
        return value

    @property
    def secret(self) -> bool:
        return self.kind == "secret" or self.name in SECRET_FIELDS


@dataclass(frozen=True)
class ProviderForm:
    channel: str
    provider: str
    en: str
    vi: str
    fields: tuple[FieldSpec, ...]
    intro_en: str = ""
    intro_vi: str = ""
    address_en: str = ""
    address_vi: str = ""

    @property
    def key(self) -> str:
        return f"{self.channel}-{self.provider}"

    def title(self, locale: str) -> str:
        return self.vi if locale == "vi" else self.en

    def intro(self, locale: str) -> str:
        return self.intro_vi if locale == "vi" else self.intro_en

    def address_label(self, locale: str) -> str:
        return self.address_vi if locale == "vi" else self.address_en


_BASE_URL_HINT = (
    "Only for a self-hosted gateway or a test server; leave blank for the provider's own.",
    "Chỉ dùng cho cổng tự dựng hoặc máy chủ thử; để trống để dùng địa chỉ của nhà cung cấp.",
)
SMTP_HINTS = {
    "en": [
        "Gmail / Google Workspace: host smtp.gmail.com, port 587, STARTTLS, user = your "
        "address, password = an app password (Google account → Security → App passwords).",
        "Outlook / Microsoft 365: smtp.office365.com, port 587, STARTTLS.",
        "Zoho Mail: smtp.zoho.com, port 465, SSL/TLS. Yahoo: smtp.mail.yahoo.com, 465, "
        "SSL/TLS (app password).",
    ],
    "vi": [
        "Gmail / Google Workspace: máy chủ smtp.gmail.com, cổng 587, STARTTLS, tài khoản = "
        "địa chỉ email, mật khẩu = mật khẩu ứng dụng (Tài khoản Google → Bảo mật → Mật khẩu "
        "ứng dụng).",
        "Outlook / Microsoft 365: smtp.office365.com, cổng 587, STARTTLS.",
        "Zoho Mail: smtp.zoho.com, cổng 465, SSL/TLS. Yahoo: smtp.mail.yahoo.com, 465, "
        "SSL/TLS (mật khẩu ứng dụng).",
    ],
}

FORMS: tuple[ProviderForm, ...] = (
    ProviderForm(
        "email",
        "smtp",
        "Email (SMTP)",
        "Email (SMTP)",
        (
            FieldSpec("host", "SMTP server", "Máy chủ SMTP", required=True),
            FieldSpec("port", "Port", "Cổng", kind="int", default="587"),
            FieldSpec(
                "security",
                "Security",
                "Bảo mật",
                kind="choice",
                choices=("starttls", "tls", "none"),
                default="starttls",
                hint_en="As your mail provider's help page says: port 587 with STARTTLS, "
                "port 465 with SSL/TLS.",
                hint_vi="Theo trang hướng dẫn của nhà cung cấp email: cổng 587 đi với STARTTLS, "
                "cổng 465 đi với SSL/TLS.",
            ),
            FieldSpec("username", "User name", "Tài khoản đăng nhập"),
            FieldSpec(
                "password",
                "Password or app password",
                "Mật khẩu hoặc mật khẩu ứng dụng",
                kind="secret",
            ),
            FieldSpec("from_address", "Sender address", "Địa chỉ gửi", kind="email", required=True),
            FieldSpec("from_name", "Sender name", "Tên người gửi"),
            FieldSpec("reply_to", "Reply-to address", "Địa chỉ nhận trả lời", kind="email"),
        ),
        address_en="Send the test to (email address)",
        address_vi="Gửi thử tới (địa chỉ email)",
    ),
    ProviderForm(
        "sms",
        "esms",
        "SMS by eSMS (brandname)",
        "SMS qua eSMS (brandname)",
        (
            FieldSpec("api_key", "API key", "Khóa API", kind="secret", required=True),
            FieldSpec("secret_key", "Secret key", "Khóa bí mật", kind="secret", required=True),
            FieldSpec(
                "brandname",
                "Brandname",
                "Brandname",
                hint_en="The sender name eSMS registered for you (SmsType 2).",
                hint_vi="Tên thương hiệu eSMS đã đăng ký cho bạn (SmsType 2).",
            ),
            FieldSpec(
                "sms_type",
                "SMS type",
                "Loại tin",
                kind="choice",
                choices=("2", "8"),
                default="2",
                hint_en="As agreed with eSMS: most shops send customer care by brandname.",
                hint_vi="Theo hợp đồng với eSMS: đa số shop gửi tin chăm sóc khách hàng bằng "
                "brandname.",
            ),
            FieldSpec(
                "sandbox",
                "Sandbox (eSMS does not really send)",
                "Chế độ thử (eSMS không gửi thật)",
                kind="bool",
                advanced=True,
            ),
            FieldSpec(
                "cost_per_part",
                "Cost per SMS part (VND)",
                "Giá mỗi tin SMS (VND)",
                kind="money",
                hint_en="What the provider charges for one SMS part, e.g. 850; the template "
                "and campaign editors show the cost of each message.",
                hint_vi="Giá nhà cung cấp tính cho một tin SMS, ví dụ 850; trình soạn mẫu tin "
                "và chiến dịch hiển thị chi phí mỗi tin.",
            ),
            FieldSpec(
                "base_url",
                "API base URL",
                "Địa chỉ API",
                kind="url",
                advanced=True,
                hint_en=_BASE_URL_HINT[0],
                hint_vi=_BASE_URL_HINT[1],
            ),
            # Replies (MO) reach Careloop only with this token: without it in the form a shop
            # set up in the browser could not receive its customers' SMS replies.
            FieldSpec(
                "inbound_token",
                "Token for customers' replies",
                "Mã bảo vệ cho tin khách trả lời",
                kind="secret",
                advanced=True,
                hint_en="Any long random text. At eSMS, set the reply (MO) address to "
                "<this Careloop's address>/c/hooks/sms/<your shop code>/inbound?token=<this "
                "text>; replies then open tickets and count as answers.",
                hint_vi="Một chuỗi ngẫu nhiên dài bất kỳ. Ở eSMS, đặt địa chỉ nhận tin trả lời "
                "(MO) là <địa chỉ Careloop này>/c/hooks/sms/<mã cửa hàng>/inbound?token=<chuỗi "
                "này>; tin khách trả lời sẽ mở phiếu hỗ trợ và được tính là phản hồi.",
            ),
        ),
        address_en="Send the test to (phone, +84…)",
        address_vi="Gửi thử tới (số điện thoại, +84…)",
    ),
    ProviderForm(
        "sms",
        "twilio",
        "SMS by Twilio",
        "SMS qua Twilio",
        (
            FieldSpec("account_sid", "Account SID", "Mã SID tài khoản", required=True),
            FieldSpec("auth_token", "Auth token", "Auth token", kind="secret", required=True),
            FieldSpec(
                "from_number",
                "From number",
                "Số gửi",
                kind="phone",
                hint_en="In international form, e.g. +15017122661.",
                hint_vi="Dạng quốc tế, ví dụ +15017122661.",
            ),
            FieldSpec(
                "messaging_service_sid",
                "Messaging service SID (instead of a number)",
                "Mã SID dịch vụ nhắn tin (thay cho số gửi)",
            ),
            FieldSpec(
                "cost_per_part",
                "Cost per SMS part (VND)",
                "Giá mỗi tin SMS (VND)",
                kind="money",
                hint_en="What the provider charges for one SMS part, e.g. 850; the template "
                "and campaign editors show the cost of each message.",
                hint_vi="Giá nhà cung cấp tính cho một tin SMS, ví dụ 850; trình soạn mẫu tin "
                "và chiến dịch hiển thị chi phí mỗi tin.",
            ),
            FieldSpec(
                "base_url",
                "API base URL",
                "Địa chỉ API",
                kind="url",
                advanced=True,
                hint_en=_BASE_URL_HINT[0],
                hint_vi=_BASE_URL_HINT[1],
            ),
        ),
        address_en="Send the test to (phone, +84…)",
        address_vi="Gửi thử tới (số điện thoại, +84…)",
    ),
    ProviderForm(
        "zalo",
        "zns",
        "Zalo OA + ZNS",
        "Zalo OA + ZNS",
        (
            FieldSpec("oa_id", "OA ID", "OA ID"),
            FieldSpec("app_id", "App ID", "Mã ứng dụng", required=True),
            FieldSpec("app_secret", "App secret", "Khóa bí mật ứng dụng", kind="secret"),
            FieldSpec(
                "oa_secret_key",
                "OA secret key (webhook signatures)",
                "Khóa bí mật OA (chữ ký webhook)",
                kind="secret",
            ),
            FieldSpec(
                "refresh_token",
                "Refresh token",
                "Refresh token",
                kind="secret",
                hint_en="From Zalo's OAuth for Official Accounts; Careloop renews access tokens.",
                hint_vi="Lấy từ OAuth của Zalo OA; Careloop tự gia hạn mã truy cập.",
            ),
            FieldSpec(
                "base_url",
                "ZNS API base URL",
                "Địa chỉ API ZNS",
                kind="url",
                advanced=True,
                hint_en=_BASE_URL_HINT[0],
                hint_vi=_BASE_URL_HINT[1],
            ),
            FieldSpec(
                "oauth_base_url",
                "OAuth base URL",
                "Địa chỉ OAuth",
                kind="url",
                advanced=True,
                hint_en=_BASE_URL_HINT[0],
                hint_vi=_BASE_URL_HINT[1],
            ),
        ),
        intro_en="ZNS sends only approved templates: give the template id Zalo approved for "
        "each message you want to go by Zalo (blank: that message uses another channel).",
        intro_vi="ZNS chỉ gửi mẫu đã duyệt: nhập mã mẫu Zalo đã duyệt cho từng tin muốn gửi "
        "qua Zalo (để trống: tin đó đi kênh khác).",
        address_en="Send the test to (phone, +84…)",
        address_vi="Gửi thử tới (số điện thoại, +84…)",
    ),
    ProviderForm(
        "webhook",
        "http",
        "Outbound webhook",
        "Webhook gửi đi",
        (
            FieldSpec("url", "URL", "URL", kind="url", required=True),
            FieldSpec(
                "secret",
                "Signing secret",
                "Khóa ký",
                kind="secret",
                required=True,
                hint_en="Each request is signed with it (HMAC-SHA256) so your server can "
                "check it came from Careloop.",
                hint_vi="Mỗi yêu cầu được ký bằng khóa này (HMAC-SHA256) để máy chủ của bạn "
                "kiểm tra nó đến từ Careloop.",
            ),
        ),
    ),
)


def find_form(channel: str, provider: str) -> ProviderForm | None:
    return next((f for f in FORMS if f.channel == channel and f.provider == provider), None)


def parse_form(
    spec: ProviderForm,
    submitted: Mapping[str, str],
    current: Mapping[str, Any],
    locale: str,
) -> tuple[dict[str, Any], list[FieldError]]:
    """The settings a submitted form stands for, or the errors naming each bad field.

    A value of None removes a stored optional setting; a blank secret is left out, which
    keeps the stored one; a required secret must be given once."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field in spec.fields:
        raw = str(submitted.get(field.name, "")).strip()
        label = field.label(locale)
        if field.kind == "bool":
            values[field.name] = raw in ("1", "on", "true", "yes")
            continue
        if not raw:
            if field.secret:
                if field.required and not current.get(field.name):
                    errors.append(FieldError(field.name, _required(label, locale)))
                continue
            if field.required:
                errors.append(FieldError(field.name, _required(label, locale)))
            else:
                values[field.name] = None
            continue
        problem = _check(field, raw, locale)
        if problem:
            errors.append(FieldError(field.name, f"{label}: {problem}"))
            continue
        if field.kind == "money":
            values[field.name] = money_amount(raw)
            continue
        values[field.name] = int(raw) if field.kind == "int" else raw
    if spec.channel == "zalo":
        ids = dict(current.get("template_ids") or {})
        for name, raw in submitted.items():
            if name.startswith(TEMPLATE_PREFIX):
                key, value = name.removeprefix(TEMPLATE_PREFIX), str(raw).strip()
                if value and not value.isdigit():
                    errors.append(FieldError(name, f"{key}: {_digits(locale)}"))
                elif value:
                    ids[key] = value
                else:
                    ids.pop(key, None)
        values["template_ids"] = ids
    if spec.provider == "twilio":
        number = values.get("from_number") or current.get("from_number")
        service = values.get("messaging_service_sid") or current.get("messaging_service_sid")
        if not number and not service and not any(e.field == "from_number" for e in errors):
            errors.append(FieldError("from_number", _twilio_sender(locale)))
    return values, errors


def _required(label: str, locale: str) -> str:
    return f"{label}: bắt buộc" if locale == "vi" else f"{label}: required"


def _digits(locale: str) -> str:
    return "mã mẫu ZNS là một dãy số" if locale == "vi" else "a ZNS template id is a number"


def _twilio_sender(locale: str) -> str:
    if locale == "vi":
        return "Số gửi: cần số gửi hoặc mã SID dịch vụ nhắn tin"
    return "From number: give a from number or a messaging service SID"


def money_amount(raw: str) -> int | None:
    """Whole VND as shops type them: "850", "1.500", "1,500", "1 500 ₫"; None otherwise."""
    cleaned = raw.replace("₫", "").replace("VND", "").strip()
    if not re.fullmatch(r"\d{1,3}([.,\s]\d{3})+|\d+", cleaned):
        return None
    return int(re.sub(r"[.,\s]", "", cleaned))


def _check(field: FieldSpec, raw: str, locale: str) -> str:
    vi = locale == "vi"
    if field.kind == "int":
        if not raw.isdigit() or not 1 <= int(raw) <= 65535:
            return "số nguyên từ 1 đến 65535" if vi else "a whole number from 1 to 65535"
    elif field.kind == "money":
        amount = money_amount(raw)
        if amount is None or amount > MAX_PART_COST:
            return "số tiền VND từ 0 đến 100.000" if vi else "an amount in VND from 0 to 100,000"
    elif field.kind == "choice" and raw not in field.choices:
        return ("một trong " if vi else "one of ") + ", ".join(field.choices)
    elif field.kind == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", raw):
        return "không phải địa chỉ email" if vi else "not an email address"
    elif field.kind == "url":
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "cần địa chỉ http:// hoặc https://" if vi else "needs an http:// or https:// URL"
    elif field.kind == "phone" and not PHONE.fullmatch(raw):
        return (
            "số dạng quốc tế, ví dụ +84901234567"
            if vi
            else "an international number like +84901234567"
        )
    return ""


def secret_state(spec: ProviderForm, config: Mapping[str, Any]) -> dict[str, bool]:
    """Which secrets of the form are stored: the only thing the page says about them."""
    return {f.name: bool(config.get(f.name)) for f in spec.fields if f.secret}


def shown_value(field: FieldSpec, config: Mapping[str, Any]) -> str:
    """What a non-secret field shows: the stored value, else its default; secrets never."""
    if field.secret:
        return ""
    value = config.get(field.name)
    if value is None or value == "":
        return field.default
    return str(value)
