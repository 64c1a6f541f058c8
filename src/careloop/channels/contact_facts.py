"""The facts the contact policy needs about customers, loaded ONE way for one customer or
many: recipient (addresses, consents, chosen frequency, time zone, preferred channel) and
the recent sends that count against the caps.

Many customers are loaded in chunks (memory stays flat for any audience size) with range
scans; the Outreach port (channels/outreach.py) and the campaign preview both read here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol, overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels import policy
from careloop.channels.models import ContactPreference, Message
from careloop.channels.readiness import configured_channels
from careloop.customers.models import Consent, Customer
from careloop.shops.models import Shop

# Customers whose facts are loaded together (memory stays flat for any audience size).
CHUNK = 5000
ALL_CHANNELS: Sequence[str] = ("preferred",)


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def contact_policy(shop: Shop, session: Session | None = None) -> policy.ContactPolicy:
    """The shop's contact policy; with a session, knowing which channels the shop has set up
    (the chain is built from those, decision 0031)."""
    rules = policy.ContactPolicy.from_settings(shop.contact_policy)
    return rules if session is None else with_configured(rules, session, shop.id)


def with_configured(
    rules: policy.ContactPolicy, session: Session, shop_id: int
) -> policy.ContactPolicy:
    """`rules` knowing the shop's set-up channels (read once; kept when already known)."""
    if rules.configured is not None:
        return rules
    return replace(rules, configured=frozenset(configured_channels(session, shop_id)))


# How a message reaches a customer on Zalo: "zns" (a ZNS template to their phone number,
# channels/zalo.py: the care messages of journeys and feedback), "oa" (the Official Account
# to a follower's user id: community messages) or "either" (a support reply: an OA message
# to someone who wrote to the OA, else ZNS).
ZaloRoute = Literal["zns", "oa", "either"]


def reachable_channels(
    email: str | None, phone: str | None, zalo_user_id: str | None, zalo_route: ZaloRoute = "zns"
) -> frozenset[str]:
    """The channels a customer has an address on."""
    zalo = {"zns": phone, "oa": zalo_user_id, "either": zalo_user_id or phone}[zalo_route]
    return frozenset(n for n, a in (("email", email), ("sms", phone), ("zalo", zalo)) if a)


class Addressed(Protocol):
    """What the policy reads of a customer: a Customer, or a row of these columns."""

    @property
    def timezone(self) -> str | None: ...
    @property
    def preferred_channel(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def zalo_user_id(self) -> str | None: ...


def recipient_of(
    shop: Shop,
    customer: Addressed,
    consents: Mapping[str, str],
    frequency: str = "normal",
    *,
    zalo_route: ZaloRoute = "zns",
    reply: bool = False,
) -> policy.Recipient:
    """The policy's view of one customer; a reply keeps the conversation's channel first
    (the customer's preferred channel does not jump ahead of it)."""
    return policy.Recipient(
        timezone=customer.timezone or shop.timezone,
        preferred_channel=None if reply else customer.preferred_channel,
        reachable=reachable_channels(
            customer.email, customer.phone, customer.zalo_user_id, zalo_route
        ),
        consents=consents,
        frequency=frequency,
    )


def _bounds(part: Sequence[int]) -> tuple[int, int]:
    # Ids arrive sorted: a range scan on the index beats a long IN (...) list, and rows of
    # customers outside the audience are dropped in Python.
    return min(part), max(part)


def load_consents(
    session: Session, shop_id: int, customer_ids: Sequence[int]
) -> dict[int, dict[str, str]]:
    """channel -> state per customer."""
    consents: dict[int, dict[str, str]] = defaultdict(dict)
    for part in chunks(sorted(customer_ids)):
        wanted = set(part)
        lo, hi = _bounds(part)
        for cid, channel, state in session.execute(
            select(Consent.customer_id, Consent.channel, Consent.state).where(
                Consent.shop_id == shop_id, Consent.customer_id.between(lo, hi)
            )
        ):
            if cid in wanted:
                consents[int(cid)][channel] = state
    return consents


def load_frequencies(session: Session, shop_id: int, customer_ids: Sequence[int]) -> dict[int, str]:
    """The preference centre's "how often" per customer who chose one."""
    frequencies: dict[int, str] = {}
    for part in chunks(sorted(customer_ids)):
        wanted = set(part)
        lo, hi = _bounds(part)
        for cid, frequency in session.execute(
            select(ContactPreference.customer_id, ContactPreference.frequency).where(
                ContactPreference.shop_id == shop_id, ContactPreference.customer_id.between(lo, hi)
            )
        ):
            if cid in wanted:
                frequencies[int(cid)] = frequency
    return frequencies


def load_recipients(
    session: Session,
    shop: Shop,
    customer_ids: Sequence[int],
    *,
    zalo_route: ZaloRoute = "zns",
    reply: bool = False,
) -> dict[int, policy.Recipient]:
    """Time zone, preferred channel, addresses, consents and chosen frequency of each
    customer."""
    consents = load_consents(session, shop.id, customer_ids)
    frequencies = load_frequencies(session, shop.id, customer_ids)
    out: dict[int, policy.Recipient] = {}
    for part in chunks(sorted(customer_ids)):
        wanted = set(part)
        lo, hi = _bounds(part)
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
        for row in rows:
            if row.id in wanted:
                cid = int(row.id)
                out[cid] = recipient_of(
                    shop,
                    row,
                    consents.get(cid, {}),
                    frequencies.get(cid, "normal"),
                    zalo_route=zalo_route,
                    reply=reply,
                )
    return out


def load_history(
    session: Session, shop_id: int, customer_ids: Sequence[int], since: datetime
) -> dict[int, list[policy.Sent]]:
    """Non-suppressed marketing and service messages since `since`, per customer: when (sent
    time, or queue time if not sent yet), their class and their channel."""
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
    for sends in history.values():
        sends.sort(key=lambda s: s.at)
    return history


def history_since(rules: policy.ContactPolicy, now: datetime) -> datetime:
    """The longest window `decide` looks at, plus a day."""
    return now - timedelta(days=policy.history_days(rules))


class LazyHistory(Sequence[policy.Sent]):
    """A customer's recent sends, read from the database on first use: `decide` looks at
    them only for capped classes and ad SMS, so a transactional send never reads them."""

    def __init__(self, load: Callable[[], list[policy.Sent]]) -> None:
        self._load = load
        self._items: list[policy.Sent] | None = None

    def _get(self) -> list[policy.Sent]:
        if self._items is None:
            self._items = self._load()
        return self._items

    @overload
    def __getitem__(self, index: int) -> policy.Sent: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[policy.Sent]: ...
    def __getitem__(self, index: int | slice) -> policy.Sent | Sequence[policy.Sent]:
        return self._get()[index]

    def __len__(self) -> int:
        return len(self._get())

    def __iter__(self) -> Iterator[policy.Sent]:
        return iter(self._get())


@dataclass
class Facts:
    """Everything `decide` needs for a set of customers, loaded once."""

    rules: policy.ContactPolicy
    recipients: dict[int, policy.Recipient]
    history: dict[int, list[policy.Sent]]

    @classmethod
    def load(
        cls,
        session: Session,
        shop: Shop,
        customer_ids: Sequence[int],
        now: datetime,
        *,
        zalo_route: ZaloRoute = "zns",
        reply: bool = False,
    ) -> Facts:
        rules = contact_policy(shop, session)
        return cls(
            rules=rules,
            recipients=load_recipients(
                session, shop, customer_ids, zalo_route=zalo_route, reply=reply
            ),
            history=load_history(session, shop.id, customer_ids, history_since(rules, now)),
        )

    def decide(
        self,
        customer_id: int,
        kind: str,
        now: datetime,
        requested: Sequence[str] = ALL_CHANNELS,
    ) -> policy.Decision:
        recipient = self.recipients.get(customer_id)
        if recipient is None:
            return policy.Decision("suppress", rule=policy.RULE_UNREACHABLE, detail="no customer")
        return policy.decide(
            kind=kind,
            requested=requested,
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
