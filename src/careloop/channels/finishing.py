"""What happens around a template render so the customer reads what the shop meant.

Before: a campaign's subject and body are templates of their own, rendered with the same
context, sandbox and checks as the message template that carries them (a campaign body
saying "Chào {{ customer.first_name }}" never goes out with its braces).

After, for SMS: the "unaccented" option folds the WHOLE text (shop name included) to
GSM-7; a marketing SMS carries the advertising label first and a way to refuse last, as
Decree 91/2020/NĐ-CP on spam asks (Art. 15: the label "[QC]" or "[AD]" in first position
of the content; Art. 13 and 14: the sender must stop on refusal and tell the receiver how
to refuse). The hours and the three-a-day rule live in the contact policy
(channels/policy.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from careloop.channels.links import marker
from careloop.channels.sms_text import unaccented
from careloop.channels.templates import (
    Rendered,
    TemplateError,
    TemplateSource,
    render_source,
    unknown_names,
)

CAMPAIGN_PARTS = ("subject", "body")
AD_LABELS = ("[QC]", "[AD]")
# The label by language: Vietnamese "[QC]" (quảng cáo), "[AD]" otherwise (Art. 15).
AD_LABEL = {"vi": "[QC]"}
# Replies our SMS inbound handler takes as a refusal (channels/tracking.py STOP_WORDS).
REFUSE_WITH_REPLY = {
    "vi": "Tu choi QC: soan TC gui {number}",
    "en": "Opt out: reply STOP to {number}",
}
REFUSE_WITH_LINK = {"vi": "Tu choi QC: {link}", "en": "Opt out: {link}"}


def render_campaign_parts(context: Mapping[str, Any], *, where: str) -> dict[str, Any]:
    """`context` with `campaign.subject` and `campaign.body` rendered as templates; an
    unknown variable is a TemplateError naming it, like any template's."""
    campaign = context.get("campaign")
    if not isinstance(campaign, Mapping):
        return dict(context)
    inner = {k: v for k, v in context.items() if k != "campaign"}
    source = TemplateSource(
        subject=str(campaign.get("subject") or ""), text=str(campaign.get("body") or "")
    )
    unknown = unknown_names(source, set(inner))
    if unknown:
        raise TemplateError(
            f"{where}: campaign text: unknown field(s): {', '.join(sorted(unknown))}"
        )
    rendered = render_source(source, inner, where=f"{where}: campaign text")
    return {**inner, "campaign": {**campaign, "subject": rendered.subject, "body": rendered.text}}


def wants_unaccented(source_data: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """The template's own `unaccented` option, or the campaign's."""
    campaign = context.get("campaign")
    by_campaign = isinstance(campaign, Mapping) and bool(campaign.get("unaccented"))
    return bool(source_data.get("_unaccented")) or by_campaign


def finish_sms(
    rendered: Rendered,
    *,
    kind: str | None,
    locale: str,
    fold: bool,
    reply_number: str = "",
) -> Rendered:
    """The SMS as it goes out: advertising label and refusal line on marketing, then the
    whole text folded when asked (so the label and the shop name are folded too)."""
    text = rendered.text
    if kind == "marketing":
        text = with_ad_label(text, locale)
        text = f"{text} {refusal_line(locale, reply_number)}"
    if fold:
        text = unaccented(text)
    return Rendered(rendered.subject, text, rendered.html, rendered.data)


def with_ad_label(text: str, locale: str) -> str:
    if text.lstrip().upper().startswith(AD_LABELS):
        return text
    return f"{AD_LABEL.get(locale, '[AD]')} {text}"


def refusal_line(locale: str, reply_number: str = "") -> str:
    """How to refuse: reply TC to the shop's number when it has one that receives our
    replies, else the signed unsubscribe link (filled in at send)."""
    lang = locale if locale in REFUSE_WITH_LINK else "en"
    if reply_number.strip():
        return REFUSE_WITH_REPLY[lang].format(number=reply_number.strip())
    return REFUSE_WITH_LINK[lang].format(link=marker("unsubscribe"))
