"""The one way to contact a customer: the `Outreach` port and its channels implementation.

Journeys, feedback, community and support all ask here, so one contact policy
(channels/policy.py: consent, the customer's chosen frequency, caps, quiet hours, Decree 91
ad SMS) applies to every message a customer can receive, whatever sends it. The port loads
the facts one way (channels/contact_facts.py), asks `policy.decide`, then enqueues the
message (sent after commit by the channels worker), records the suppression with its rule,
or defers it. Callers unit-test their own logic against an in-memory Outreach.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels import policy
from careloop.channels.contact_facts import (
    Facts,
    LazyHistory,
    ZaloRoute,
    contact_policy,
    history_since,
    load_consents,
    load_frequencies,
    load_history,
    recipient_of,
    with_configured,
)
from careloop.channels.models import Message
from careloop.channels.service import enqueue_message, record_suppressed
from careloop.core.clock import Clock
from careloop.core.errors import CareloopError
from careloop.customers.models import Customer
from careloop.shops.models import Shop

Kind = Literal["transactional", "service", "marketing"]
# "record": a deferral is recorded and handed back; the caller asks again at `until` (it
# has its own queue: journeys, review asks, the community outbox). "schedule": the message
# is queued now to go at `until` (a one-off ask with no queue of its own: support).
OnDefer = Literal["record", "schedule"]
Status = Literal["enqueued", "deferred", "suppressed"]

PREFERRED: tuple[str, ...] = ("preferred",)
RULE_TEMPLATE_ERROR = "template_error"


@dataclass(frozen=True)
class ContactRequest:
    """One message for one customer, as its sender asks for it."""

    shop: Shop
    customer: Customer
    template_key: str
    kind: Kind
    idempotency_key: str
    context: Mapping[str, Any] = field(default_factory=dict)
    # Channel names in order, or ("preferred",): the customer's channel, then the shop's order.
    channels: Sequence[str] = PREFERRED
    # The class the policy treats it as (consent, caps, quiet hours); the message's kind
    # when not given.
    priority: Kind | None = None
    # A reply in a conversation the customer started: the requested order is kept.
    reply: bool = False
    zalo_route: ZaloRoute = "zns"
    on_defer: OnDefer = "record"
    journey_key: str | None = None
    step_key: str | None = None
    enrollment_id: int | None = None
    # Set by the port, not the sender: why the chain is not the one asked for (channels the
    # shop has not set up), kept on the message as its reason.
    chain_note: str | None = None

    @property
    def policy_class(self) -> str:
        return self.priority or self.kind


@dataclass(frozen=True)
class Outcome:
    """enqueued (message_id None: the key was used before) | deferred (until, rule; with a
    message_id when it is queued for `until`) | suppressed (rule, recorded)."""

    status: Status
    channels: tuple[str, ...] = ()
    rule: str | None = None
    until: datetime | None = None
    message_id: int | None = None
    detail: str = ""

    @property
    def duplicate(self) -> bool:
        return self.status == "enqueued" and self.message_id is None


class Outreach(Protocol):
    """Contact customers under the one contact policy."""

    def contact(self, request: ContactRequest) -> Outcome:
        """Decide, then enqueue, defer or record the suppression."""
        ...

    def contact_all(self, requests: Sequence[ContactRequest]) -> list[Outcome]:
        """The same for many customers (a campaign batch): facts loaded in chunks, and each
        send counted against the caps of the next decisions."""
        ...

    def not_sent(self, request: ContactRequest, rule: str) -> Outcome:
        """Record a message the caller's own rule stopped (an occasion already over)."""
        ...

    def route(self, request: ContactRequest) -> tuple[str, ...]:
        """The channels the message would go on now, in order (empty: none can carry it);
        nothing is sent or recorded. What a page shows before a person presses send."""
        ...


def deferral_key(request: ContactRequest, until: datetime) -> str:
    """A key of its own for the deferral record, so the message finally sent is a fresh row
    queued at its real time (the caps count messages by when they were queued)."""
    return f"{request.idempotency_key}:deferred@{until:%Y%m%dT%H%M}"


class ChannelsOutreach:
    """The real thing: messages rows through channels.service, inside the caller's
    transaction (sending happens after commit, in the channels worker).

    `consents` (customer id -> channel -> state) and `rules` may be passed by a caller that
    already read them for a whole batch (the journeys runner)."""

    def __init__(
        self,
        session: Session,
        clock: Clock,
        *,
        consents: Mapping[int, Mapping[str, str]] | None = None,
        rules: policy.ContactPolicy | None = None,
    ) -> None:
        self.session, self.clock = session, clock
        self._consents = consents
        self._rules = rules
        self._policies: dict[int, policy.ContactPolicy] = {}

    # -- the port ---------------------------------------------------------------------------

    def contact(self, request: ContactRequest) -> Outcome:
        return self.carry_out(request, self.decide(request))

    def contact_all(self, requests: Sequence[ContactRequest]) -> list[Outcome]:
        now = self.clock.now()
        outcomes: dict[int, Outcome] = {}
        groups: dict[tuple[int, str, bool], list[tuple[int, ContactRequest]]] = {}
        for i, request in enumerate(requests):
            group = (request.shop.id, request.zalo_route, request.reply)
            groups.setdefault(group, []).append((i, request))
        for items in groups.values():
            first_request = items[0][1]
            facts = Facts.load(
                self.session,
                first_request.shop,
                sorted({r.customer.id for _, r in items}),
                now,
                zalo_route=first_request.zalo_route,
                reply=first_request.reply,
            )
            for i, request in items:
                cid = request.customer.id
                decision = facts.decide(cid, request.policy_class, now, request.channels)
                outcome = self.carry_out(request, decision)
                if outcome.status == "enqueued":
                    first = outcome.channels[0] if outcome.channels else None
                    facts.note_sent(cid, request.kind, now, first)
                outcomes[i] = outcome
        return [outcomes[i] for i in range(len(requests))]

    def not_sent(self, request: ContactRequest, rule: str) -> Outcome:
        decision = self.decide(request)
        first = decision.channels[0] if decision.channels else None
        self.record(request, first, rule, None)
        return Outcome("suppressed", rule=rule)

    def route(self, request: ContactRequest) -> tuple[str, ...]:
        return self.decide(request).channels

    # -- deciding ---------------------------------------------------------------------------

    def decide(self, request: ContactRequest) -> policy.Decision:
        """The policy's decision for one request; history read only if the policy looks."""
        shop, customer = request.shop, request.customer
        rules = self.rules(shop)
        now = self.clock.now()
        since = history_since(rules, now)
        history = LazyHistory(lambda: self.history(shop.id, customer.id, since))
        return policy.decide(
            kind=request.policy_class,
            requested=request.channels,
            recipient=self.recipient(request, rules),
            history=history,
            policy=rules,
            now=now,
        )

    def rules(self, shop: Shop) -> policy.ContactPolicy:
        """The shop's contact policy (the caller's, when given), knowing which channels the
        shop has set up: the chain is built from those."""
        found = self._policies.get(shop.id)
        if found is None:
            base = self._rules or contact_policy(shop)
            found = self._policies[shop.id] = with_configured(base, self.session, shop.id)
        return found

    def recipient(self, request: ContactRequest, rules: policy.ContactPolicy) -> policy.Recipient:
        shop, customer = request.shop, request.customer
        known = None if self._consents is None else self._consents.get(customer.id)
        consents = (
            known
            if known is not None
            else load_consents(self.session, shop.id, [customer.id]).get(customer.id, {})
        )
        # The chosen frequency matters only where the caps apply: read only then.
        frequency = "normal"
        if request.policy_class in rules.capped_classes:
            frequency = load_frequencies(self.session, shop.id, [customer.id]).get(
                customer.id, "normal"
            )
        return recipient_of(
            shop, customer, consents, frequency, zalo_route=request.zalo_route, reply=request.reply
        )

    def history(self, shop_id: int, customer_id: int, since: datetime) -> list[policy.Sent]:
        """The customer's recent sends that count against the caps."""
        return load_history(self.session, shop_id, [customer_id], since).get(customer_id, [])

    # -- acting -----------------------------------------------------------------------------

    def carry_out(self, request: ContactRequest, decision: policy.Decision) -> Outcome:
        """Enqueue, defer or record the suppression, as `decision` says."""
        if decision.action != "send" and self.already_sent(request):
            # A retried request (a worker redoing a batch) whose own message now counts
            # against the caps: it went already, nothing to hold back.
            return Outcome("enqueued")
        first = decision.channels[0] if decision.channels else None
        rule = decision.rule or decision.action
        if decision.action == "defer" and decision.until is not None:
            if request.on_defer == "schedule":
                channels = decision.channels or self._channels_later(request)
                if channels:
                    later = replace(decision, channels=channels)
                    return self._enqueue(request, later, scheduled_for=decision.until)
            self.record(
                replace(request, idempotency_key=deferral_key(request, decision.until)),
                first,
                rule,
                decision.until,
            )
            return Outcome(
                "deferred", decision.channels, rule, decision.until, None, decision.detail
            )
        if decision.action != "send":
            self.record(request, first, rule, None)
            return Outcome("suppressed", rule=rule, detail=decision.detail)
        return self._enqueue(request, decision)

    def _channels_later(self, request: ContactRequest) -> tuple[str, ...]:
        """The channels a message held back by a cap (which names none) will go on: the
        policy's answer with the clock's rules (quiet hours, caps) left out."""
        rules = self.rules(request.shop)
        decision = policy.decide(
            kind=request.policy_class,
            requested=request.channels,
            recipient=self.recipient(request, rules),
            history=[],
            policy=replace(rules, quiet_hours=None, capped_classes=frozenset()),
            now=self.clock.now(),
        )
        return decision.channels if decision.action == "send" else ()

    def _enqueue(
        self,
        request: ContactRequest,
        decision: policy.Decision,
        scheduled_for: datetime | None = None,
    ) -> Outcome:
        note = instead_reason(decision)
        if note is not None:
            request = replace(request, chain_note=note)
        try:
            message_id = self.enqueue(request, decision.channels, scheduled_for)
        except CareloopError as exc:
            # A template that cannot render is recorded, never a silent skip. enqueue writes
            # nothing before it raises, so no savepoint is needed.
            self.record(request, decision.channels[0], f"template_error: {exc}"[:500], None)
            return Outcome("suppressed", rule=RULE_TEMPLATE_ERROR, detail=str(exc)[:300])
        if scheduled_for is not None:
            rule = decision.rule or "deferred"
            return Outcome(
                "deferred", decision.channels, rule, scheduled_for, message_id, decision.detail
            )
        return Outcome("enqueued", decision.channels, message_id=message_id)

    def already_sent(self, request: ContactRequest) -> bool:
        """Whether a message (not a deferral) already went under the request's key."""
        status = self.session.scalar(
            select(Message.status).where(
                Message.shop_id == request.shop.id,
                Message.idempotency_key == request.idempotency_key,
            )
        )
        return status is not None and status != "deferred"

    def enqueue(
        self, request: ContactRequest, channels: Sequence[str], scheduled_for: datetime | None
    ) -> int | None:
        """Queue the message; its id, or None if the idempotency key was already used."""
        message = enqueue_message(
            session=self.session,
            clock=self.clock,
            shop=request.shop,
            customer=request.customer,
            channels=list(channels),
            template_key=request.template_key,
            kind=request.kind,
            context=request.context,
            idempotency_key=request.idempotency_key,
            scheduled_for=scheduled_for,
            journey_key=request.journey_key,
            step_key=request.step_key,
            enrollment_id=request.enrollment_id,
            reason=request.chain_note,
        )
        return None if message is None else int(message.id)

    def record(
        self, request: ContactRequest, channel: str | None, reason: str, until: datetime | None
    ) -> None:
        """Record a message that did not go now: deferred (until) or suppressed (reason)."""
        record_suppressed(
            session=self.session,
            clock=self.clock,
            shop=request.shop,
            customer=request.customer,
            channel=channel,
            template_key=request.template_key,
            kind=request.kind,
            reason=reason,
            idempotency_key=request.idempotency_key,
            journey_key=request.journey_key,
            step_key=request.step_key,
            deferred_until=until,
        )


def instead_reason(decision: policy.Decision) -> str | None:
    """The honest record of a chain the shop's set-up channels changed (shown translated by
    channels/reason_text.py): which asked-for channels are not set up, and what went instead."""
    if not decision.not_set_up or not decision.channels:
        return None
    missing = ", ".join(decision.not_set_up)
    return f"{missing} not set up for this shop: sent by {decision.channels[0]} instead"


def outreach_for(session: Session, clock: Clock) -> Outreach:
    """The Outreach bound to the channels capability, in the caller's transaction."""
    return ChannelsOutreach(session, clock)


__all__ = [
    "ChannelsOutreach",
    "ContactRequest",
    "Outcome",
    "Outreach",
    "deferral_key",
    "outreach_for",
]
