"""Campaigns: a one-off or scheduled send to an audience, through the contact policy.

draft -> scheduled (send_at) -> sending (recipients written to the outbox) -> sent; or
cancelled before it starts. The worker materialises a due campaign in one transaction and
then works through its outbox rows in batches (community.outbox).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.channels.template_checks import check_text
from careloop.community import content
from careloop.community.audience import Audience, parse_audience, resolve_audience
from careloop.community.contact import Forecast, forecast
from careloop.community.models import Campaign, CommunitySend
from careloop.community.outbox import SendSpec, queue_sends
from careloop.community.reasons import Refused, invalid
from careloop.core.clock import Clock, ensure_aware
from careloop.core.errors import FieldError, NotFound, ValidationFailed
from careloop.shops.models import Shop

PURPOSES = ("value", "promotion")
KINDS = ("marketing", "service")
MAX_SUBJECT = 200
MAX_BODY = 2000


def idempotency_key(campaign_id: int, customer_id: int) -> str:
    return f"camp:{campaign_id}:{customer_id}"


def _validate(
    name: str, purpose: str, kind: str, subject: str, body: str, audience: Mapping[str, Any]
) -> Audience:
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(invalid("name", "campaign_name"))
    if purpose not in PURPOSES:
        errors.append(invalid("purpose", "choice", options=", ".join(PURPOSES), got=repr(purpose)))
    if kind not in KINDS:
        errors.append(invalid("kind", "choice", options=", ".join(KINDS), got=repr(kind)))
    if not subject.strip() or len(subject) > MAX_SUBJECT:
        errors.append(invalid("subject", "length", max=MAX_SUBJECT))
    if not body.strip() or len(body) > MAX_BODY:
        errors.append(invalid("body", "length", max=MAX_BODY))
    errors.extend(template_errors("subject", subject))
    errors.extend(template_errors("body", body))
    try:
        parsed = parse_audience(audience)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        parsed = Audience()
    if errors:
        raise ValidationFailed(errors)
    return parsed


def template_errors(field_name: str, text: str) -> list[FieldError]:
    """A campaign text is a message template: it must parse, use only known variables and
    leave no `{{ }}` in what the customer reads (checked as the message templates are)."""
    return [
        invalid(field_name, f"template_{problem.code}", **problem.params)
        for problem in check_text(text)
    ]


def create_campaign(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    name: str,
    purpose: str,
    audience: Mapping[str, Any],
    subject: str,
    body: str,
    kind: str = "marketing",
    created_by: str = "",
    sms_unaccented: bool = False,
) -> Campaign:
    """A draft campaign; raises ValidationFailed naming each bad field."""
    parsed = _validate(name, purpose, kind, subject, body, audience)
    now = clock.now()
    campaign = Campaign(
        shop_id=shop.id,
        name=name.strip()[:200],
        purpose=purpose,
        kind=kind,
        audience=parsed.to_json(),
        subject=subject.strip(),
        body=body.strip(),
        sms_unaccented=sms_unaccented,
        status="draft",
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    session.flush()
    return campaign


def update_campaign(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    campaign_id: int,
    name: str,
    purpose: str,
    audience: Mapping[str, Any],
    subject: str,
    body: str,
    kind: str = "marketing",
    sms_unaccented: bool | None = None,
) -> Campaign:
    """Change a draft or scheduled campaign (its send time stays); once it has started
    sending, what went out is history and nothing changes."""
    campaign = get_campaign(session, shop.id, campaign_id)
    if campaign.status not in ("draft", "scheduled"):
        raise Refused("campaign_frozen", id=campaign_id, status=campaign.status)
    parsed = _validate(name, purpose, kind, subject, body, audience)
    campaign.name, campaign.purpose, campaign.kind = name.strip()[:200], purpose, kind
    campaign.audience = parsed.to_json()
    campaign.subject, campaign.body = subject.strip(), body.strip()
    if sms_unaccented is not None:
        campaign.sms_unaccented = sms_unaccented
    campaign.updated_at = clock.now()
    return campaign


def get_campaign(session: Session, shop_id: int, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.shop_id != shop_id:
        raise NotFound("campaign", campaign_id)
    return campaign


def list_campaigns(session: Session, shop_id: int) -> list[Campaign]:
    return list(
        session.scalars(
            select(Campaign).where(Campaign.shop_id == shop_id).order_by(Campaign.id.desc())
        )
    )


@dataclass(frozen=True)
class CampaignPreview:
    audience: int
    forecast: Forecast
    mix_now: content.ContentMix
    mix_after: content.ContentMix
    at: datetime

    @property
    def warning(self) -> str | None:
        return self.mix_after.warning()

    def as_json(self) -> dict[str, Any]:
        return {
            **self.forecast.as_json(),
            "at": self.at.isoformat(),
            "promotion_share_now": round(self.mix_now.promotion_share, 3),
            "promotion_share_after": round(self.mix_after.promotion_share, 3),
            "warning": self.warning,
        }


def recent_mix(*, session: Session, shop_id: int, now: datetime) -> content.ContentMix:
    """Value vs promotion among the shop's messages of the last 30 days (not suppressed)."""
    from careloop.channels.models import Message

    rows = session.execute(
        select(Message.template_key, Message.kind, func.count())
        .where(
            Message.shop_id == shop_id,
            Message.created_at >= now - timedelta(days=content.WINDOW_DAYS),
            Message.status.not_in(("suppressed", "deferred", "failed")),
        )
        .group_by(Message.template_key, Message.kind)
    ).all()
    return content.measure((str(k), str(kind), int(n)) for k, kind, n in rows)


def preview_campaign(
    *, session: Session, clock: Clock, shop: Shop, campaign: Campaign, at: datetime | None = None
) -> CampaignPreview:
    """Dry run: how many would receive it now (or at its send time), be deferred or be
    suppressed and why, on which channels, and the 80/20 check. Writes nothing."""
    moment = at or max(campaign.send_at or clock.now(), clock.now())
    ids = resolve_audience(
        session=session, shop_id=shop.id, audience=parse_audience(campaign.audience)
    )
    result = forecast(session, shop, ids, campaign.kind, moment)
    mix = recent_mix(session=session, shop_id=shop.id, now=clock.now())
    reaching = result.send + sum(result.deferred.values())
    return CampaignPreview(len(ids), result, mix, mix.plus(campaign.purpose, reaching), moment)


def schedule_campaign(
    *, session: Session, clock: Clock, shop: Shop, campaign_id: int, send_at: datetime | None
) -> Campaign:
    """Send now (the worker picks it up on its next pass) or at `send_at`."""
    campaign = get_campaign(session, shop.id, campaign_id)
    if campaign.status not in ("draft", "scheduled"):
        raise Refused("campaign_already", id=campaign_id, status=campaign.status)
    now = clock.now()
    when = ensure_aware(send_at) if send_at is not None else now
    if when < now - timedelta(minutes=1):
        raise ValidationFailed([invalid("send_at", "in_past")])
    campaign.status, campaign.send_at, campaign.updated_at = "scheduled", when, now
    return campaign


def cancel_campaign(*, session: Session, clock: Clock, shop: Shop, campaign_id: int) -> Campaign:
    campaign = get_campaign(session, shop.id, campaign_id)
    if campaign.status not in ("draft", "scheduled"):
        raise Refused("campaign_cannot_stop", id=campaign_id, status=campaign.status)
    campaign.status, campaign.updated_at = "cancelled", clock.now()
    return campaign


def materialize(*, session: Session, clock: Clock, campaign: Campaign) -> int:
    """Write one outbox row per customer in the audience (idempotent), and start sending."""
    shop = session.get(Shop, campaign.shop_id)
    assert shop is not None
    ids = resolve_audience(
        session=session, shop_id=shop.id, audience=parse_audience(campaign.audience)
    )
    context = {"campaign": campaign_context(campaign)}
    added = queue_sends(
        session=session,
        clock=clock,
        shop_id=shop.id,
        source="campaign",
        ref_id=campaign.id,
        template_key=content.campaign_template(campaign.purpose),
        kind=campaign.kind,
        sends=[SendSpec(cid, idempotency_key(campaign.id, cid), context) for cid in ids],
    )
    now = clock.now()
    campaign.status, campaign.materialized_at, campaign.updated_at = "sending", now, now
    return added


def campaign_context(campaign: Campaign) -> dict[str, Any]:
    """What the campaign's message templates get as `campaign`: its subject and body
    (themselves templates, rendered per customer by channels) and its SMS option."""
    return {
        "subject": campaign.subject,
        "body": campaign.body,
        "unaccented": bool(campaign.sms_unaccented),
    }


def start_due_campaigns(*, session: Session, clock: Clock) -> int:
    """Materialise every scheduled campaign whose time has come (locked: one worker wins)."""
    due = list(
        session.scalars(
            select(Campaign)
            .where(Campaign.status == "scheduled", Campaign.send_at <= clock.now())
            .order_by(Campaign.send_at, Campaign.id)
            .limit(5)
            .with_for_update(skip_locked=True)
        )
    )
    for campaign in due:
        materialize(session=session, clock=clock, campaign=campaign)
    return len(due)


def finish_campaigns(*, session: Session, clock: Clock) -> int:
    """Mark sending campaigns with nothing left pending or deferred as sent."""
    sending = list(session.scalars(select(Campaign).where(Campaign.status == "sending")))
    done = 0
    for campaign in sending:
        left = session.scalar(
            select(func.count()).where(
                CommunitySend.shop_id == campaign.shop_id,
                CommunitySend.source == "campaign",
                CommunitySend.ref_id == campaign.id,
                CommunitySend.status.in_(("pending", "deferred")),
            )
        )
        if not left:
            now = clock.now()
            campaign.status, campaign.finished_at, campaign.updated_at = "sent", now, now
            done += 1
    return done


@dataclass(frozen=True)
class Progress:
    statuses: dict[str, int]
    rules: dict[str, int]
    channels: dict[str, int]
    # Honest states of the campaign's messages (channels.honest): an outbox row handed to
    # channels is "sent" only when the provider accepted its message.
    delivery: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


def campaign_progress(*, session: Session, shop_id: int, campaign_id: int) -> Progress:
    """Outbox rows of the campaign by status, by policy rule and by channel."""
    rows = session.execute(
        select(CommunitySend.status, CommunitySend.rule, CommunitySend.channel, func.count())
        .where(
            CommunitySend.shop_id == shop_id,
            CommunitySend.source == "campaign",
            CommunitySend.ref_id == campaign_id,
        )
        .group_by(CommunitySend.status, CommunitySend.rule, CommunitySend.channel)
    ).all()
    statuses: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    for status, rule, channel, n in rows:
        statuses[status] += n
        if rule:
            rules[str(rule).split(":")[0]] += n
        if channel and status == "sent":
            channels[channel] += n
    return Progress(
        dict(statuses),
        dict(rules),
        dict(channels),
        campaign_delivery(session=session, shop_id=shop_id, campaign_id=campaign_id),
    )


def campaign_delivery(*, session: Session, shop_id: int, campaign_id: int) -> dict[str, int]:
    """Queued / sent / maybe sent / delivered / failed / suppressed for the campaign: an
    outbox row not yet handed over is queued, one the policy stopped is suppressed, and one
    handed to channels counts by its message's own status."""
    from careloop.channels.honest import honest_counts
    from careloop.channels.models import Message

    rows = session.execute(
        select(CommunitySend.status, Message.status, func.count())
        .select_from(CommunitySend)
        .outerjoin(Message, Message.id == CommunitySend.message_id)
        .where(
            CommunitySend.shop_id == shop_id,
            CommunitySend.source == "campaign",
            CommunitySend.ref_id == campaign_id,
        )
        .group_by(CommunitySend.status, Message.status)
    ).all()
    return honest_counts(
        (message_status or send_status, n) for send_status, message_status, n in rows
    )
