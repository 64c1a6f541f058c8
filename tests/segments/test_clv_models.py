from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def test_the_factored_bgnbd_likelihood_and_gradient_equal_the_textbook_formula() -> None:
    from scipy.optimize import approx_fprime

    x, t_x, T, _ = _cdnow_like()
    params = np.array([0.3, 4.0, 0.8, 2.0])
    data = bgnbd.prepare(x, t_x, T)
    direct = float(bgnbd.log_likelihood_terms(params, x, t_x, T).sum())
    assert bgnbd.log_likelihood((0.3, 4.0, 0.8, 2.0), data) == pytest.approx(direct, rel=1e-12)
    _, grad = bgnbd._objective(np.log(params), data)
    numeric = approx_fprime(np.log(params), lambda v: bgnbd._objective(v, data)[0], 1e-7)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-7)


def test_the_factored_gamma_gamma_likelihood_and_gradient_equal_the_textbook_formula() -> None:
    from scipy.optimize import approx_fprime

    x, _, _, m = _cdnow_like()
    keep = (x > 0) & (m > 0)
    data = gammagamma.prepare(x[keep], m[keep])
    direct = float(gammagamma._ll_terms(5.0, 3.0, 10.0, x[keep], m[keep]).sum())
    value, grad = gammagamma._objective(np.log([5.0, 3.0, 10.0]), data)
    assert -value * data.n == pytest.approx(direct, rel=1e-12)
    numeric = approx_fprime(
        np.log([5.0, 3.0, 10.0]), lambda v: gammagamma._objective(v, data)[0], 1e-7
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-7)


def test_a_degenerate_history_is_reported_as_not_converged_rather_than_fitted() -> None:
    # Everybody bought exactly once a week for the whole period: nobody ever drops out, so
    # the dropout probability runs off to zero and there is no finite maximum.
    x = np.full(50, 10.0)
    fit = bgnbd.fit(x, x.copy(), x.copy())
    assert not fit.converged


def test_predictions_at_several_horizons_equal_one_horizon_at_a_time() -> None:
    x, t_x, T, _ = _cdnow_like()
    fit = bgnbd.BgNbdParams(0.26, 4.7, 0.8, 2.25, 0.0, True)
    many = bgnbd.expected_purchases_many(fit, [10.0, 39.0], x, t_x, T)
    for t, got in zip((10.0, 39.0), many, strict=True):
        z = t / (fit.alpha + T + t)
        from scipy.special import hyp2f1

        r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(
            r + x, b + x, a + b + x - 1, z
        )
        np.testing.assert_allclose(got, head * tail * bgnbd.p_alive(fit, x, t_x, T), rtol=1e-10)


def _naive_summary(
    rows: list[tuple[int, int, float]], as_of: int
) -> dict[int, tuple[float, float, float, float, float]]:
    periods: dict[int, dict[int, float]] = {}
    for c, p, v in rows:
        if p <= as_of:
            periods.setdefault(c, {}).setdefault(p, 0.0)
            periods[c][p] += v
    out = {}
    for c, by_period in periods.items():
        days = sorted(by_period)
        x = len(days) - 1
        repeat = sum(by_period[d] for d in days[1:])
        out[c] = (
            float(x),
            float(days[-1] - days[0]),
            float(as_of - days[0]),
            repeat / x if x else 0.0,
            sum(by_period.values()),
        )
    return out


@given(
    st.lists(
        st.tuples(
            st.sampled_from([3, 7, 2**40, 2**62 + 5, -4]),
            st.integers(min_value=0, max_value=40),
            st.integers(min_value=1, max_value=500).map(float),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_the_summary_equals_a_plain_python_count_for_any_ids_and_days(
    rows: list[tuple[int, int, float]],
) -> None:
    expected = _naive_summary(rows, as_of=30)
    s = summarize([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], 30)
    got = {
        int(c): (x, t, T, m, tot)
        for c, x, t, T, m, tot in zip(s.customer, s.x, s.t_x, s.T, s.m, s.total, strict=True)
    }
    assert got.keys() == expected.keys()
    for c, values in expected.items():
        assert got[c] == pytest.approx(values), c
