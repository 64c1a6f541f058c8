from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from careloop.segments import bgnbd, gammagamma
from careloop.segments.simulate import simulate_bgnbd, simulate_spend
from careloop.segments.summary import summarize

DATA = Path(__file__).parent / "data" / "cdnow_like.csv"

# Reference estimates from the `lifetimes` package (0.11.3; BetaGeoFitter and
# GammaGammaFitter, penalizer 0) on data/cdnow_like.csv, obtained by
# `.venv/bin/python tests/segments/data/make_reference.py` (runs lifetimes in a throwaway venv).
LIFETIMES_BGNBD = {
    "r": 0.26193825536851567,
    "alpha": 4.687546344609735,
    "a": 0.799582105541772,
    "b": 2.252527352880157,
}
LIFETIMES_GG = {"p": 5.9271320540359635, "q": 3.541691954642763, "gamma": 15.552694567624695}
LIFETIMES_P_ALIVE_FIRST5 = [1.0, 0.4618808649825979, 1.0, 1.0, 1.0]
LIFETIMES_EXPECTED_39_FIRST5 = [
    0.27421299662137405,
    0.8498963403509986,
    0.2075999797908619,
    0.23338691345564205,
    0.26640492083054024,
]
LIFETIMES_SPEND_FIRST5 = [
    36.268311087035606,
    34.696923710779885,
    36.268311087035606,
    36.268311087035606,
    36.268311087035606,
]


def _same_to_3_significant_figures(ours: float, theirs: float) -> bool:
    return float(f"{ours:.3g}") == float(f"{theirs:.3g}") or abs(ours / theirs - 1) < 5e-4


def _cdnow_like() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    d = np.loadtxt(DATA, delimiter=",", skiprows=1)
    return d[:, 0], d[:, 1], d[:, 2], d[:, 3]


def test_bgnbd_estimates_match_the_lifetimes_package_to_3_significant_figures() -> None:
    x, t_x, T, _ = _cdnow_like()
    fit = bgnbd.fit(x, t_x, T)
    assert fit.converged
    for name, theirs in LIFETIMES_BGNBD.items():
        assert _same_to_3_significant_figures(getattr(fit, name), theirs), name


def test_gamma_gamma_estimates_match_the_lifetimes_package_to_3_significant_figures() -> None:
    x, _, _, m = _cdnow_like()
    fit = gammagamma.fit(x, m)
    assert fit.converged
    for name, theirs in LIFETIMES_GG.items():
        assert _same_to_3_significant_figures(getattr(fit, name), theirs), name


def test_per_customer_predictions_match_the_lifetimes_package() -> None:
    x, t_x, T, m = _cdnow_like()
    fit = bgnbd.fit(x, t_x, T)
    spend = gammagamma.fit(x, m)
    s = slice(0, 5)
    np.testing.assert_allclose(
        bgnbd.p_alive(fit, x[s], t_x[s], T[s]), LIFETIMES_P_ALIVE_FIRST5, rtol=5e-4
    )
    np.testing.assert_allclose(
        bgnbd.expected_purchases(fit, 39, x[s], t_x[s], T[s]),
        LIFETIMES_EXPECTED_39_FIRST5,
        rtol=5e-4,
    )
    np.testing.assert_allclose(
        gammagamma.expected_spend(spend, x[s], m[s], 0.0), LIFETIMES_SPEND_FIRST5, rtol=5e-4
    )


def test_bgnbd_recovers_the_parameters_it_was_simulated_from() -> None:
    rng = np.random.default_rng(11)
    T = rng.uniform(30, 78, 60_000)
    x, t_x, _ = simulate_bgnbd(rng, 60_000, r=0.5, alpha=6.0, a=0.8, b=2.5, T=T)
    fit = bgnbd.fit(x, t_x, T)
    assert fit.r == pytest.approx(0.5, rel=0.08)
    assert fit.alpha == pytest.approx(6.0, rel=0.1)
    assert fit.a == pytest.approx(0.8, rel=0.15)
    assert fit.b == pytest.approx(2.5, rel=0.15)


def test_gamma_gamma_recovers_the_parameters_it_was_simulated_from() -> None:
    rng = np.random.default_rng(12)
    x = rng.integers(1, 8, 30_000).astype(float)
    m, _ = simulate_spend(rng, x, p=6.0, q=4.0, gamma=15.0)
    fit = gammagamma.fit(x, m)
    assert fit.p == pytest.approx(6.0, rel=0.08)
    assert fit.q == pytest.approx(4.0, rel=0.08)
    assert fit.gamma == pytest.approx(15.0, rel=0.12)


def test_estimates_do_not_depend_on_the_time_unit() -> None:
    x, t_x, T, _ = _cdnow_like()
    weeks = bgnbd.fit(x, t_x, T)
    days = bgnbd.fit(x, t_x * 7, T * 7)
    assert days.r == pytest.approx(weeks.r, rel=1e-5)
    assert days.alpha == pytest.approx(weeks.alpha * 7, rel=1e-5)
    assert days.a == pytest.approx(weeks.a, rel=1e-5)


def test_a_customer_who_bought_often_then_stopped_is_less_likely_alive() -> None:
    fit = bgnbd.BgNbdParams(0.24, 4.4, 0.79, 2.4, 0.0, True)
    x = np.array([5.0, 5.0])
    p = bgnbd.p_alive(fit, x, np.array([30.0, 5.0]), np.array([32.0, 32.0]))
    assert p[0] > 0.8 > 0.2 > p[1]


def test_summary_counts_repeat_periods_and_averages_repeat_spend_only() -> None:
    # Customer 1: day 0 (100), day 0 again (50: same period, merged), day 10 (30), day 20 (90).
    # Customer 2: one purchase on day 5. A purchase after the as-of day is ignored.
    s = summarize([1, 1, 1, 1, 2, 2], [0, 0, 10, 20, 5, 40], [100, 50, 30, 90, 70, 10], 30)
    assert s.customer.tolist() == [1, 2]
    assert s.x.tolist() == [2.0, 0.0]
    assert s.t_x.tolist() == [20.0, 0.0]
    assert s.T.tolist() == [30.0, 25.0]
    assert s.m.tolist() == [60.0, 0.0]
    assert s.total.tolist() == [270.0, 70.0]
