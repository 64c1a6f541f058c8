"""A shop's KPI targets: the seeds' defaults, and the overrides the owner sets.

Stored in the shop's settings JSON under `kpi_targets` (see definitions.py, which reads
them); every change is audited with the values before and after."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from careloop.audit.service import audit
from careloop.core.clock import Clock
from careloop.metrics.definitions import Target, apply_target_changes, targets_for
from careloop.shops.models import Shop


def shop_targets(shop: Shop) -> dict[str, Target | None]:
    """Every KPI's target for this shop (None where neither the seeds nor the shop set one)."""
    return targets_for(shop.settings)


def set_shop_targets(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    changes: Mapping[str, float | None],
    actor: str,
    origin: str = "",
) -> dict[str, Target | None]:
    """Override targets (None: back to the seeds' default) in the caller's transaction."""
    before = targets_for(shop.settings)
    shop.settings = apply_target_changes(shop.settings, changes)
    after = targets_for(shop.settings)
    audit(
        session=session,
        clock=clock,
        shop_id=shop.id,
        actor=actor,
        action="kpi.targets.set",
        target="kpi_targets",
        detail={
            key: {"from": _value(before[key]), "to": _value(after[key])}
            for key in changes
            if _value(before[key]) != _value(after[key])
        },
        origin=origin,
    )
    session.flush()
    return after


def _value(target: Target | None) -> float | None:
    return None if target is None else target.value
