"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): each customer's
expected spend per purchase, shrunk from their own repeat average towards the shop's.

Fitted on repeat buyers only (x > 0, m > 0), in log space (log-parameters, BFGS with the analytic
gradient, see mle.py); spend is rescaled to mean 1 so (1, 1, 1) is a good starting point.

Speed: the gamma functions depend on x alone (a few hundred distinct values) and the
log(m), log(x) terms not on the parameters at all, so they are summed once; per customer an
iteration costs one log and one division (of x m + gamma).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, gammaln

from careloop.segments.mle import distinct, dot, maximise

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    converged: bool


@dataclass(frozen=True)
class _Data:
    ux: Floats  # distinct x
    nx: Floats  # customers per distinct x
    x: Floats
    xm: Floats  # x * m: each customer's total repeat spend
    sum_x_log_xm: float  # sum of x log(x m) (parameter-free)
    sum_log_m: float
    n: float


def prepare(x: Floats, m: Floats) -> _Data:
    ux, ix = distinct(x)
    nx = np.bincount(ix, minlength=ux.size).astype(np.float64)
    log_m = np.log(m)
    return _Data(
        ux=ux,
        nx=nx,
        x=x,
        xm=x * m,
        sum_x_log_xm=dot(x, log_m + np.log(x)),
        sum_log_m=float(log_m.sum()),
        n=float(x.shape[0]),
    )


def _objective(log_params: Floats, d: _Data) -> tuple[float, Floats]:
    """Mean negative log-likelihood and its gradient with respect to the log-parameters."""
    p, q, g = np.exp(log_params)
    n, ux, nx = d.n, d.ux, d.nx
    pux = p * ux
    # Per customer: ... + (px - 1) log m + px log x - (px + q) log(x m + g).
    xmg = d.xm + g
    log_xmg = np.log(xmg)
    inv_xmg = 1.0 / xmg
    sum_x_log = dot(d.x, log_xmg)
    sum_log = float(log_xmg.sum())
    ll = (
        dot(nx, gammaln(pux + q) - gammaln(pux))
        - n * gammaln(q)
        + n * q * np.log(g)
        + p * d.sum_x_log_xm
        - d.sum_log_m
        - p * sum_x_log
        - q * sum_log
    )
    psi_pxq = digamma(pux + q)
    g_p = dot(nx * ux, psi_pxq - digamma(pux)) + d.sum_x_log_xm - sum_x_log
    g_q = dot(nx, psi_pxq) - n * digamma(q) + n * np.log(g) - sum_log
    g_g = n * q / g - p * dot(d.x, inv_xmg) - q * float(inv_xmg.sum())
    grad = np.array([g_p, g_q, g_g]) * np.array([p, q, g])
    return -ll / n, -grad / n


def _ll_terms(p: float, q: float, g: float, x: Floats, m: Floats) -> Floats:
    """Per-customer log-likelihood, written out directly (the reference for the factored one)."""
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


def fit(x: Floats, m: Floats) -> GammaGammaParams:
    """Maximum likelihood estimates of p, q, gamma from repeat buyers (x > 0, m > 0)."""
    x, m = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    scale = 1.0 / float(np.mean(m))
    d = prepare(x, m * scale)
    best = maximise(_objective, d, 3)
    p, q, g_scaled = np.exp(best.log_params)
    # Rescaling spend by s shifts each customer's log-likelihood by -log s (a Jacobian).
    ll = -best.mean_neg_log_likelihood * d.n + d.n * float(np.log(scale))
    return GammaGammaParams(float(p), float(q), float(g_scaled / scale), ll, best.converged)


def expected_spend(gg: GammaGammaParams, x: Floats, m: Floats, fallback: float) -> Floats:
    """Expected spend per future purchase; `fallback` (the shop's mean) when undefined
    (q <= 1, or no repeat purchases to learn from: the population mean p*gamma/(q-1))."""
    p, q, g = gg.p, gg.q, gg.gamma
    if q <= 1:
        return np.full_like(x, fallback)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = p * (g + x * m) / (p * x + q - 1)
    return np.where(np.isfinite(out), out, fallback)  # type: ignore[no-any-return]
