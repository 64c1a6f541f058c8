"""BG/NBD (Fader, Hardie & Lee 2005): how many purchases a customer will make, and the
probability they are still "alive". Maximum likelihood with numpy/scipy.

Numerics: the likelihood is evaluated in log space (gammaln, logaddexp); parameters are
optimised as logs within bounds (so they stay positive and finite) by L-BFGS-B with the
analytic gradient; time is rescaled so the oldest customer's age is 10 units, which makes
(1, 1, 1, 1) a good starting point whatever the unit or history length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

Floats = npt.NDArray[np.float64]

# Bounds on log-parameters (after time scaling): e^-20 .. e^20 is far beyond any fitted value.
LOG_BOUND = 20.0
# L-BFGS-B may stop with "ABNORMAL" when the line search hits machine precision at the
# optimum; a near-zero gradient (mean log-likelihood scale) away from the bounds is converged.
GRAD_TOLERANCE = 1e-5
SCALE_TARGET = 10.0


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    converged: bool


@dataclass(frozen=True)
class _Data:
    x: Floats
    t_x: Floats
    T: Floats
    w: Floats


def compress(x: Floats, t_x: Floats, T: Floats) -> _Data:
    """Identical (x, t_x, T) rows evaluated once, weighted by how many customers share them."""
    rows = np.stack([x, t_x, T], axis=1)
    uniq, counts = np.unique(rows, axis=0, return_counts=True)
    return _Data(uniq[:, 0], uniq[:, 1], uniq[:, 2], counts.astype(np.float64))


def _terms(params: Floats, d: _Data) -> tuple[Floats, Floats, Floats]:
    r, alpha, a, b = params
    x, t_x, T = d.x, d.t_x, d.T
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return a1 + a2, a3, a4


def log_likelihood_terms(params: Floats, d: _Data) -> Floats:
    """Per-row log-likelihood (unweighted)."""
    base, a3, a4 = _terms(params, d)
    return base + np.logaddexp(a3, a4)  # type: ignore[no-any-return]


def _objective(log_params: Floats, d: _Data) -> tuple[float, Floats]:
    """Mean negative log-likelihood and its gradient with respect to the log-parameters."""
    params = np.exp(log_params)
    r, alpha, a, b = params
    x, t_x, T, w = d.x, d.t_x, d.T, d.w
    base, a3, a4 = _terms(params, d)
    ll = base + np.logaddexp(a3, a4)
    w3 = np.exp(a3 - (ll - base))
    w4 = 1.0 - w3
    log_at = np.log(alpha + T)
    log_atx = np.log(alpha + t_x)
    g_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * log_at - w4 * log_atx
    g_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))
    common = digamma(a + b) - digamma(a + b + x)
    g_a = common + w4 / a
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_b = np.where(x > 0, 1.0 / (b + np.maximum(x, 1) - 1), 0.0)
    g_b = common + digamma(b + x) - digamma(b) - w4 * inv_b
    total = w.sum()
    # Elementwise sums, not np.dot: BLAS thread start-up costs more than the sum here.
    grad = np.array([float((w * g).sum()) for g in (g_r, g_alpha, g_a, g_b)]) * params
    return float(-(w * ll).sum() / total), -grad / total


def fit(x: Floats, t_x: Floats, T: Floats) -> BgNbdParams:
    """Maximum likelihood estimates of r, alpha, a, b."""
    scale = SCALE_TARGET / float(np.max(T)) if np.max(T) > 0 else 1.0
    d = compress(x, t_x * scale, T * scale)
    result = minimize(
        _objective,
        x0=np.zeros(4),
        args=(d,),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * 4,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000},
    )
    r, alpha, a, b = np.exp(result.x)
    params = np.array([r, alpha / scale, a, b])
    full = _Data(x, t_x, T, np.ones_like(x))
    ll = float(log_likelihood_terms(params, full).sum())
    converged = _converged(result.success, result.jac, result.x)
    return BgNbdParams(float(r), float(alpha / scale), float(a), float(b), ll, converged)


def p_alive(p: BgNbdParams, x: Floats, t_x: Floats, T: Floats) -> Floats:
    """Probability each customer has not dropped out by T (1 for customers without repeats)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_ratio = (p.r + x) * (np.log(p.alpha + T) - np.log(p.alpha + t_x))
        odds = np.where(
            x > 0, p.a / (p.b + np.maximum(x, 1) - 1) * np.exp(np.minimum(log_ratio, 700)), 0.0
        )
    return 1.0 / (1.0 + odds)  # type: ignore[no-any-return]


def expected_purchases(p: BgNbdParams, t: float, x: Floats, t_x: Floats, T: Floats) -> Floats:
    """Expected purchases in the next `t` periods given each customer's history."""
    r, alpha, a, b = p.r, p.alpha, p.a, p.b
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        head = (a + b + x - 1) / (a - 1)
        tail = 1.0 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) * hyp
        log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        odds = np.where(
            x > 0, a / (b + np.maximum(x, 1) - 1) * np.exp(np.minimum(log_ratio, 700)), 0.0
        )
        out = head * tail / (1.0 + odds)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)  # type: ignore[no-any-return]


def expected_purchases_new(p: BgNbdParams, t: float) -> float:
    """E[X(t)] for a new customer (the unconditional expectation), for backtests."""
    r, alpha, a, b = p.r, p.alpha, p.a, p.b
    hyp = float(hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp))


def _converged(success: bool, jac: Floats, log_params: Floats) -> bool:
    inside = bool(np.all(np.abs(log_params) < LOG_BOUND - 1e-6))
    return inside and (bool(success) or float(np.max(np.abs(jac))) < GRAD_TOLERANCE)
