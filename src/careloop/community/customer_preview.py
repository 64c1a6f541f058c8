"""A campaign as one customer would receive it: the contact policy's decision for them now
and the exact text of every channel it would go out on, rendered by the same channels code
the send uses (channels.service.preview with the customer: their language, time zone,
short shop name, QC label and refusal line). Writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from careloop.channels.contact_facts import Facts
from careloop.channels.service import preview
from careloop.channels.sms_cost import cost_per_part, cost_text
from careloop.channels.sms_text import SmsLength, measure
from careloop.channels.templates import Rendered, TemplateError
from careloop.community import content
from careloop.community.campaigns import campaign_context
from careloop.community.contact import ZALO_ROUTE
from careloop.community.models import Campaign
from careloop.core.catalogue import t
from careloop.core.clock import Clock
from careloop.core.errors import FieldError, ValidationFailed
from careloop.customers.models import Customer
from careloop.shops.models import Shop


@dataclass(frozen=True)
class ChannelText:
    channel: str
    rendered: Rendered | None
    error: str = ""
    sms: SmsLength | None = None
    sms_cost: str = ""


@dataclass(frozen=True)
class CustomerPreview:
    customer: Customer
    action: str  # send | defer | suppress, as the contact policy decides now
    rule: str
    texts: tuple[ChannelText, ...]


def parse_customer_id(raw: str, locale: str) -> int:
    """The picked customer id; ValidationFailed naming the field otherwise."""
    cleaned = raw.strip().lstrip("#")
    if not cleaned.isdigit():
        raise ValidationFailed(
            [FieldError("customer", t("community.preview.unknown_customer", locale, id=raw))]
        )
    return int(cleaned)


def customer_preview(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    campaign: Campaign,
    customer_id: int,
    staff_locale: str,
) -> CustomerPreview:
    """The campaign for `customer_id` of `shop` (another shop's customer is unknown)."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop.id or customer.erased_at is not None:
        raise ValidationFailed(
            [
                FieldError(
                    "customer",
                    t("community.preview.unknown_customer", staff_locale, id=customer_id),
                )
            ]
        )
    now = clock.now()
    facts = Facts.load(session, shop, [customer.id], now, zalo_route=ZALO_ROUTE)
    decision = facts.decide(customer.id, campaign.kind, now)
    per_part = cost_per_part(session, shop)
    texts = tuple(
        _render(session, shop, campaign, customer, channel, now, per_part, staff_locale)
        for channel in decision.channels
    )
    return CustomerPreview(customer, decision.action, decision.rule or "", texts)


def _render(
    session: Session,
    shop: Shop,
    campaign: Campaign,
    customer: Customer,
    channel: str,
    now: datetime,
    per_part: int,
    staff_locale: str,
) -> ChannelText:
    try:
        rendered = preview(
            session=session,
            shop=shop,
            template_key=content.campaign_template(campaign.purpose),
            channel=channel,
            customer=customer,
            context={"campaign": campaign_context(campaign)},
            now=now,
            kind=campaign.kind,
        )
    except TemplateError as exc:
        return ChannelText(channel, None, error=str(exc))
    if channel != "sms":
        return ChannelText(channel, rendered)
    length = measure(rendered.text, per_part)
    return ChannelText(channel, rendered, sms=length, sms_cost=cost_text(length, staff_locale))
