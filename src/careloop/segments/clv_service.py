"""CLV for a shop: read its sales, fit BG/NBD + Gamma-Gamma, predict per customer.

Where the data is too thin for a model (too few customers or repeat buyers) the fit says so
in plain words and the figures fall back to simple historical ones instead of a confident
wrong prediction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.orders.models import Order
from careloop.segments import bgnbd, gammagamma
from careloop.segments.models import CustomerSegment
from careloop.segments.summary import Summary, summarize
from careloop.shops.models import Shop

Unit = Literal["day", "week"]
Floats = npt.NDArray[np.float64]

NOT_SALES = ("cancelled", "returned")
# Below these the model's estimates are noise: say so and show the simple figures.
MIN_CUSTOMERS = 12
MIN_REPEAT_BUYERS = 10
DAYS_PER_UNIT: dict[str, int] = {"day": 1, "week": 7}
DEFAULT_HORIZON_DAYS = 365
DEFAULT_ANNUAL_DISCOUNT = 0.10
DAYS_PER_MONTH = 30


@dataclass
class ClvFit:
    as_of: date
    unit: str
    customers: int
    repeat_buyers: int
    bgnbd: bgnbd.BgNbdParams | None
    gamma_gamma: gammagamma.GammaGammaParams | None
    mean_order_value_minor: float
    historical_clv_mean_minor: float
    notes: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.bgnbd is not None and self.bgnbd.converged

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "as_of": self.as_of.isoformat(),
            "unit": self.unit,
            "customers": self.customers,
            "repeat_buyers": self.repeat_buyers,
            "mean_order_value_minor": round(self.mean_order_value_minor, 2),
            "historical_clv_mean_minor": round(self.historical_clv_mean_minor, 2),
            "bgnbd": asdict(self.bgnbd) if self.bgnbd else None,
            "gamma_gamma": asdict(self.gamma_gamma) if self.gamma_gamma else None,
            "notes": list(self.notes),
        }
        return out


def period_of(moment: datetime, tz: ZoneInfo, unit: str) -> int:
    """The day (or Monday-based week) number of a moment in the shop's local calendar."""
    ordinal = moment.astimezone(tz).date().toordinal()
    return ordinal if unit == "day" else (ordinal - 1) // 7


def load_summary(*, session: Session, shop: Shop, as_of: datetime, unit: str = "day") -> Summary:
    """Per-customer summary of the shop's sales placed up to `as_of`."""
    tz = ZoneInfo(shop.timezone)
    rows = session.execute(
        select(Order.customer_id, Order.placed_at, Order.total_minor).where(
            Order.shop_id == shop.id,
            Order.placed_at <= as_of,
            Order.status.not_in(NOT_SALES),
        )
    ).all()
    customers = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    periods = np.fromiter(
        (period_of(_aware(r[1]), tz, unit) for r in rows), dtype=np.int64, count=len(rows)
    )
    values = np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows))
    return summarize(customers, periods, values, period_of(as_of, tz, unit))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def fit_summary(summary: Summary, *, as_of: date, unit: str) -> ClvFit:
    """Fit both models on a summary, or explain why the data is too thin for them."""
    n, repeaters = summary.n, summary.repeaters
    orders = float(summary.x.sum() + n)
    fit = ClvFit(
        as_of=as_of,
        unit=unit,
        customers=n,
        repeat_buyers=repeaters,
        bgnbd=None,
        gamma_gamma=None,
        mean_order_value_minor=float(summary.total.sum() / orders) if n else 0.0,
        historical_clv_mean_minor=float(summary.total.mean()) if n else 0.0,
    )
    if n < MIN_CUSTOMERS or repeaters < MIN_REPEAT_BUYERS:
        fit.notes.append(
            f"Too little data for a CLV model: {n} customers, {repeaters} repeat buyers "
            f"(needs at least {MIN_CUSTOMERS} customers and {MIN_REPEAT_BUYERS} repeat "
            "buyers). Showing historical CLV (what customers have spent so far) instead."
        )
        return fit
    fit.bgnbd = bgnbd.fit(summary.x, summary.t_x, summary.T)
    if not fit.bgnbd.converged:
        fit.notes.append(
            "The purchase model did not settle on stable estimates for this data; predictions "
            "are not shown. Showing historical CLV instead."
        )
    fit.gamma_gamma = gammagamma.fit(summary.x, summary.m)
    if not fit.gamma_gamma.converged or fit.gamma_gamma.q <= 1:
        fit.notes.append(
            "The spend model is unstable on this data (q <= 1 or no convergence); "
            "predicted CLV uses the average order value instead."
        )
    return fit


@dataclass(frozen=True)
class Predictions:
    p_alive: Floats
    expected_purchases: Floats
    expected_spend: Floats
    predicted_clv: Floats


def predict(
    fit: ClvFit,
    summary: Summary,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    annual_discount: float = DEFAULT_ANNUAL_DISCOUNT,
) -> Predictions | None:
    """Per customer: P(alive), expected purchases over the horizon, expected spend per
    purchase, and CLV over the horizon discounted monthly at `annual_discount`."""
    if not fit.usable or fit.bgnbd is None:
        return None
    per_unit = DAYS_PER_UNIT[fit.unit]
    x, t_x, T = summary.x, summary.t_x, summary.T
    alive = bgnbd.p_alive(fit.bgnbd, x, t_x, T)
    purchases = bgnbd.expected_purchases(fit.bgnbd, horizon_days / per_unit, x, t_x, T)
    gg = fit.gamma_gamma
    if gg is not None and gg.converged and gg.q > 1:
        spend = gammagamma.expected_spend(gg, x, summary.m, fit.mean_order_value_minor)
    else:
        spend = np.full_like(x, fit.mean_order_value_minor)
    monthly = (1 + annual_discount) ** (1 / 12) - 1
    clv = np.zeros_like(x)
    previous = np.zeros_like(x)
    months = max(1, round(horizon_days / DAYS_PER_MONTH))
    # Purchases expected in each month, valued and discounted to today (as lifetimes does).
    for month in range(1, months + 1):
        t = min(month * DAYS_PER_MONTH, horizon_days) / per_unit
        cumulative = bgnbd.expected_purchases(fit.bgnbd, t, x, t_x, T)
        clv += (cumulative - previous) * spend / (1 + monthly) ** month
        previous = cumulative
    return Predictions(alive, purchases, spend, clv)


def fit_shop(
    *, session: Session, shop: Shop, as_of: datetime, unit: str = "day"
) -> tuple[ClvFit, Summary]:
    if unit not in DAYS_PER_UNIT:
        from careloop.core.errors import FieldError, ValidationFailed

        raise ValidationFailed([FieldError("unit", "one of day, week")])
    summary = load_summary(session=session, shop=shop, as_of=as_of, unit=unit)
    local = as_of.astimezone(ZoneInfo(shop.timezone)).date()
    return fit_summary(summary, as_of=local, unit=unit), summary


def refresh_clv(*, session: Session, shop: Shop, as_of: datetime) -> dict[str, Any]:
    """Fit the shop's models and store each customer's P(alive), expected purchases and
    predicted CLV on their segment row (NULL where the data is too thin)."""
    settings = shop.settings.get("clv", {}) if isinstance(shop.settings, dict) else {}
    horizon = int(settings.get("horizon_days", DEFAULT_HORIZON_DAYS))
    discount = float(settings.get("annual_discount_rate", DEFAULT_ANNUAL_DISCOUNT))
    fit, summary = fit_shop(session=session, shop=shop, as_of=as_of)
    pred = predict(fit, summary, horizon_days=horizon, annual_discount=discount)
    rows = session.scalars(select(CustomerSegment).where(CustomerSegment.shop_id == shop.id))
    index = {int(c): i for i, c in enumerate(summary.customer.tolist())}
    for row in rows:
        i = index.get(row.customer_id)
        if pred is None or i is None:
            row.p_alive = row.expected_purchases = row.predicted_clv_minor = None
            continue
        row.p_alive = float(pred.p_alive[i])
        row.expected_purchases = float(pred.expected_purchases[i])
        row.predicted_clv_minor = round(float(pred.predicted_clv[i]))
    session.flush()
    out = fit.as_dict()
    out["horizon_days"] = horizon
    out["annual_discount_rate"] = discount
    return out
