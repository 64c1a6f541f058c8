"""The facts the contact policy needs, gathered for many customers at once, and the
decision for each: the journeys' own pure policy (careloop.channels.policy), so a campaign
counts the journey messages a customer already had against the same caps.

The recent-sends query mirrors channels' `marketing_sends_since` (same kinds, same statuses,
sent time or queue time) for a whole batch in one query instead of one per customer;
tests/community/test_contact.py checks that the two agree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels import policy
from careloop.customers.models import Consent, Customer
from careloop.shops.models import Shop

# Customers whose facts are loaded together (memory stays flat for any audience size).
CHUNK = 5000
ALL_CHANNELS: Sequence[str] = ("preferred",)


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def contact_policy(shop: Shop) -> policy.ContactPolicy:
    return policy.ContactPolicy.from_settings(shop.contact_policy)


def _bounds(part: Sequence[int]) -> tuple[int, int]:
    # Ids arrive sorted: a range scan on the index beats a long IN (...) list, and rows of
    # customers outside the audience are dropped in Python.
    return min(part), max(part)


def load_recipients(
    session: Session, shop: Shop, customer_ids: Sequence[int]
) -> dict[int, policy.Recipient]:
    """Time zone, preferred channel, addresses, consents and chosen frequency of each
    customer."""
    from careloop.channels.models import ContactPreference

    consents: dict[int, dict[str, str]] = defaultdict(dict)
    frequencies: dict[int, str] = {}
    out: dict[int, policy.Recipient] = {}
    for part in chunks(sorted(customer_ids)):
        wanted = set(part)
        lo, hi = _bounds(part)
        for cid, frequency in session.execute(
            select(ContactPreference.customer_id, ContactPreference.frequency).where(
                ContactPreference.shop_id == shop.id, ContactPreference.customer_id.between(lo, hi)
            )
        ):
            if cid in wanted:
                frequencies[int(cid)] = frequency
        for cid, channel, state in session.execute(
            select(Consent.customer_id, Consent.channel, Consent.state).where(
                Consent.shop_id == shop.id, Consent.customer_id.between(lo, hi)
            )
        ):
            if cid in wanted:
                consents[int(cid)][channel] = state
        rows = session.execute(
            select(
                Customer.id,
                Customer.timezone,
                Customer.preferred_channel,
                Customer.email,
                Customer.phone,
                Customer.zalo_user_id,
            ).where(Customer.shop_id == shop.id, Customer.id.between(lo, hi))
        )
        for cid, tz, preferred, email, phone, zalo in rows:
            if cid not in wanted:
                continue
            reachable = {
                name for name, addr in (("email", email), ("sms", phone), ("zalo", zalo)) if addr
            }
            out[int(cid)] = policy.Recipient(
                timezone=tz or shop.timezone,
                preferred_channel=preferred,
                reachable=frozenset(reachable),
                consents=consents.get(int(cid), {}),
                frequency=frequencies.get(int(cid), "normal"),
            )
    return out


def load_history(
    session: Session, shop_id: int, customer_ids: Sequence[int], since: datetime
) -> dict[int, list[policy.Sent]]:
    """Non-suppressed marketing and service messages since `since`, per customer."""
    from careloop.channels.models import Message

    history: dict[int, list[policy.Sent]] = defaultdict(list)
    for part in chunks(sorted(customer_ids)):
        wanted = set(part)
        lo, hi = _bounds(part)
        rows = session.execute(
            select(
                Message.customer_id,
                Message.sent_at,
                Message.created_at,
                Message.kind,
                Message.channel,
            ).where(
                Message.shop_id == shop_id,
                Message.customer_id.between(lo, hi),
                Message.kind.in_(("marketing", "service")),
                Message.status.not_in(("suppressed", "deferred", "failed")),
                Message.created_at >= since,
            )
        )
        for cid, sent, created, kind, channel in rows:
            if cid in wanted:
                history[int(cid)].append(policy.Sent(sent or created, kind, channel))
    return history


def history_since(rules: policy.ContactPolicy, now: datetime) -> datetime:
    # As the journeys runner does: the longest window `decide` looks at, plus a day.
    return now - timedelta(days=policy.history_days(rules))


@dataclass
class Facts:
    """Everything `decide` needs for a set of customers, loaded once."""

    rules: policy.ContactPolicy
    recipients: dict[int, policy.Recipient]
    history: dict[int, list[policy.Sent]]

    @classmethod
    def load(
        cls, session: Session, shop: Shop, customer_ids: Sequence[int], now: datetime
    ) -> Facts:
        rules = contact_policy(shop)
        return cls(
            rules=rules,
            recipients=load_recipients(session, shop, customer_ids),
            history=load_history(session, shop.id, customer_ids, history_since(rules, now)),
        )

    def decide(self, customer_id: int, kind: str, now: datetime) -> policy.Decision:
        recipient = self.recipients.get(customer_id)
        if recipient is None:
            return policy.Decision("suppress", rule=policy.RULE_UNREACHABLE, detail="no customer")
        return policy.decide(
            kind=kind,
            requested=ALL_CHANNELS,
            recipient=recipient,
            history=self.history.get(customer_id, []),
            policy=self.rules,
            now=now,
        )

    def note_sent(
        self, customer_id: int, kind: str, at: datetime, channel: str | None = None
    ) -> None:
        """Count a send made in this batch against the caps of the next decisions."""
        self.history.setdefault(customer_id, []).append(policy.Sent(at, kind, channel))


@dataclass
class Forecast:
    """What would happen if the message went now: counts by outcome, rule and channel."""

    total: int = 0
    send: int = 0
    deferred: Counter[str] = field(default_factory=Counter)
    suppressed: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)

    def add(self, decision: policy.Decision) -> None:
        self.total += 1
        if decision.action == "send":
            self.send += 1
        elif decision.action == "defer":
            self.deferred[decision.rule or "deferred"] += 1
        else:
            self.suppressed[decision.rule or "suppressed"] += 1
        if decision.action != "suppress" and decision.channels:
            self.channels[decision.channels[0]] += 1

    def as_json(self) -> dict[str, object]:
        return {
            "total": self.total,
            "send": self.send,
            "deferred": dict(self.deferred),
            "deferred_total": sum(self.deferred.values()),
            "suppressed": dict(self.suppressed),
            "suppressed_total": sum(self.suppressed.values()),
            "channels": dict(self.channels),
        }


def forecast(
    session: Session, shop: Shop, customer_ids: Sequence[int], kind: str, at: datetime
) -> Forecast:
    """Dry run of the contact policy over `customer_ids` at moment `at`; writes nothing."""
    result = Forecast()
    for part in chunks(sorted(customer_ids), CHUNK * 2):
        facts = Facts.load(session, shop, part, at)
        for cid in part:
            result.add(facts.decide(cid, kind, at))
    return result
