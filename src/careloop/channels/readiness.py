"""Whether a shop's channels can carry a message at all: asked before anything starts
sending (a journey turned on, a campaign sent, a ticket reply) so the owner is warned,
with a link to fix it, instead of finding a page of failures later."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels.models import ChannelSettings

# Channels that need a provider set up; "task" (a staff to-do) needs nothing.
NEEDS_SETTINGS = ("email", "sms", "zalo", "webhook")
MESSAGING = ("zalo", "sms", "email")
FIX_URL = "/settings/channels"


def configured_channels(session: Session, shop_id: int) -> set[str]:
    return set(
        session.scalars(select(ChannelSettings.channel).where(ChannelSettings.shop_id == shop_id))
    )


def chain_of(channels: str | Iterable[str]) -> list[str]:
    """The channels a send may use: "preferred" means any messaging channel."""
    if isinstance(channels, str):
        return list(MESSAGING) if channels == "preferred" else [channels]
    chain = list(channels)
    return list(MESSAGING) if chain == ["preferred"] else chain


def unusable(chains: Iterable[str | Iterable[str]], configured: set[str]) -> list[str]:
    """The channels to set up: those of each chain none of whose channels works (a chain
    falls back, so one working channel is enough; a set-up messaging channel stands in for
    the messaging channels asked for, channels/policy.py). Empty when every chain can send."""
    missing: list[str] = []
    stand_in = any(c in configured for c in MESSAGING)
    for channels in chains:
        chain = chain_of(channels)
        if any(c not in NEEDS_SETTINGS or c in configured for c in chain):
            continue
        if stand_in and any(c in MESSAGING for c in chain):
            continue
        missing.extend(c for c in chain if c not in missing)
    return missing


def not_set_up(chains: Iterable[str | Iterable[str]], configured: set[str]) -> list[str]:
    """The channels asked for by name that the shop has not set up ("preferred" asks for
    none by name): another set-up channel carries their messages, or nothing does."""
    missing: list[str] = []
    for channels in chains:
        named = [channels] if isinstance(channels, str) else list(channels)
        for c in named:
            if c in NEEDS_SETTINGS and c not in configured and c not in missing:
                missing.append(c)
    return missing
