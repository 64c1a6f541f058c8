"""What a campaign would do if it went now: the contact policy's decision for every customer
of the audience, counted by outcome, rule and channel. The facts come from channels' one
loader (channels/contact_facts.py), so the preview counts the journey messages a customer
already had against the same caps as the send.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from careloop.channels import policy
from careloop.channels.contact_facts import CHUNK, Facts, ZaloRoute, chunks
from careloop.shops.models import Shop

# Community messages reach Zalo through the Official Account, to its followers' user ids.
ZALO_ROUTE: ZaloRoute = "oa"


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
        facts = Facts.load(session, shop, part, at, zalo_route=ZALO_ROUTE)
        for cid in part:
            result.add(facts.decide(cid, kind, at))
    return result
