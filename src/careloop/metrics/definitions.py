"""KPI definitions (DESIGN.md, "Metric definitions"), targets from the seeds, and the pure
arithmetic behind them: no database here. Every KPI is defined once, in `KPIS`: its
`definition` is the formula shown next to the figure (CLI, API, review) and in
docs/metrics.md. All of them are computed over exactly the requested period [from, to).

How sure a figure is: every rate or score carries its sample size and a 95% interval
(Wilson score interval for proportions; for NPS the normal interval with the standard
variance of the promoter-minus-detractor difference; for a mean rating the normal interval
of the mean), and is flagged "too few answers" when its sample is under the shop's minimum
(`kpi_min_sample` in the shop settings, default 30): shown greyed, never judged against
its target.

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
    # A rate or score from a sample of answers/customers: interval and minimum sample apply.
    sampled: bool = True


_SEED_003 = "seeds/003 (Step 7: key after-sales metrics)"
# The KPI keys of `kpi --json` and GET /api/v1/kpis, in DESIGN order.
KPIS: Final[dict[str, KpiDef]] = {
    k.key: k
    for k in (
        KpiDef(
            "nps",
            "NPS",
            "score",
            "100 x (promoters (9-10) - detractors (0-6)) / NPS answers in the period",
            Target(50, "at_least", _SEED_003),
        ),
        KpiDef(
            "csat",
            "CSAT",
            "fraction",
            "CSAT answers in the period rated 4 or 5 (of 1-5) / CSAT answers in the period",
            None,
        ),
        KpiDef(
            "repeat_purchase_rate",
            "Repeat purchase rate",
            "fraction",
            "customers with 2+ orders in the period / customers with 1+ order in the period",
            Target(0.35, "at_least", _SEED_003),
        ),
        KpiDef(
            "purchase_frequency",
            "Purchase frequency",
            "per_buyer",
            "orders in the period / customers who ordered in the period (for the period "
            "asked, never extrapolated to a year)",
            None,
            sampled=False,
        ),
        KpiDef(
            "churn_rate",
            "Churn rate",
            "fraction",
            "customers with an order in the previous window (as long as the period, just "
            "before it) and none in the period / customers with an order in the previous "
            "window",
            Target(0.30, "at_most", "seeds/003 impact table: good after-sales 20-30%"),
        ),
        KpiDef(
            "clv_historical_mean",
            "Historical CLV (mean)",
            "money",
            "sum of the order value, from their first order to the period end, of the "
            "customers who ordered in the period / those customers",
            None,
            sampled=False,
        ),
        KpiDef(
            "frt_median_hours",
            "First response time (median)",
            "hours",
            "median over tickets opened in the period of (first staff reply - created), "
            "wall-clock hours",
            Target(24, "at_most", "seeds/003: respond within 24 hours"),
            sampled=False,
        ),
        KpiDef(
            "ttr_median_hours",
            "Time to resolution (median)",
            "hours",
            "median over tickets resolved in the period of (resolved - created), wall-clock hours",
            None,
            "at_most",
            sampled=False,
        ),
        KpiDef(
            "fcr_rate",
            "First-contact resolution",
            "fraction",
            "tickets resolved in the period with at most one staff reply and never "
            "reopened / tickets resolved in the period",
            Target(0.90, "at_least", _SEED_003),
        ),
        KpiDef(
            "referral_rate",
            "Referral rate",
            "fraction",
            "customers who ordered in the period with 1+ referral converted in the period "
            "/ customers who ordered in the period",
            Target(0.15, "at_least", "seeds/003 impact table: good after-sales 15-25%"),
        ),
        KpiDef(
            "referral_conversion",
            "Referral conversion",
            "fraction",
            "referrals recorded in the period (a friend ordered with a code) that converted "
            "by the period end / referrals recorded in the period",
            None,
        ),
        KpiDef(
            "review_score",
            "Review score",
            "score",
            "sum of ratings (1-5) of reviews posted in the period / number of those reviews",
            Target(4.7, "at_least", _SEED_003),
        ),
        KpiDef(
            "review_positive_pct",
            "Positive reviews",
            "fraction",
            "reviews in the period rated 4-5 stars / reviews in the period",
            Target(0.90, "at_least", _SEED_003),
        ),
        KpiDef(
            "review_negative_pct",
            "Negative reviews",
            "fraction",
            "reviews in the period rated 1-2 stars / reviews in the period",
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


MIN_SAMPLE_SETTING: Final = "kpi_min_sample"
DEFAULT_MIN_SAMPLE: Final = 30
TOO_FEW = "too few answers"


def min_sample_for(settings: Mapping[str, Any] | None) -> int:
    """The shop's minimum sample for a rate or score to be judged (default 30)."""
    raw = (settings or {}).get(MIN_SAMPLE_SETTING)
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1:
        return raw
    return DEFAULT_MIN_SAMPLE


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
    # Added fields (the older keys above keep their meaning):
    formula: str = ""
    ci_low: float | None = None  # 95% interval, same unit as value
    ci_high: float | None = None
    min_sample: int | None = None  # the shop's minimum, for sampled rates and scores
    too_few_answers: bool = False  # sample under the minimum: shown greyed, not judged
    # met | missed | too_few | no_data | no_target
    status: str = "no_target"
    # "at or above target", "below target", "at or below the limit", "above the limit", ...
    status_label: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def judge(
    value: float | None,
    target: Target | None,
    *,
    too_few: bool,
    reason: str | None = None,
    sample: int = 0,
    min_sample: int | None = None,
) -> tuple[bool | None, str, str]:
    """(meets_target, status, status_label), worded by the target's direction: an at-most
    target (churn <= 30%) is met "at or below the limit" and missed "above the limit"."""
    if value is None:
        return None, "no_data", reason or "no data in the period"
    if too_few:
        return None, "too_few", f"{TOO_FEW} ({sample} of at least {min_sample})"
    if target is None:
        return None, "no_target", ""
    met = target.met_by(value)
    if target.direction == "at_least":
        return met, ("met" if met else "missed"), ("at or above target" if met else "below target")
    return (
        met,
        ("met" if met else "missed"),
        ("at or below the limit" if met else "above the limit"),
    )


def kpi_value(
    key: str,
    value: float | None,
    sample: int,
    reason: str | None = None,
    *,
    targets: Mapping[str, Target | None] | None = None,
    interval: tuple[float, float] | None = None,
    min_sample: int = DEFAULT_MIN_SAMPLE,
) -> KpiValue:
    """A KPI figure with its formula, target (the seeds' default unless `targets`, a shop's
    from `targets_for`, says otherwise), 95% interval (Wilson for a proportion unless
    `interval` is given) and "too few answers" flag; a missing value carries the reason."""
    d = KPIS[key]
    if value is None and reason is None:
        reason = "no data in the period"
    t = targets[key] if targets is not None and key in targets else d.target
    low: float | None = None
    high: float | None = None
    if value is not None and d.sampled and sample > 0:
        if interval is not None:
            low, high = interval
        elif d.unit == "fraction":
            low, high = wilson(round(value * sample), sample)
    too_few = d.sampled and value is not None and sample < min_sample
    meets, status, label = judge(
        value, t, too_few=too_few, reason=reason, sample=sample, min_sample=min_sample
    )
    return KpiValue(
        key=key,
        label=d.label,
        value=None if value is None else round(value, 4),
        unit=d.unit,
        sample=sample,
        target=t.value if t else None,
        target_direction=t.direction if t else None,
        meets_target=meets,
        reason=reason if value is None else None,
        formula=d.definition,
        ci_low=None if low is None else round(low, 4),
        ci_high=None if high is None else round(high, 4),
        min_sample=min_sample if d.sampled else None,
        too_few_answers=too_few,
        status=status,
        status_label=label,
    )


TARGETS_SETTING: Final = "kpi_targets"
# What a target may be, by the KPI's unit (NPS is a score from -100 to 100).
_TARGET_RANGES: Final[dict[str, tuple[float, float]]] = {
    "fraction": (0.0, 1.0),
    "hours": (0.0, 24.0 * 365),
    "per_year": (0.0, 10_000.0),
    "per_buyer": (0.0, 10_000.0),
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
    kpis: Mapping[str, KpiValue],
    targets: Mapping[str, Target | None],
    min_sample: int = DEFAULT_MIN_SAMPLE,
) -> dict[str, KpiValue]:
    """The same KPI figures judged against `targets` (a shop's, from `targets_for`) and the
    shop's minimum sample (`min_sample_for`)."""
    out: dict[str, KpiValue] = {}
    for key, v in kpis.items():
        t = targets.get(key, KPIS[key].target if key in KPIS else None)
        sampled = KPIS[key].sampled if key in KPIS else False
        too_few = sampled and v.value is not None and v.sample < min_sample
        meets, status, label = judge(
            v.value, t, too_few=too_few, reason=v.reason, sample=v.sample, min_sample=min_sample
        )
        out[key] = replace(
            v,
            target=t.value if t else None,
            target_direction=t.direction if t else None,
            meets_target=meets,
            min_sample=min_sample if sampled else None,
            too_few_answers=too_few,
            status=status,
            status_label=label,
        )
    return out


def _keys() -> str:
    return ", ".join(KPIS)


def nps(scores: Sequence[int]) -> float | None:
    """Bain's Net Promoter Score: 100 x (promoters (9-10) - detractors (0-6)) / answers."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return 100.0 * (promoters - detractors) / len(scores)


def nps_interval(scores: Sequence[int]) -> tuple[float, float] | None:
    """95% interval of NPS: with shares p (promoters) and d (detractors) of n answers, the
    variance of p - d is (p + d - (p - d)^2) / n (the multinomial variance of a difference
    of two shares); NPS +- 1.96 x 100 x its root, kept within -100..100."""
    n = len(scores)
    if n == 0:
        return None
    p = sum(1 for s in scores if s >= 9) / n
    d = sum(1 for s in scores if s <= 6) / n
    half = Z95 * 100.0 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    centre = 100.0 * (p - d)
    return max(centre - half, -100.0), min(centre + half, 100.0)


def mean_interval(values: Sequence[float], low: float, high: float) -> tuple[float, float] | None:
    """95% normal interval of a mean (sample standard deviation), kept within [low, high]."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = Z95 * sd / math.sqrt(n)
    return max(mean - half, low), min(mean + half, high)


def purchase_frequency(orders: int, buyers: int) -> float | None:
    """Orders in the period / customers who ordered in the period (never annualised)."""
    return None if buyers == 0 else orders / buyers


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
    """Wilson score 95% interval of a proportion successes / n (n > 0)."""
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
