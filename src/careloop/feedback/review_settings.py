"""Saving a shop's review settings (settings.feedback): every way in (API, CLI, staff page)
goes through here, so a wrong value is refused naming the field and nothing changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy.orm import Session

from careloop.audit.service import audit
from careloop.core.clock import Clock
from careloop.core.errors import FieldError, ValidationFailed
from careloop.feedback import rules
from careloop.shops.models import Shop

# The keys this module owns inside settings.feedback (thresholds and rewards live there too).
REVIEW_KEYS: Final = (
    "review_requests",
    "review_urls",
    "product_review_url",
    "product_review_urls",
    "update_quiet_days",
    "review_after_days",
)


def current(shop: Shop) -> dict[str, Any]:
    """The review keys the shop set (defaults are not written out)."""
    raw = (shop.settings or {}).get("feedback")
    feedback: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return {k: feedback[k] for k in REVIEW_KEYS if k in feedback}


def check(changes: Mapping[str, Any], base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """settings.feedback after `changes` (None or "" removes a key back to its default), or
    ValidationFailed naming each wrong field (`feedback.review_requests`, ...)."""
    unknown = [k for k in changes if k not in REVIEW_KEYS]
    if unknown:
        known = ", ".join(REVIEW_KEYS)
        raise ValidationFailed(
            [FieldError(f"feedback.{k}", f"not a review setting (one of {known})") for k in unknown]
        )
    merged = dict(base or {})
    for key, value in changes.items():
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    problems = rules.check_review_settings(merged)
    if problems:
        raise ValidationFailed([FieldError(name, f"must be {why}") for name, why in problems])
    return merged


def set_review_settings(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    changes: Mapping[str, Any],
    actor: str,
    origin: str = "",
) -> rules.ReviewSettings:
    """Apply `changes` to the shop's review settings in the caller's transaction (audited
    with the values before and after); the settings now in force."""
    raw = (shop.settings or {}).get("feedback")
    before: dict[str, Any] = dict(raw) if isinstance(raw, dict) else {}
    after = check(changes, before)
    changed = {
        k: [before.get(k), after.get(k)] for k in REVIEW_KEYS if before.get(k) != after.get(k)
    }
    if changed:
        # A new dict, so the JSON column sees the change.
        shop.settings = {**(shop.settings or {}), "feedback": after}
        audit(
            session=session,
            clock=clock,
            shop_id=shop.id,
            actor=actor,
            action="feedback.review_settings_changed",
            target=f"shop:{shop.slug}",
            detail=changed,
            origin=origin,
        )
        session.flush()
    return rules.ReviewSettings.of(shop.settings or {})
