from __future__ import annotations

import pytest

from careloop.metrics.definitions import (
    KPIS,
    conversion_uplift,
    csat,
    kpi_value,
    nps,
    quantile,
)

DESIGN_KEYS = (
    "nps, csat, repeat_purchase_rate, purchase_frequency, churn_rate, clv_historical_mean, "
    "frt_median_hours, ttr_median_hours, fcr_rate, referral_rate, referral_conversion, "
    "review_score, "
    "review_positive_pct, review_negative_pct"
)


def test_the_kpi_keys_are_exactly_the_ones_design_lists() -> None:
    assert list(KPIS) == [k.strip() for k in DESIGN_KEYS.split(",")]


def test_nps_is_promoters_minus_detractors_in_points() -> None:
    assert nps([10, 9, 8, 7, 6, 0]) == pytest.approx(100 * (2 - 2) / 6)
    assert nps([10, 10, 10, 3]) == 50.0
    assert nps([]) is None


def test_csat_counts_fours_and_fives() -> None:
    assert csat([5, 4, 3, 2]) == 0.5


def test_targets_come_from_the_seeds() -> None:
    assert kpi_value("nps", 55, 30).meets_target is True
    assert kpi_value("review_score", 4.6, 30).meets_target is False
    assert kpi_value("review_negative_pct", 0.01, 30).meets_target is True
    assert kpi_value("repeat_purchase_rate", 0.35, 30).meets_target is True
    assert kpi_value("fcr_rate", 0.89, 30).meets_target is False


def test_a_kpi_without_data_is_null_with_a_reason_never_zero() -> None:
    v = kpi_value("nps", None, 0)
    assert v.value is None and v.reason and v.meets_target is None


def test_quantile_interpolates_like_numpy() -> None:
    assert quantile([1, 2, 3, 4], 0.5) == 2.5
    assert quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == pytest.approx(9.1)


def test_uplift_has_a_confidence_interval_around_the_difference() -> None:
    u = conversion_uplift(1000, 150, 1000, 100)
    assert u.difference == pytest.approx(0.05)
    assert u.ci_low is not None and u.ci_high is not None
    assert 0.0 < u.ci_low < 0.05 < u.ci_high < 0.1


def test_uplift_on_a_tiny_holdout_says_so_instead_of_guessing() -> None:
    u = conversion_uplift(200, 30, 8, 1)
    assert u.difference is None and u.note and "too few" in u.note
    assert u.enrolled_rate == 0.15
