"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): each customer's
expected spend per purchase, shrunk from their own repeat average towards the shop's.

Fitted on repeat buyers only (x > 0, m > 0), in log space with bounded log-parameters and
the analytic gradient; spend is rescaled to mean 1 so (1, 1, 1) is a good starting point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import digamma, gammaln

Floats = npt.NDArray[np.float64]
LOG_BOUND = 20.0
# L-BFGS-B may stop with "ABNORMAL" when the line search hits machine precision at the
# optimum; a near-zero gradient (mean log-likelihood scale) away from the bounds is converged.
GRAD_TOLERANCE = 1e-5


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    converged: bool


def _ll_terms(p: float, q: float, g: float, x: Floats, m: Floats) -> Floats:
    px = p * x
    return (  # type: ignore[no-any-return]
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(x * m + g)
    )


def _objective(log_params: Floats, x: Floats, m: Floats) -> tuple[float, Floats]:
    p, q, g = np.exp(log_params)
    px = p * x
    ll = _ll_terms(p, q, g, x, m)
    psi_pxq = digamma(px + q)
    log_xmg = np.log(x * m + g)
    g_p = x * (psi_pxq - digamma(px) + np.log(m) + np.log(x) - log_xmg)
    g_q = psi_pxq - digamma(q) + np.log(g) - log_xmg
    g_g = q / g - (px + q) / (x * m + g)
    n = x.shape[0]
    grad = np.array([g_p.sum(), g_q.sum(), g_g.sum()]) * np.array([p, q, g])
    return float(-ll.sum() / n), -grad / n


def fit(x: Floats, m: Floats) -> GammaGammaParams:
    """Maximum likelihood estimates of p, q, gamma from repeat buyers (x > 0, m > 0)."""
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    scale = 1.0 / float(np.mean(m))
    result = minimize(
        _objective,
        x0=np.zeros(3),
        args=(x, m * scale),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * 3,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000},
    )
    p, q, g_scaled = np.exp(result.x)
    g = g_scaled / scale
    ll = float(_ll_terms(p, q, g, x, m).sum())
    converged = _converged(result.success, result.jac, result.x)
    return GammaGammaParams(float(p), float(q), float(g), ll, converged)


def expected_spend(gg: GammaGammaParams, x: Floats, m: Floats, fallback: float) -> Floats:
    """Expected spend per future purchase; `fallback` (the shop's mean) when undefined
    (q <= 1, or no repeat purchases to learn from: the population mean p*gamma/(q-1))."""
    p, q, g = gg.p, gg.q, gg.gamma
    if q <= 1:
        return np.full_like(x, fallback)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = p * (g + x * m) / (p * x + q - 1)
    return np.where(np.isfinite(out), out, fallback)  # type: ignore[no-any-return]


def _converged(success: bool, jac: Floats, log_params: Floats) -> bool:
    inside = bool(np.all(np.abs(log_params) < LOG_BOUND - 1e-6))
    return inside and (bool(success) or float(np.max(np.abs(jac))) < GRAD_TOLERANCE)
