"""KPI definitions (DESIGN.md, "Metric definitions"), targets from the seeds, and the pure
arithmetic behind them: no database here.

The seeds' targets are defaults: a shop overrides any of them in its settings JSON under
`kpi_targets` ({"nps": 60, "repeat_purchase_rate": 0.4}); `targets_for(shop.settings)` is
what every page, report and API shows, and `with_targets` re-judges computed KPIs by it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Final, Literal

from careloop.core.errors import FieldError, ValidationFailed

Direction = Literal["at_least", "at_most"]


@dataclass(frozen=True)
class Target:
    value: float
    direction: Direction
    source: str

    def met_by(self, value: float) -> bool:
        return value >= self.value if self.direction == "at_least" else value <= self.value


@dataclass(frozen=True)
class KpiDef:
    key: str
    label: str
    unit: (
        str  # "fraction" (0-1), "score" (NPS -100..100 or 1-5 stars), "hours", "per_year", "money"
    )
    definition: str
    target: Target | None
    # Which way is better, for a shop's own target on a KPI the seeds give none for.
    better: Direction = "at_least"


_SEED_003 = "seeds/003 (Step 7: key after-sales metrics)"
# The KPI keys of `kpi --json` and GET /api/v1/kpis, in DESIGN order.
KPIS: Final[dict[str, KpiDef]] = {
    k.key: k
    for k in (
        KpiDef(
            "nps",
            "NPS",
            "score",
            "% promoters (9-10) minus % detractors (0-6) over responses in the period",
            Target(50, "at_least", _SEED_003),
        ),
        KpiDef("csat", "CSAT", "fraction", "% of 1-5 ratings that are 4 or 5", None),
        KpiDef(
            "repeat_purchase_rate",
            "Repeat purchase rate",
            "fraction",
            "customers with 2+ orders / customers with 1+ order (orders in the period)",
            Target(0.35, "at_least", _SEED_003),
        ),
        KpiDef(
            "purchase_frequency",
            "Purchase frequency",
            "per_year",
            "orders per active customer per year",
            None,
        ),
        KpiDef(
            "churn_rate",
            "Churn rate",
            "fraction",
            "customers active in the previous window with no order in this window / "
            "customers active in the previous window (window ends at the period end)",
            Target(0.30, "at_most", "seeds/003 impact table: good after-sales 20-30%"),
        ),
        KpiDef(
            "clv_historical_mean",
            "Historical CLV (mean)",
            "money",
            "sum of order value per customer with an order, up to the period end",
            None,
        ),
        KpiDef(
            "frt_median_hours",
            "First response time (median)",
            "hours",
            "ticket created -> first staff reply, median, wall-clock",
            Target(24, "at_most", "seeds/003: respond within 24 hours"),
        ),
        KpiDef(
            "ttr_median_hours",
            "Time to resolution (median)",
            "hours",
            "ticket created -> resolved, median, wall-clock",
            None,
            "at_most",
        ),
        KpiDef(
            "fcr_rate",
            "First-contact resolution",
            "fraction",
            "resolved tickets with one staff reply and never reopened / resolved tickets",
            Target(0.90, "at_least", _SEED_003),
        ),
        KpiDef(
            "referral_rate",
            "Referral rate",
            "fraction",
            "customers with 1+ converted referral / customers with an order",
            Target(0.15, "at_least", "seeds/003 impact table: good after-sales 15-25%"),
        ),
        KpiDef(
            "review_score",
            "Review score",
            "score",
            "mean rating (1-5) of reviews in the period",
            Target(4.7, "at_least", _SEED_003),
        ),
        KpiDef(
            "review_positive_pct",
            "Positive reviews",
            "fraction",
            "share of 4-5 star reviews",
            Target(0.90, "at_least", _SEED_003),
        ),
        KpiDef(
            "review_negative_pct",
            "Negative reviews",
            "fraction",
            "share of 1-2 star reviews",
            Target(0.02, "at_most", _SEED_003),
        ),
    )
}

# After-sales budget as a share of revenue by business model (seeds/000, FAQ).
SPEND_BANDS: Final[dict[str, tuple[float, float]]] = {
    "retail": (0.02, 0.05),
    "services": (0.05, 0.08),
    "saas": (0.08, 0.12),
}


@dataclass(frozen=True)
class KpiValue:
    key: str
    label: str
    value: float | None
    unit: str
    sample: int
    target: float | None
    target_direction: str | None
    meets_target: bool | None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def kpi_value(
    key: str,
    value: float | None,
    sample: int,
    reason: str | None = None,
    *,
    targets: Mapping[str, Target | None] | None = None,
) -> KpiValue:
    """A KPI figure with its target (the seeds' default unless `targets`, a shop's from
    `targets_for`, says otherwise); a missing value always carries the reason."""
    d = KPIS[key]
    if value is None and reason is None:
        reason = "no data in the period"
    t = targets[key] if targets is not None and key in targets else d.target
    return KpiValue(
        key=key,
        label=d.label,
        value=None if value is None else round(value, 4),
        unit=d.unit,
        sample=sample,
        target=t.value if t else None,
        target_direction=t.direction if t else None,
        meets_target=None if (t is None or value is None) else t.met_by(value),
        reason=reason if value is None else None,
    )


TARGETS_SETTING: Final = "kpi_targets"
# What a target may be, by the KPI's unit (NPS is a score from -100 to 100).
_TARGET_RANGES: Final[dict[str, tuple[float, float]]] = {
    "fraction": (0.0, 1.0),
    "hours": (0.0, 24.0 * 365),
    "per_year": (0.0, 10_000.0),
    "money": (0.0, 1e15),
}
_SCORE_RANGES: Final[dict[str, tuple[float, float]]] = {"nps": (-100.0, 100.0)}


def default_targets() -> dict[str, Target | None]:
    """The seeds' targets for every KPI (None where the seeds set none)."""
    return {key: d.target for key, d in KPIS.items()}


def targets_for(settings: Mapping[str, Any] | None) -> dict[str, Target | None]:
    """A shop's targets: the seeds' defaults, overridden by `settings["kpi_targets"]`.
    Unknown keys or values that are not numbers (a hand-edited JSON) are ignored."""
    out = default_targets()
    stored = (settings or {}).get(TARGETS_SETTING)
    if not isinstance(stored, Mapping):
        return out
    for key, value in stored.items():
        if key in KPIS and isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = _shop_target(key, float(value))
    return out


def _shop_target(key: str, value: float) -> Target:
    d = KPIS[key]
    direction = d.target.direction if d.target else d.better
    return Target(value, direction, "set by the shop")


def target_range(key: str) -> tuple[float, float]:
    """The values a target for `key` may take."""
    unit = KPIS[key].unit
    if unit == "score":
        return _SCORE_RANGES.get(key, (1.0, 5.0))
    return _TARGET_RANGES[unit]


def parse_target_changes(pairs: Sequence[str]) -> dict[str, float | None]:
    """`key=value` pairs (`nps=60`, `repeat_purchase_rate=0.4` or `=40%`, `nps=default`) as
    {key: value, or None to go back to the seeds' default}; every bad pair is named."""
    errors: list[FieldError] = []
    out: dict[str, float | None] = {}
    for pair in pairs:
        key, sep, raw = (part.strip() for part in pair.partition("="))
        if not sep or key not in KPIS:
            errors.append(FieldError(key or pair, f"not KEY=VALUE with KEY one of {_keys()}"))
            continue
        if raw.lower() == "default":
            out[key] = None
            continue
        try:
            value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
        except ValueError:
            errors.append(FieldError(key, f"not a number: {raw!r}"))
            continue
        low, high = target_range(key)
        if not (math.isfinite(value) and low <= value <= high):
            errors.append(FieldError(key, f"must be between {low:g} and {high:g}, got {raw}"))
            continue
        out[key] = value
    if errors:
        raise ValidationFailed(errors)
    return out


def apply_target_changes(
    settings: Mapping[str, Any] | None, changes: Mapping[str, float | None]
) -> dict[str, Any]:
    """A copy of a shop's settings with `changes` made to its stored target overrides
    (None removes an override; a value equal to the seeds' default is not stored)."""
    new = dict(settings or {})
    stored = new.get(TARGETS_SETTING)
    overrides = dict(stored) if isinstance(stored, Mapping) else {}
    for key, value in changes.items():
        default = KPIS[key].target
        if value is None or (default is not None and value == default.value):
            overrides.pop(key, None)
        else:
            overrides[key] = value
    new[TARGETS_SETTING] = overrides
    return new


def with_targets(
    kpis: Mapping[str, KpiValue], targets: Mapping[str, Target | None]
) -> dict[str, KpiValue]:
    """The same KPI figures judged against `targets` (a shop's, from `targets_for`)."""
    out: dict[str, KpiValue] = {}
    for key, v in kpis.items():
        t = targets.get(key, KPIS[key].target if key in KPIS else None)
        out[key] = replace(
            v,
            target=t.value if t else None,
            target_direction=t.direction if t else None,
            meets_target=None if (t is None or v.value is None) else t.met_by(v.value),
        )
    return out


def _keys() -> str:
    return ", ".join(KPIS)


def nps(scores: Sequence[int]) -> float | None:
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return 100.0 * (promoters - detractors) / len(scores)


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def csat(ratings: Sequence[int]) -> float | None:
    return share(sum(1 for r in ratings if r >= 4), len(ratings))


def quantile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated quantile (the same as numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass(frozen=True)
class Uplift:
    """Difference enrolled minus holdout, with a 95% confidence interval."""

    enrolled_n: int
    holdout_n: int
    enrolled_rate: float | None
    holdout_rate: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Z95 = 1.959963984540054
MIN_GROUP = 30
MIN_CONVERSIONS = 5


def conversion_uplift(enrolled: int, enrolled_conv: int, holdout: int, holdout_conv: int) -> Uplift:
    """Difference of conversion rates with a Newcombe (Wilson score) 95% interval; too small
    groups get the plain rates and a note instead of a misleading interval."""
    p1 = share(enrolled_conv, enrolled)
    p0 = share(holdout_conv, holdout)
    if (
        holdout < MIN_GROUP
        or enrolled < MIN_GROUP
        or (enrolled_conv + holdout_conv) < MIN_CONVERSIONS
    ):
        return Uplift(
            enrolled,
            holdout,
            p1,
            p0,
            None,
            None,
            None,
            f"too few customers to measure uplift (enrolled {enrolled}, holdout "
            f"{holdout}, conversions {enrolled_conv + holdout_conv}; needs "
            f"{MIN_GROUP} per group and {MIN_CONVERSIONS} conversions)",
        )
    assert p1 is not None and p0 is not None
    l1, u1 = wilson(enrolled_conv, enrolled)
    l0, u0 = wilson(holdout_conv, holdout)
    d = p1 - p0
    low = d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return Uplift(enrolled, holdout, p1, p0, d, low, high)


def wilson(successes: int, n: int) -> tuple[float, float]:
    p = successes / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return centre - half, centre + half


def mean_difference_ci(a: Sequence[float], b: Sequence[float]) -> tuple[float, float, float] | None:
    """Difference of means a - b with a Welch 95% interval (normal approximation)."""
    if len(a) < 2 or len(b) < 2:
        return None
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    va = sum((x - ma) ** 2 for x in a) / (len(a) - 1)
    vb = sum((x - mb) ** 2 for x in b) / (len(b) - 1)
    se = math.sqrt(va / len(a) + vb / len(b))
    d = ma - mb
    return d, d - Z95 * se, d + Z95 * se
