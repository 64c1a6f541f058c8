"""What the segments page says about CLV: the model's figures when it could be trusted,
otherwise, in plain words, why not, and the simpler historical figure.

Reads the figures stored by the last recompute (cheap for any shop size); only when no
prediction was stored does it re-fit to explain why, which is quick precisely because such
shops are small (or the nightly run's own verdict is reused when it is current)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.segments.clv_service import fit_shop
from careloop.segments.models import CustomerSegment, SegmentRun
from careloop.shops.models import Shop


@dataclass
class ClvOverview:
    customers: int
    historical_mean_minor: float | None
    model_used: bool
    predicted_mean_minor: float | None = None
    p_alive_mean: float | None = None
    computed_at: datetime | None = None
    notes: list[str] = field(default_factory=list)


def clv_overview(*, session: Session, shop: Shop) -> ClvOverview:
    """The shop's CLV as of its last segment recompute."""
    customers, historical, predicted_n, predicted, alive, computed_at = session.execute(
        select(
            func.count(),
            func.avg(CustomerSegment.monetary_minor),
            func.count(CustomerSegment.predicted_clv_minor),
            func.avg(CustomerSegment.predicted_clv_minor),
            func.avg(CustomerSegment.p_alive),
            func.max(CustomerSegment.computed_at),
        ).where(CustomerSegment.shop_id == shop.id)
    ).one()
    view = ClvOverview(
        customers=int(customers),
        historical_mean_minor=None if historical is None else float(historical),
        model_used=int(predicted_n) > 0,
        computed_at=_as_datetime(computed_at),
    )
    if not customers:
        return view
    if view.model_used:
        view.predicted_mean_minor = float(predicted)
        view.p_alive_mean = None if alive is None else float(alive)
        return view
    view.notes = _why_no_model(session, shop, view.computed_at)
    return view


def _why_no_model(session: Session, shop: Shop, computed_at: datetime | None) -> list[str]:
    run = session.scalars(
        select(SegmentRun)
        .where(SegmentRun.shop_id == shop.id)
        .order_by(SegmentRun.started_at.desc())
        .limit(1)
    ).first()
    if run is not None and computed_at is not None and _as_datetime(run.started_at) == computed_at:
        notes = run.clv.get("notes") if isinstance(run.clv, dict) else None
        if notes:
            return [str(n) for n in notes]
    if computed_at is None:
        return []
    fit, _ = fit_shop(session=session, shop=shop, as_of=computed_at)
    return list(fit.notes)


def _as_datetime(value: object) -> datetime | None:
    # func.max() bypasses the column type on SQLite and may hand back text or a naive value.
    from datetime import UTC

    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
