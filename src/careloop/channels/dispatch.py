"""The dispatcher: claims one due message at a time (lease + fence), records that it is
being sent before the network call, sends after that commits, and records the outcome only
if the fence still matches (docs/decisions/0002, 0008).

Transient errors are retried with exponential backoff and jitter, then the next channel of
the chain is tried; permanent errors fall back at once; ambiguous ones become `maybe_sent`
and are retried only with the same provider de-duplication id, never blindly.

Exactly-once, as the provider sees it. A message goes `queued -> claimed -> sending`:
`claimed` (committed with the lease) means nothing has left yet, so a worker that dies
there leaves a message any other worker may send afresh; `sending` is committed before the
network call, so a message found `sending` with its lease run out is ambiguous. An
ambiguous message is resent only to a provider that de-duplicates on our id (eSMS
RequestId, the webhook's Idempotency-Key); for providers with no such id (SMTP, Twilio,
Zalo ZNS, whose tracking_id is not a documented duplicate guard) `claimed -> sending` is
its own commit just before the call, and an ambiguous message is never resent: it stays
`maybe_sent` and goes to the customer's timeline for staff to check (no duplicate,
nothing silently lost).
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from careloop.channels import gates, links
from careloop.channels.base import (
    AmbiguousError,
    Outgoing,
    PermanentError,
    Provider,
    RateLimited,
    SendError,
    Sent,
    TransientError,
)
from careloop.channels.log import event_payload, record_status
from careloop.channels.models import ChannelSettings, ChannelThrottle, Message, Suppression
from careloop.context import AppContext
from careloop.core import queue
from careloop.core.catalogue import catalogue_texts
from careloop.core.events import MESSAGE_MAYBE_SENT, MESSAGE_REPLIED
from careloop.core.ports import StaffTasks, port
from careloop.core.queue import RetryPolicy, worker_id
from careloop.core.settings import base_url_problem, current_settings
from careloop.customers.models import Consent, Customer
from careloop.customers.timeline import record_event
from careloop.shops.models import Shop

log = logging.getLogger("careloop.channels")

LEASE_SECONDS = 120
LEASE_ENV = "CARELOOP_CHANNEL_LEASE_SECONDS"
# Messages one dispatcher pass handles before the worker gives its other tasks a turn.
BATCH_SIZE = 50
# Messages leased in one round trip (then sent one at a time, each within its lease).
CLAIM_AT_ONCE = 10
# Transient failures: a channel with a fallback behind it is given up after
# ATTEMPTS_BEFORE_FALLBACK tries (about 4-7 minutes of backoff); the last channel of the
# chain, and an ambiguous send retried with its de-duplication id, keep trying up to
# MAX_ATTEMPTS (about 1-2 hours), so a provider outage of that length loses nothing.
ATTEMPTS_BEFORE_FALLBACK = 4
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
CONSENT_CHANNELS = ("email", "sms", "zalo")
# The timeline event of a customer writing to the shop's Zalo OA (tracking records it).
ZALO_INBOUND_EVENT = MESSAGE_REPLIED
NEEDS_SETTINGS = ("email", "sms", "zalo", "webhook")


# One retry policy (core/queue.py), exponential with equal jitter; a channel with a
# fallback behind it stops sooner.
RETRY = RetryPolicy(
    base_seconds=BACKOFF_BASE_SECONDS,
    cap_seconds=BACKOFF_MAX_SECONDS,
    max_attempts=MAX_ATTEMPTS,
    growth="exponential",
    jitter=True,
)
RETRY_BEFORE_FALLBACK = replace(RETRY, max_attempts=ATTEMPTS_BEFORE_FALLBACK)


def lease_seconds() -> int:
    """The channel lease: setting `channel_lease_seconds` (CARELOOP_CHANNEL_LEASE_SECONDS),
    default LEASE_SECONDS. Read on every claim so a worker (and a test) picks up the value
    it was started with; a bad value is a ValidationFailed naming the variable."""
    return current_settings().channel_lease_seconds


def backoff_seconds(attempt: int, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, capped."""
    return RETRY.delay(attempt, rng)


@dataclass(frozen=True)
class Claim:
    message_id: int
    fence: int
    # The previous attempt may have reached the provider (it was `sending` or `maybe_sent`).
    ambiguous: bool
    lease_until: datetime


ProviderFactory = Callable[[AppContext, ChannelSettings], Provider]


def default_provider(ctx: AppContext, row: ChannelSettings) -> Provider:
    from careloop.channels.email import SmtpProvider
    from careloop.channels.outbox import OUTBOX, OUTBOX_CHANNELS, OutboxProvider
    from careloop.channels.sms import sms_provider
    from careloop.channels.webhook import WebhookProvider
    from careloop.channels.zalo import ZaloProvider

    if row.provider == OUTBOX and row.channel in OUTBOX_CHANNELS:
        return OutboxProvider()
    if row.channel == "email":
        return SmtpProvider(row.config, ctx.clock)
    if row.channel == "sms":
        return sms_provider(row.provider, row.config)
    if row.channel == "zalo":
        return ZaloProvider(row.config, clock=ctx.clock, token_store=DbTokenStore(ctx, row.id))
    if row.channel == "webhook":
        return WebhookProvider(row.config, clock=ctx.clock)
    raise PermanentError(f"no provider for channel {row.channel!r}")


class DbTokenStore:
    """The Zalo OA's tokens in its channel settings row, refreshed single-flight: the row is
    locked (SELECT ... FOR UPDATE) for the refresh call, and a worker that finds the stored
    refresh token no longer the one it holds takes the pair another worker just saved
    instead of spending the single-use token again. A refused refresh alerts the owner (a
    staff task): the OA is disconnected until they reconnect it."""

    def __init__(self, ctx: AppContext, settings_id: int) -> None:
        self.ctx = ctx
        self.settings_id = settings_id

    def refresh(self, held: str, call: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        from careloop.channels.zalo import TOKEN_KEYS, tokens_fresh

        refused: PermanentError
        shop_id = 0
        with self.ctx.sessions() as session, session.begin():
            row = session.get(
                ChannelSettings, self.settings_id, with_for_update=True, populate_existing=True
            )
            if row is None:
                raise PermanentError("zalo: the channel settings were removed")
            shop_id = row.shop_id
            stored = dict(row.config)
            current = str(stored.get("refresh_token") or "")
            if current != held and tokens_fresh(stored, self.ctx.clock.now()):
                return {k: stored[k] for k in TOKEN_KEYS if k in stored}
            try:
                tokens = call(current)
            except PermanentError as exc:
                refused = exc
            else:
                row.config = {**stored, **tokens}
                return tokens
        self._alert_owner(shop_id, refused.reason)
        raise refused

    def _alert_owner(self, shop_id: int, reason: str) -> None:
        now = self.ctx.clock.now()
        with self.ctx.sessions() as session, session.begin():
            shop = session.get(Shop, shop_id)
            if shop is None:
                return
            texts = ZALO_ALERT.get((shop.locale or "vi")[:2], ZALO_ALERT["en"])
            port(StaffTasks).create_task(
                session,
                self.ctx.clock,
                shop_id=shop.id,
                customer_id=None,
                kind="other",
                title=texts["title"],
                body=texts["body"].format(reason=reason),
                due_at=now,
                assignee_rule="owner",
                source="channels.zalo",
                idempotency_key=f"zalo-token-refused:{shop_id}:{now.date().isoformat()}",
            )


ZALO_ALERT = catalogue_texts("channels.dispatch.zalo_alert")


class ProviderPool:
    """Providers by shop and channel, reused across messages (and, in the worker, across
    passes: SMTP and HTTP connections stay open). A shop that changes its settings gets a
    new provider; the old one is closed."""

    def __init__(self, ctx: AppContext, factory: ProviderFactory = default_provider) -> None:
        self.ctx = ctx
        self.factory = factory
        self._providers: dict[tuple[int, str], tuple[str, Provider]] = {}

    def get(self, row: ChannelSettings) -> Provider:
        key = (row.shop_id, row.channel)
        fingerprint = json.dumps([row.provider, row.config], sort_keys=True, default=str)
        held = self._providers.get(key)
        if held is not None and held[0] == fingerprint:
            return held[1]
        if held is not None:
            self._close(held[1])
        provider = self.factory(self.ctx, row)
        self._providers[key] = (fingerprint, provider)
        return provider

    def begin_pass(self) -> None:
        """A new pass may come long after the last: providers check idle connections."""
        for _, provider in self._providers.values():
            recheck = getattr(provider, "recheck", None)
            if recheck is not None:
                recheck()

    def close(self) -> None:
        for _, provider in self._providers.values():
            self._close(provider)
        self._providers.clear()

    @staticmethod
    def _close(provider: Provider) -> None:
        try:
            provider.close()
        except Exception:  # closing is best effort
            log.exception("closing provider %s failed", provider.name)


# Where due work is, most urgent first, each on the (status, next_attempt_at) index, with
# whether a row found there is ambiguous (it may have reached the provider): a lapsed
# `sending` one (the dead worker had started the send), then a lapsed `claimed` one (it had
# not), a `maybe_sent` retry, a queued message. The queue's claim adds "lease free".
_DUE = (
    ("status = 'sending' AND lease_until < :q_now", True),
    ("status = 'claimed' AND lease_until < :q_now", False),
    ("status = 'maybe_sent' AND next_attempt_at <= :q_now", True),
    ("status = 'queued' AND next_attempt_at <= :q_now", False),
)
_SKIP = " AND id NOT IN :skip"
MESSAGES: Any = Message.__table__


def claim_many(
    session: Session, *, now: datetime, owner: str, limit: int, skip: Collection[int] = ()
) -> list[tuple[Message, Claim]]:
    """Lease up to `limit` of the most urgent due messages to `owner` (status `claimed`,
    one more attempt) through the queue's claim.

    A handful per round trip (the caller sends them one at a time, each checked against
    its lease before the call, so a slow send cannot push others past theirs unnoticed).
    `skip`: messages this pass already handled (a fallback waits for the next pass)."""
    until = now + timedelta(seconds=lease_seconds())
    taken: list[tuple[queue.Lease, bool]] = []
    for due, ambiguous in _DUE:
        want = limit - len(taken)
        if want <= 0:
            break
        leases = queue.claim(
            session,
            MESSAGES,
            now=now,
            until=until,
            owner=owner,
            limit=want,
            due=due + (_SKIP if skip else ""),
            order_by="next_attempt_at, id",
            params={"skip": sorted(skip)} if skip else None,
            also="status = 'claimed', attempts = attempts + 1",
            expanding=("skip",) if skip else (),
        )
        taken += [(lease, ambiguous) for lease in leases]
    if not taken:
        return []
    messages = {
        m.id: m
        for m in session.scalars(
            select(Message)
            .where(Message.id.in_([lease.id for lease, _ in taken]))
            .execution_options(populate_existing=True)
        )
    }
    return [
        (messages[lease.id], Claim(lease.id, lease.fence, ambiguous, lease.until))
        for lease, ambiguous in taken
        if lease.id in messages
    ]


def claim_one(
    session: Session, *, now: datetime, owner: str, skip: Collection[int] = ()
) -> tuple[Message, Claim] | None:
    """Lease the most urgent due message to `owner`; None when idle."""
    found = claim_many(session, now=now, owner=owner, limit=1, skip=skip)
    return found[0] if found else None


def dispatch_due(
    ctx: AppContext,
    *,
    limit: int = BATCH_SIZE,
    pool: ProviderPool | None = None,
    rng: random.Random | None = None,
) -> int:
    """One pass: claim, send and record up to `limit` messages, CLAIM_AT_ONCE per claim.
    Nothing is sent while the public base URL is unsafe for links (plain http outside
    localhost): the messages wait, queued."""
    problem = base_url_problem(ctx.settings.base_url)
    if problem:
        log.error("not sending: %s", problem)
        return 0
    own_pool = pool is None
    pool = pool or ProviderPool(ctx)
    pool.begin_pass()
    rng = rng or random.Random()
    owner = worker_id()
    handled: list[int] = []
    try:
        while len(handled) < limit:
            want = min(CLAIM_AT_ONCE, limit - len(handled))
            claimed, ready = _claim_and_prepare(ctx, pool, owner, want, handled)
            if not claimed:
                break
            handled.extend(claimed)
            _send_all(ctx, ready, rng)
    finally:
        if own_pool:
            pool.close()
    return len(handled)


@dataclass
class _Ready:
    """A claimed message, prepared and with its provider, waiting for its send."""

    claim: Claim
    prepared: _Prepared
    provider: Provider


def _claim_and_prepare(
    ctx: AppContext, pool: ProviderPool, owner: str, limit: int, skip: Collection[int]
) -> tuple[list[int], list[_Ready]]:
    """One transaction: claim up to `limit` messages and prepare them (everything they need
    read in a few queries). Messages settled here (skipped, fallen back, flagged) need no
    send. Returns the ids claimed and the ones to send."""
    ready: list[_Ready] = []
    with ctx.sessions() as session, session.begin():
        claimed = claim_many(session, now=ctx.clock.now(), owner=owner, limit=limit, skip=skip)
        if not claimed:
            return [], []
        known = _Known.load(session, [message for message, _ in claimed])
        gated = gates.holds(session, [message for message, _ in claimed], ctx.clock.now())
        for message, claim in claimed:
            if message.id in gated:
                # Another capability needs something first (a coupon code in the store).
                _wait_for_gate(session, ctx, message, claim, gated[message.id])
                continue
            prepared = _prepare(ctx, session, message, known)
            if prepared is None or prepared.settings is None:
                continue  # settled inside this transaction
            provider = pool.get(prepared.settings)
            if claim.ambiguous and not provider.supports_dedup:
                _flag_maybe_sent(
                    session,
                    ctx,
                    message,
                    provider,
                    "a previous attempt may have been sent and this provider cannot de-duplicate",
                )
                continue
            held = known.throttles.get((message.shop_id, prepared.channel))
            if held is not None and held > ctx.clock.now():
                # The provider asked this shop to slow down on this channel: wait, unfailed.
                _hold(message, held, ambiguous=claim.ambiguous)
                continue
            if provider.supports_dedup:
                # A resend carries the same id, so the claim itself may count as the handover.
                message.status = "sending"
            ready.append(_Ready(claim, prepared, provider))
    return [claim.message_id for _, claim in claimed], ready


@dataclass
class _Done:
    """A send that happened (or failed) and whose outcome is not recorded yet."""

    ready: _Ready
    outcome: Sent | SendError


def _send_all(ctx: AppContext, ready: list[_Ready], rng: random.Random) -> None:
    """Send the prepared messages one at a time. One transaction between two sends records
    the previous outcome and, for a provider that cannot de-duplicate (SMTP), commits the
    next message `sending` before its call (decision 0008): one commit per message."""
    done: _Done | None = None
    for item in ready:
        try:
            may_send = _record_then_mark(ctx, done, item, rng)
        except Exception:
            # The database went away: the rest lapse and are claimed again (ambiguous if
            # they were `sending`), nothing is lost or sent twice.
            log.exception("recording message outcomes failed; the rest of the claims lapse")
            return
        done = None
        if not may_send:
            log.info("message %s was taken over before it was sent", item.claim.message_id)
            continue
        if ctx.clock.now() >= item.claim.lease_until:
            # Paused or slow past the lease: another worker may own it now, and it decides.
            log.info("lease of message %s ran out before sending", item.claim.message_id)
            continue
        outcome: Sent | SendError
        try:
            outcome = item.provider.send(item.prepared.out)
        except SendError as exc:
            outcome = exc
        except Exception:
            # The lease runs out and the message is reclaimed (as ambiguous if `sending`).
            log.exception("dispatching message %s failed", item.claim.message_id)
            continue
        done = _Done(item, outcome)
    if done is not None:
        try:
            _record_then_mark(ctx, done, None, rng)
        except Exception:
            log.exception("recording the outcome of message %s failed", done.ready.claim.message_id)


def _record_then_mark(
    ctx: AppContext, done: _Done | None, nxt: _Ready | None, rng: random.Random
) -> bool:
    """Record `done`'s outcome (if its fence still holds) and mark `nxt` `sending` if its
    provider needs that commit; whether `nxt` may be sent."""
    mark = nxt is not None and not nxt.provider.supports_dedup
    if done is None and not mark:
        return nxt is not None
    with ctx.sessions() as session, session.begin():
        if done is not None:
            message = _load(session, done.ready.claim)
            if message is not None:
                _record_outcome(
                    ctx,
                    session,
                    message,
                    done.ready.prepared,
                    done.ready.provider,
                    done.outcome,
                    rng,
                )
        if nxt is None or not mark:
            return nxt is not None
        return _mark_sending(ctx, session, nxt.claim)


def _mark_sending(ctx: AppContext, session: Session, claim: Claim) -> bool:
    """`sending`, committed before a call that cannot be safely repeated; False if fenced
    out or the lease ran out."""
    result = session.execute(
        update(Message)
        .where(
            Message.id == claim.message_id,
            Message.fence == claim.fence,
            Message.status == "claimed",
            Message.lease_until > ctx.clock.now(),
        )
        .values(status="sending")
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


@dataclass
class _Prepared:
    out: Outgoing
    settings: ChannelSettings | None
    channel: str


def _load(session: Session, claim: Claim) -> Message | None:
    message = session.get(Message, claim.message_id, with_for_update=True, populate_existing=True)
    if message is None or message.fence != claim.fence:
        log.info("message %s was taken over by another worker", claim.message_id)
        return None
    return message


@dataclass
class _Known:
    """What a batch of claimed messages needs, read in four queries, not four per message."""

    customers: dict[int, Customer]
    shops: dict[int, Shop]
    settings: dict[tuple[int, str], ChannelSettings]
    consents: dict[tuple[int, str], str]
    suppressed: dict[tuple[int, str, str], str]
    # (shop, channel) -> the provider's "not before" (rate limit, quota, sending hours).
    throttles: dict[tuple[int, str], datetime] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, messages: list[Message]) -> _Known:
        shop_ids = sorted({m.shop_id for m in messages})
        customer_ids = sorted({m.customer_id for m in messages})
        customers = {
            c.id: c
            for c in session.scalars(
                select(Customer).where(
                    Customer.shop_id.in_(shop_ids), Customer.id.in_(customer_ids)
                )
            )
        }
        shops = {s.id: s for s in session.scalars(select(Shop).where(Shop.id.in_(shop_ids)))}
        settings = {
            (row.shop_id, row.channel): row
            for row in session.scalars(
                select(ChannelSettings).where(ChannelSettings.shop_id.in_(shop_ids))
            )
        }
        consents: dict[tuple[int, str], str] = {}
        if any(m.kind != "transactional" for m in messages):
            for customer_id, channel, state in session.execute(
                select(Consent.customer_id, Consent.channel, Consent.state).where(
                    Consent.shop_id.in_(shop_ids), Consent.customer_id.in_(customer_ids)
                )
            ):
                consents[(customer_id, channel)] = state
        addresses = set()
        for m in messages:
            customer = customers.get(m.customer_id)
            if customer is not None:
                address = _address(
                    m.channel or "", customer, settings.get((m.shop_id, m.channel or ""))
                )
                if address:
                    addresses.add(address)
        suppressed: dict[tuple[int, str, str], str] = {}
        if addresses:
            for shop_id, channel, address, reason in session.execute(
                select(
                    Suppression.shop_id,
                    Suppression.channel,
                    Suppression.address,
                    Suppression.reason,
                ).where(
                    Suppression.shop_id.in_(shop_ids), Suppression.address.in_(sorted(addresses))
                )
            ):
                suppressed[(shop_id, channel, address)] = reason
        throttles = {
            (shop_id, channel): not_before
            for shop_id, channel, not_before in session.execute(
                select(
                    ChannelThrottle.shop_id, ChannelThrottle.channel, ChannelThrottle.not_before
                ).where(ChannelThrottle.shop_id.in_(shop_ids))
            )
        }
        return cls(customers, shops, settings, consents, suppressed, throttles)


def _prepare(
    ctx: AppContext, session: Session, message: Message, known: _Known
) -> _Prepared | None:
    now = ctx.clock.now()
    channel = message.channel or ""
    customer = known.customers.get(message.customer_id)
    if customer is None or customer.erased_at is not None:
        _settle(session, ctx, message, "suppressed", "customer erased")
        return None
    denied = known.consents.get((customer.id, channel)) == "denied"
    if message.kind != "transactional" and channel in CONSENT_CHANNELS and denied:
        _fall_back(session, ctx, message, f"no {channel} consent", final="suppressed")
        return None
    settings = known.settings.get((message.shop_id, channel))
    if channel in NEEDS_SETTINGS and settings is None:
        _fall_back(session, ctx, message, f"{channel} is not configured for this shop")
        return None
    address = _address(channel, customer, settings)
    if not address:
        _fall_back(session, ctx, message, f"customer has no {channel} address")
        return None
    suppressed = known.suppressed.get((message.shop_id, channel, address))
    if suppressed is not None:
        _fall_back(session, ctx, message, f"address suppressed: {suppressed}", final="suppressed")
        return None
    shop = known.shops[message.shop_id]
    out = _outgoing(ctx, session, message, customer, shop, address)
    if channel == "task":
        _create_task(ctx, session, message, shop, out, now)
        return None
    return _Prepared(out=out, settings=settings, channel=channel)


def _address(channel: str, customer: Customer, settings: ChannelSettings | None) -> str | None:
    if channel == "email":
        return customer.email
    if channel in ("sms", "zalo"):
        return customer.phone
    if channel == "webhook":
        return str(settings.config.get("url") or "") if settings else None
    return "staff"


def _customer_info(session: Session, message: Message, customer: Customer) -> dict[str, Any]:
    """What a provider may need of the customer. For Zalo: their OA user id and when they
    last wrote to the OA (a support reply then goes as an OA customer-service message)."""
    info: dict[str, Any] = {
        "id": customer.external_id,
        "name": customer.name,
        "locale": message.locale,
    }
    if message.channel == "zalo" and customer.zalo_user_id:
        from careloop.customers.models import TimelineEvent

        info["zalo_user_id"] = customer.zalo_user_id
        info["zalo_last_inbound_at"] = session.scalar(
            select(TimelineEvent.occurred_at)
            .where(
                TimelineEvent.shop_id == message.shop_id,
                TimelineEvent.customer_id == customer.id,
                TimelineEvent.type == ZALO_INBOUND_EVENT,
                TimelineEvent.source == "channel:zalo",
            )
            .order_by(TimelineEvent.occurred_at.desc())
            .limit(1)
        )
    return info


def _outgoing(
    ctx: AppContext,
    session: Session,
    message: Message,
    customer: Customer,
    shop: Shop,
    address: str,
) -> Outgoing:
    channel = message.channel or ""
    base, secret = ctx.settings.base_url, ctx.secret_key
    payload = {"s": message.shop_id, "c": message.customer_id, "m": message.id}
    rendered = message.rendered.get(channel) or {}

    def fill(text: str) -> str:
        return links.fill_markers(
            text, base_url=base, secret=secret, payload=payload, channel=channel
        )

    html = fill(str(rendered.get("html") or ""))
    if channel == "email" and not html:
        html = links.text_to_html(fill(str(rendered.get("text") or "")))
    headers: dict[str, str] = {}
    if channel == "email" and html:
        html = links.track_clicks(html, base_url=base, secret=secret, message_id=message.id)
        pixel = links.open_pixel(base_url=base, secret=secret, message_id=message.id)
        html = html.replace("</body>", pixel + "</body>") if "</body>" in html else html + pixel
    if channel == "email" and message.kind != "transactional":
        unsubscribe = links.url(base, secret, "unsubscribe", {**payload, "ch": "email"})
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    data = {
        k: fill(v) if isinstance(v, str) else v for k, v in dict(rendered.get("data") or {}).items()
    }
    return Outgoing(
        message_id=message.id,
        shop_id=message.shop_id,
        dedup_id=message.dedup_id,
        kind=message.kind,
        channel=channel,
        to=address,
        subject=fill(str(rendered.get("subject") or "")),
        text=fill(str(rendered.get("text") or "")),
        html=html,
        data=data,
        customer=_customer_info(session, message, customer),
        template_key=message.template_key,
        headers=headers,
        status_callback=_status_callback(ctx, shop, message, channel),
    )


def _status_callback(ctx: AppContext, shop: Shop, message: Message, channel: str) -> str | None:
    if channel != "sms":
        return None
    base = ctx.settings.base_url.rstrip("/")
    # Twilio signs its callbacks; eSMS does not, so its URL carries a signed token instead.
    token = links.sign(ctx.secret_key, "callback", {"s": shop.id, "m": message.id})
    return f"{base}/c/hooks/sms/{shop.slug}/status?t={token}"


def _create_task(
    ctx: AppContext, session: Session, message: Message, shop: Shop, out: Outgoing, now: datetime
) -> None:
    due_days = int(out.data.get("_due_days") or 1)
    task_id = port(StaffTasks).create_task(
        session,
        ctx.clock,
        shop_id=shop.id,
        customer_id=message.customer_id,
        kind=str(out.data.get("_kind") or "follow_up"),
        title=out.subject or out.text[:120],
        body=out.text,
        due_at=now + timedelta(days=due_days),
        assignee_rule=out.data.get("_assignee_rule"),
        source=f"message:{message.id}",
        idempotency_key=f"message:{message.id}",
    )
    message.provider = "task"
    message.provider_message_id = str(task_id)
    message.to_address = "staff"
    _clear_lease(message)
    message.next_attempt_at = None
    record_status(session=session, clock=ctx.clock, message=message, status="sent")


def _clear_lease(message: Message) -> None:
    message.lease_owner = None
    message.lease_until = None
    message.fence += 1


def _settle(
    session: Session, ctx: AppContext, message: Message, status: str, reason: str | None
) -> None:
    _clear_lease(message)
    message.next_attempt_at = None
    record_status(session=session, clock=ctx.clock, message=message, status=status, reason=reason)


def _fall_back(
    session: Session, ctx: AppContext, message: Message, reason: str, *, final: str = "failed"
) -> None:
    """Try the next channel of the chain now; at the end of the chain, settle as `final`."""
    chain = list(message.channel_chain or [])
    if message.chain_index + 1 >= len(chain):
        _settle(session, ctx, message, final, reason)
        return
    record_status(
        session=session, clock=ctx.clock, message=message, status="fallback", reason=reason
    )
    message.chain_index += 1
    nxt = chain[message.chain_index]
    rendered = message.rendered.get(nxt) or {}
    message.channel = nxt
    message.subject = str(rendered.get("subject") or "")
    message.body_text = str(rendered.get("text") or "")
    message.body_html = str(rendered.get("html") or "")
    message.attempts = 0
    message.status = "queued"
    message.next_attempt_at = ctx.clock.now()
    _clear_lease(message)


def _retry_later(
    session: Session, ctx: AppContext, message: Message, reason: str, rng: random.Random
) -> None:
    delay = backoff_seconds(message.attempts, rng)
    record_status(session=session, clock=ctx.clock, message=message, status="retry", reason=reason)
    message.status = "queued"
    message.next_attempt_at = ctx.clock.now() + timedelta(seconds=delay)
    _clear_lease(message)


def _record_outcome(
    ctx: AppContext,
    session: Session,
    message: Message,
    prepared: _Prepared,
    provider: Provider,
    outcome: Sent | SendError,
    rng: random.Random,
) -> None:
    message.provider = provider.name
    message.to_address = prepared.out.to
    if isinstance(outcome, Sent):
        if outcome.provider_message_id:
            message.provider_message_id = outcome.provider_message_id[:128]
        status = "delivered" if outcome.delivered else "sent"
        _settle(session, ctx, message, status, outcome.note)
        return
    reason = outcome.reason[:500]
    if isinstance(outcome, RateLimited):
        until = outcome.until(ctx.clock.now())
        throttle_channel(
            session,
            ctx,
            shop_id=message.shop_id,
            channel=prepared.channel,
            until=until,
            reason=reason,
        )
        record_status(
            session=session, clock=ctx.clock, message=message, status="retry", reason=reason
        )
        _hold(message, until, ambiguous=False)
        return
    if isinstance(outcome, AmbiguousError):
        if provider.supports_dedup and not RETRY.exhausted(message.attempts):
            # Retried later with the same de-duplication id: the provider drops a repeat.
            record_status(
                session=session,
                clock=ctx.clock,
                message=message,
                status="maybe_sent",
                reason=reason,
            )
            message.status = "maybe_sent"
            message.next_attempt_at = ctx.clock.now() + timedelta(
                seconds=backoff_seconds(message.attempts, rng)
            )
            _clear_lease(message)
        else:
            # Possibly delivered and cannot be checked: stop here rather than risk a duplicate.
            _flag_maybe_sent(session, ctx, message, provider, reason)
        return
    if isinstance(outcome, TransientError) and not _retry_policy(message).exhausted(
        message.attempts
    ):
        _retry_later(session, ctx, message, reason, rng)
        return
    if isinstance(outcome, PermanentError) and outcome.suppress:
        _suppress_address(session, ctx, message.shop_id, prepared.channel, prepared.out.to, reason)
    _fall_back(session, ctx, message, reason)


def _wait_for_gate(
    session: Session, ctx: AppContext, message: Message, claim: Claim, hold: tuple[datetime, str]
) -> None:
    """Back in line, queued and unfailed, with the gate's reason (logged once per reason)."""
    until, reason = hold
    if message.reason != reason:
        record_status(
            session=session, clock=ctx.clock, message=message, status="retry", reason=reason
        )
    _hold(message, until, ambiguous=claim.ambiguous)


def _hold(message: Message, until: datetime, *, ambiguous: bool) -> None:
    """Back in line until `until` without counting the attempt: a rate limit is the
    provider's pace, not the message's fault. An ambiguous one stays `maybe_sent`."""
    message.status = "maybe_sent" if ambiguous else "queued"
    message.attempts = max(message.attempts - 1, 0)
    message.next_attempt_at = until
    _clear_lease(message)


def throttle_channel(
    session: Session,
    ctx: AppContext,
    *,
    shop_id: int,
    channel: str,
    until: datetime,
    reason: str,
) -> None:
    """Hold the shop's sends on `channel` until `until` (never moves an existing hold
    earlier); the dispatcher requeues that channel's messages until then."""
    from careloop.db.upsert import insert_ignoring_duplicates

    now = ctx.clock.now()
    insert_ignoring_duplicates(
        session,
        ChannelThrottle.__table__,  # type: ignore[arg-type]
        [
            {
                "shop_id": shop_id,
                "channel": channel,
                "not_before": until,
                "reason": reason[:500],
                "updated_at": now,
            }
        ],
        ["shop_id", "channel"],
    )
    session.execute(
        update(ChannelThrottle)
        .where(
            ChannelThrottle.shop_id == shop_id,
            ChannelThrottle.channel == channel,
            ChannelThrottle.not_before < until,
        )
        .values(not_before=until, reason=reason[:500], updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _retry_policy(message: Message) -> RetryPolicy:
    has_fallback = message.chain_index + 1 < len(message.channel_chain or [])
    return RETRY_BEFORE_FALLBACK if has_fallback else RETRY


def _flag_maybe_sent(
    session: Session, ctx: AppContext, message: Message, provider: Provider, reason: str
) -> None:
    """Final `maybe_sent`: never resent, shown on the customer's timeline for staff."""
    message.provider = provider.name
    record_status(
        session=session, clock=ctx.clock, message=message, status="maybe_sent", reason=reason
    )
    message.status = "maybe_sent"
    message.next_attempt_at = None
    _clear_lease(message)
    record_event(
        session=session,
        clock=ctx.clock,
        shop_id=message.shop_id,
        customer_id=message.customer_id,
        type=MESSAGE_MAYBE_SENT,
        payload=event_payload(message, reason=reason),
        source=f"channel:{message.channel}" if message.channel else "channels",
        event_key=f"message:{message.id}:maybe_sent:{message.chain_index}",
        summary=f"{message.template_key} via {message.channel}: may have been sent ({reason})",
    )


def _suppress_address(
    session: Session, ctx: AppContext, shop_id: int, channel: str, address: str, reason: str
) -> None:
    from careloop.db.upsert import insert_ignoring_duplicates

    insert_ignoring_duplicates(
        session,
        Suppression.__table__,  # type: ignore[arg-type]
        [
            {
                "shop_id": shop_id,
                "channel": channel,
                "address": address,
                "reason": reason[:64],
                "created_at": ctx.clock.now(),
            }
        ],
        ["shop_id", "channel", "address"],
    )
