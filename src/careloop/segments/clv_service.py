"""CLV for a shop: read its sales, fit BG/NBD + Gamma-Gamma, predict per customer.

Where the data is too thin for a model (too few customers or repeat buyers) the fit says so
in plain words and the figures fall back to simple historical ones instead of a confident
wrong prediction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.segments import bgnbd, gammagamma
from careloop.segments.models import CustomerSegment
from careloop.segments.sales import load_sales, local_periods
from careloop.segments.store import CLV_COLUMNS, NO_FIGURES, ClvFigures, update_rows
from careloop.segments.summary import Summary, in_units, summarize
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
    """Per-customer (x, t_x, T, m) of the shop's sales placed up to `as_of`, as the BG/NBD
    paper defines them: purchase occasions are local calendar days, the as-of day is
    inclusive, and t_x, T are elapsed days divided by the unit's length (7 for weeks)."""
    tz = ZoneInfo(shop.timezone)
    sales = load_sales(session=session, shop_id=shop.id, as_of=as_of)
    days = local_periods(sales.epoch, tz, "day")
    values = sales.total_minor.astype(np.float64)
    summary = summarize(sales.customer, days, values, period_of(as_of, tz, "day"))
    return in_units(summary, DAYS_PER_UNIT[unit])


def too_little_data_note(customers: int, repeat_buyers: int) -> str:
    """The plain-words verdict for a shop too small for the model."""
    return (
        f"Too little data for a CLV model: {customers} customers, {repeat_buyers} repeat "
        f"buyers (needs at least {MIN_CUSTOMERS} customers and {MIN_REPEAT_BUYERS} repeat "
        "buyers), so its predictions would not be trustworthy. Showing historical CLV "
        "(what customers have spent so far) instead."
    )


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
        fit.notes.append(too_little_data_note(n, repeaters))
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
    gg = fit.gamma_gamma
    if gg is not None and gg.converged and gg.q > 1:
        spend = gammagamma.expected_spend(gg, x, summary.m, fit.mean_order_value_minor)
    else:
        spend = np.full_like(x, fit.mean_order_value_minor)
    monthly = (1 + annual_discount) ** (1 / 12) - 1
    months = max(1, round(horizon_days / DAYS_PER_MONTH))
    ends = [min(month * DAYS_PER_MONTH, horizon_days) / per_unit for month in range(1, months + 1)]
    purchases, *cumulative = bgnbd.expected_purchases_many(
        fit.bgnbd, [horizon_days / per_unit, *ends], x, t_x, T
    )
    clv = np.zeros_like(x)
    previous = np.zeros_like(x)
    # Purchases expected in each month, valued and discounted to today (as lifetimes does).
    for month, expected in enumerate(cumulative, start=1):
        clv += (expected - previous) * spend / (1 + monthly) ** month
        previous = expected
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


def clv_figures(
    *, session: Session, shop: Shop, as_of: datetime
) -> tuple[dict[str, Any], dict[int, ClvFigures]]:
    """Fit the shop's models: the fit as a dict, and per customer id (P(alive), expected
    purchases, predicted CLV); empty where the data is too thin for predictions."""
    settings = shop.settings.get("clv", {}) if isinstance(shop.settings, dict) else {}
    horizon = int(settings.get("horizon_days", DEFAULT_HORIZON_DAYS))
    discount = float(settings.get("annual_discount_rate", DEFAULT_ANNUAL_DISCOUNT))
    fit, summary = fit_shop(session=session, shop=shop, as_of=as_of)
    pred = predict(fit, summary, horizon_days=horizon, annual_discount=discount)
    figures: dict[int, ClvFigures] = {}
    if pred is not None:
        figures = {
            customer: (alive, purchases, round(clv))
            for customer, alive, purchases, clv in zip(
                summary.customer.tolist(),
                pred.p_alive.tolist(),
                pred.expected_purchases.tolist(),
                pred.predicted_clv.tolist(),
                strict=True,
            )
        }
    out = fit.as_dict()
    out["horizon_days"] = horizon
    out["annual_discount_rate"] = discount
    return out, figures


def refresh_clv(*, session: Session, shop: Shop, as_of: datetime) -> dict[str, Any]:
    """Fit the shop's models and store each customer's P(alive), expected purchases and
    predicted CLV on their segment row (NULL where the data is too thin); only rows whose
    figures changed are written."""
    out, figures = clv_figures(session=session, shop=shop, as_of=as_of)
    t = CustomerSegment.__table__
    stored = session.execute(
        select(
            t.c.id, t.c.customer_id, t.c.p_alive, t.c.expected_purchases, t.c.predicted_clv_minor
        ).where(t.c.shop_id == shop.id)
    ).all()
    changed = []
    for row_id, customer_id, *before in stored:
        after = figures.get(customer_id, NO_FIGURES)
        if tuple(before) != after:
            changed.append({"row_id": row_id, **dict(zip(CLV_COLUMNS, after, strict=True))})
    update_rows(session, changed)
    return out
