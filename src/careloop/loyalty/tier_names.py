"""A tier's name as a reader sees it: the name the shop gave it in the reader's language,
else the catalogue's name for the tiers Careloop ships (tier.<key>), else the key itself
(a tier the shop removed whose members have not been re-evaluated yet).

Every page, export and message that shows a tier goes through here, so a shop that calls
its gold tier "Khách quen" / "Regular" sees that name everywhere."""

from __future__ import annotations

from sqlalchemy.orm import Session

from careloop.core.catalogue import has_message, t
from careloop.loyalty.config import ProgramConfig
from careloop.loyalty.program import program_config


def tier_label(config: ProgramConfig, key: str | None, locale: str) -> str:
    if not key:
        return ""
    tier = config.tier(key)
    own = tier.own_name(locale) if tier else None
    if own:
        return own
    catalogue_key = f"tier.{key}"
    return t(catalogue_key, locale) if has_message(catalogue_key) else key


def tier_labels(config: ProgramConfig, locale: str) -> dict[str, str]:
    """{key: name} for the shop's tiers, in the programme's order."""
    return {tier.key: tier_label(config, tier.key, locale) for tier in config.tiers}


def shop_tier_labels(
    session: Session, shop_id: int, locale: str, also: tuple[str | None, ...] = ()
) -> dict[str, str]:
    """The shop's tier names in `locale`, plus names for `also` (keys stored on members,
    e.g. of a removed tier), for pages that show tiers."""
    config = program_config(session, shop_id)
    labels = tier_labels(config, locale)
    for key in also:
        if key and key not in labels:
            labels[key] = tier_label(config, key, locale)
    return labels
