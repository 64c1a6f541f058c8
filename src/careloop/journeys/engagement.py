"""How often the shop's customers open and click, for `careloop simulate`.

A dry run sends nothing, so no simulated message is ever opened; a journey that waits for an
open (the Golden Hours' day-3 guide) would always take its "not opened" branch and the
preview would be wrong. The simulator decides instead, per simulated message, with the
shop's own rates from its message log, or, when the log is too thin, the channel's
published default; the report prints which numbers it assumed and where they came from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

# Fewer messages than this on a channel and its measured rates are too noisy to use.
MIN_SAMPLE: Final = 30
LOOKBACK: Final = timedelta(days=365)
# Mailchimp, "Email Marketing Benchmarks by Industry" (mailchimp.com/resources/
# email-marketing-benchmarks, data of October 2019), "All non-labeled accounts": average
# unique open rate 22.71 %, click rate 2.91 %. SMS and Zalo ZNS report no opens, and no
# published click benchmark is used for them: they count as not opened, not clicked.
DEFAULTS: Final[dict[str, tuple[float, float]]] = {"email": (0.2271, 0.0291)}
DEFAULT_SOURCE: Final = "Mailchimp benchmark, all accounts"
EVENTS: Final = {"message.opened": "open", "message.clicked": "click"}


@dataclass(frozen=True)
class ChannelRates:
    channel: str
    open: float
    click: float
    # "message log" (measured), DEFAULT_SOURCE, or "not tracked" (assumed 0).
    basis: str
    sample: int = 0

    def of(self, event_type: str) -> float | None:
        """The rate for a message event (opened, clicked); None for other events."""
        which = EVENTS.get(event_type)
        if which is None:
            return None
        return self.open if which == "open" else self.click

    def describe(self) -> str:
        where = f"{self.basis}, {self.sample} sent" if self.basis == "message log" else self.basis
        return f"{self.channel}: opens {self.open:.1%}, clicks {self.click:.1%} ({where})"


def default_rates(channel: str, sample: int = 0) -> ChannelRates:
    if channel in DEFAULTS:
        opened, clicked = DEFAULTS[channel]
        return ChannelRates(channel, opened, clicked, DEFAULT_SOURCE, sample)
    return ChannelRates(channel, 0.0, 0.0, "not tracked", sample)


def rates_from_counts(channel: str, sent: int, opened: int, clicked: int) -> ChannelRates:
    """Measured rates when the sample is big enough, else the channel's default (pure)."""
    if sent < MIN_SAMPLE:
        return default_rates(channel, sent)
    return ChannelRates(channel, opened / sent, clicked / sent, "message log", sent)


def measure(
    session: Session, *, shop_id: int, until: datetime, channels: tuple[str, ...]
) -> dict[str, ChannelRates]:
    """Per channel, the share of messages the provider accepted that a person opened or
    clicked, over the year before `until` (machine opens by privacy proxies do not count)."""
    from careloop.channels.models import Message

    rows = session.execute(
        select(
            Message.channel,
            func.count(Message.id),
            func.count(Message.opened_at),
            func.count(Message.clicked_at),
        )
        .where(
            Message.shop_id == shop_id,
            Message.sent_at.is_not(None),
            Message.created_at >= until - LOOKBACK,
            Message.created_at <= until,
        )
        .group_by(Message.channel)
    ).all()
    counts = {str(ch): (int(s), int(o), int(c)) for ch, s, o, c in rows if ch is not None}
    return {ch: rates_from_counts(ch, *counts.get(ch, (0, 0, 0))) for ch in channels}


def point(key: str) -> float:
    """A deterministic number in [0, 1) for a simulated message, so a rerun agrees."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
