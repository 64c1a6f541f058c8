"""How far to trust the CLV model on a shop's own data: fit on a calibration period, then
compare predicted with actual repeat purchases in the period after it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from careloop.segments import bgnbd
from careloop.segments.clv_service import DAYS_PER_UNIT, ClvFit, fit_shop, load_summary
from careloop.shops.models import Shop

# Calibration purchases grouped as 0, 1, ..., 6 and "7+" repeat purchases.
TOP_GROUP = 7
MIN_HOLDOUT_CUSTOMERS = 10


@dataclass
class BacktestRow:
    repeat_purchases: str
    customers: int
    predicted: float
    actual: int


@dataclass
class Backtest:
    fit: ClvFit
    holdout_periods: int
    customers: int
    predicted_total: float
    actual_total: int
    rows: list[BacktestRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fit": self.fit.as_dict(),
            "holdout_periods": self.holdout_periods,
            "unit": self.fit.unit,
            "customers": self.customers,
            "predicted_total": round(self.predicted_total, 2),
            "actual_total": self.actual_total,
            "by_calibration_repeat_purchases": [r.__dict__ for r in self.rows],
            "notes": self.notes,
        }


def run_backtest(
    *, session: Session, shop: Shop, calibration_end: datetime, end: datetime, unit: str = "day"
) -> Backtest:
    fit, cal = fit_shop(session=session, shop=shop, as_of=calibration_end, unit=unit)
    full = load_summary(session=session, shop=shop, as_of=end, unit=unit)
    tz = ZoneInfo(shop.timezone)
    per_unit = DAYS_PER_UNIT[unit]
    days = (end.astimezone(tz).date() - calibration_end.astimezone(tz).date()).days
    horizon = days / per_unit
    # Actual repeat purchases in the holdout = all repeat periods minus calibration ones.
    position = np.searchsorted(full.customer, cal.customer)
    actual = (full.x[position] - cal.x).astype(np.int64)
    result = Backtest(fit, int(horizon), cal.n, 0.0, int(actual.sum()))
    if days <= 0:
        result.notes.append("The calibration end is not in the past: there is nothing to test.")
        return result
    if cal.n < MIN_HOLDOUT_CUSTOMERS:
        result.notes.append(
            f"Only {cal.n} customers bought before the calibration end; too few to judge the model."
        )
    if not fit.usable or fit.bgnbd is None:
        result.notes.extend(fit.notes)
        result.notes.append(
            "No model prediction to test; the simple figure: these customers made "
            f"{int(actual.sum())} repeat purchases in the {int(horizon)} {unit}s after "
            "the calibration end."
        )
        return result
    predicted = bgnbd.expected_purchases(fit.bgnbd, horizon, cal.x, cal.t_x, cal.T)
    result.predicted_total = float(predicted.sum())
    groups = np.minimum(cal.x, TOP_GROUP).astype(np.int64)
    for g in range(TOP_GROUP + 1):
        mask = groups == g
        if not mask.any():
            continue
        label = f"{g}+" if g == TOP_GROUP else str(g)
        result.rows.append(
            BacktestRow(
                label,
                int(mask.sum()),
                round(float(predicted[mask].sum()), 2),
                int(actual[mask].sum()),
            )
        )
    return result
