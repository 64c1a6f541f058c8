"""Honest message states for people (DESIGN rule 9): the message log's fine-grained status
folded into what a shop owner reads: queued, sent (the provider accepted it), maybe sent
(the request left and we do not know), delivered (the provider said so), failed and
suppressed. Opened, clicked and replied imply delivered, so they count as delivered."""

from __future__ import annotations

from collections.abc import Iterable

from careloop.core.catalogue import catalogue_pairs

HONEST_STATES = ("queued", "sent", "maybe_sent", "delivered", "failed", "suppressed")

_FOLD = {
    "queued": "queued",
    "claimed": "queued",
    "sending": "queued",
    "deferred": "queued",
    "pending": "queued",
    "sent": "sent",
    "maybe_sent": "maybe_sent",
    "delivered": "delivered",
    "opened": "delivered",
    "clicked": "delivered",
    "replied": "delivered",
    "failed": "failed",
    "suppressed": "suppressed",
}

LABELS = catalogue_pairs("channels.honest.labels")


def honest_state(status: str) -> str:
    """The state a person reads for a message (or outbox row) status."""
    return _FOLD.get(status, "queued")


def honest_counts(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    """(status, count) rows folded into every honest state, zeros included, in order."""
    counts = dict.fromkeys(HONEST_STATES, 0)
    for status, n in rows:
        counts[honest_state(str(status))] += int(n)
    return counts


def label(state: str, locale: str) -> str:
    words = LABELS.get(state, {})
    return words.get(locale[:2], words.get("en", state))
