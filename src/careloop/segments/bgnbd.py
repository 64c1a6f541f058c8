"""BG/NBD (Fader, Hardie & Lee 2005): how many purchases a customer will make, and the
probability they are still "alive". Maximum likelihood with numpy/scipy.

Numerics: the likelihood is evaluated in log space (gammaln, softplus); parameters are
optimised as logs (so they stay positive) by BFGS with the analytic gradient (see mle.py);
time is rescaled so the oldest customer's age is 10 units, which makes (1, 1, 1, 1) a good
starting point whatever the unit or history length.

Speed: with daily units almost every customer has their own (x, t_x, T) triple, so grouping
identical rows saves little. Instead the log-likelihood is factored: every special function
depends on x alone (a few hundred distinct values), every log(alpha + .) on T or t_x alone
(a few hundred distinct days), and customers without repeats contribute -r log(alpha + T)
only. Per customer with repeats, one iteration costs a handful of array operations and one
exp/log1p pair (the log-sum-exp of the "alive" and "dropped out" terms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, expit, gammaln, hyp2f1

from careloop.segments.mle import distinct, dot, maximise

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]

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
    """The summary factored for the likelihood (see the module docstring)."""

    ux: Floats  # distinct x
    nx: Floats  # customers per distinct x
    uT: Floats  # distinct T
    r_T: Floats  # per distinct T: customers (for the r log(alpha + T) term)
    x_T: Floats  # per distinct T: sum of x
    ut: Floats  # distinct t_x
    # Customers with repeats (x > 0), identical triples merged, as indices into the above.
    x: Floats
    ix: Ints
    iT: Ints
    it: Ints
    w: Floats
    total: float


def prepare(x: Floats, t_x: Floats, T: Floats, scale: float = 1.0) -> _Data:
    """Factor the summary once per fit, with time multiplied by `scale`."""
    ux, ix = distinct(x)
    uT, iT = distinct(T)
    ut, it = distinct(t_x)
    nx = np.bincount(ix, minlength=ux.size).astype(np.float64)
    r_T = np.bincount(iT, minlength=uT.size).astype(np.float64)
    x_T = np.bincount(iT, weights=x, minlength=uT.size).astype(np.float64)
    rep = np.flatnonzero(x > 0)
    # Merge identical repeat-buyer triples through one integer key (cheap, exact).
    key = (ix[rep].astype(np.int64) * uT.size + iT[rep]) * ut.size + it[rep]
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    keep = rep[first]
    return _Data(
        ux=ux,
        nx=nx,
        uT=uT * scale,
        r_T=r_T,
        x_T=x_T,
        ut=ut * scale,
        x=x[keep],
        ix=ix[keep],
        iT=iT[keep],
        it=it[keep],
        w=counts.astype(np.float64),
        total=float(x.shape[0]),
    )


def _objective(log_params: Floats, d: _Data) -> tuple[float, Floats]:
    """Mean negative log-likelihood and its gradient with respect to the log-parameters."""
    params = np.exp(log_params)
    r, alpha, a, b = params
    ux, nx = d.ux, d.nx
    # Per distinct x: the gamma-function part of every customer's likelihood.
    ll = dot(
        nx,
        gammaln(r + ux)
        - gammaln(r)
        + gammaln(a + b)
        + gammaln(b + ux)
        - gammaln(b)
        - gammaln(a + b + ux),
    ) + d.total * r * np.log(alpha)
    psi_ab_x = digamma(a + b + ux)
    common = digamma(a + b) - psi_ab_x
    g_r = dot(nx, digamma(r + ux) - digamma(r)) + d.total * np.log(alpha)
    g_alpha = d.total * r / alpha
    g_a = dot(nx, common)
    g_b = dot(nx, common + digamma(b + ux) - digamma(b))
    # Everybody: -(r + x) log(alpha + T), summed per distinct T.
    log_aT = np.log(alpha + d.uT)
    inv_aT = 1.0 / (alpha + d.uT)
    rx_T = r * d.r_T + d.x_T
    ll -= dot(rx_T, log_aT)
    g_r -= dot(d.r_T, log_aT)
    g_alpha -= dot(rx_T, inv_aT)
    # Repeat buyers: + softplus(delta), delta = log of (dropped-out / still-alive) odds.
    log_at = np.log(alpha + d.ut)
    inv_at = 1.0 / (alpha + d.ut)
    log_bx = np.log(b + np.maximum(d.ux, 1.0) - 1.0)
    rx = r + d.x
    diff_log = np.take(log_aT, d.iT) - np.take(log_at, d.it)
    delta = np.log(a) - np.take(log_bx, d.ix) + rx * diff_log
    softplus, sigmoid = _softplus_sigmoid(delta)
    w = d.w
    ll += dot(w, softplus)
    ws = w * sigmoid  # weight of the "dropped out after the last purchase" term
    g_r += dot(ws, diff_log)
    g_alpha += dot(ws * rx, np.take(inv_aT, d.iT) - np.take(inv_at, d.it))
    g_a += float(ws.sum()) / a
    g_b -= dot(ws, 1.0 / (b + d.x - 1.0))
    grad = np.array([g_r, g_alpha, g_a, g_b]) * params
    return -ll / d.total, -grad / d.total


def _softplus_sigmoid(z: Floats) -> tuple[Floats, Floats]:
    """log(1 + e^z) and 1 / (1 + e^-z) from one exp, stable for any z (np.logaddexp and
    scipy's expit are several times slower here)."""
    e = np.exp(-np.abs(z))
    softplus = np.maximum(z, 0.0) + np.log1p(e)
    sigmoid = np.where(z >= 0, 1.0, e) / (1.0 + e)
    return softplus, sigmoid


def log_likelihood(params: tuple[float, float, float, float], d: _Data) -> float:
    """Total log-likelihood of the prepared data at (r, alpha, a, b)."""
    value, _ = _objective(np.log(np.asarray(params, dtype=np.float64)), d)
    return -value * d.total


def log_likelihood_terms(params: Floats, x: Floats, t_x: Floats, T: Floats) -> Floats:
    """Per-customer log-likelihood, written out directly (the reference for the factored one)."""
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return a1 + a2 + np.logaddexp(a3, a4)  # type: ignore[no-any-return]


def fit(x: Floats, t_x: Floats, T: Floats) -> BgNbdParams:
    """Maximum likelihood estimates of r, alpha, a, b."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    scale = SCALE_TARGET / float(np.max(T)) if np.max(T) > 0 else 1.0
    d = prepare(x, t_x, T, scale)
    best = maximise(_objective, d, 4)
    r, alpha_scaled, a, b = np.exp(best.log_params)
    # Rescaling time by s shifts each customer's log-likelihood by -x log s (a Jacobian).
    ll = -best.mean_neg_log_likelihood * d.total + float(np.log(scale)) * float(x.sum())
    return BgNbdParams(
        float(r), float(alpha_scaled / scale), float(a), float(b), ll, best.converged
    )


def _log_odds_dropped(p: BgNbdParams, x: Floats, t_x: Floats, T: Floats) -> Floats:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (
            np.log(p.a)
            - np.log(p.b + np.maximum(x, 1) - 1)
            + (p.r + x) * (np.log(p.alpha + T) - np.log(p.alpha + t_x))
        )
    return np.where(x > 0, out, -np.inf)  # type: ignore[no-any-return]


def p_alive(p: BgNbdParams, x: Floats, t_x: Floats, T: Floats) -> Floats:
    """Probability each customer has not dropped out by T (1 for customers without repeats)."""
    return expit(-_log_odds_dropped(p, x, t_x, T))  # type: ignore[no-any-return]


def _unconditional_share(p: BgNbdParams, t: float, x: Floats, T: Floats) -> Floats:
    """E[X(t) | x, T] for a customer known to be alive: the part of the conditional
    expectation that depends on (x, T) only, so callers can evaluate it once per distinct pair."""
    r, alpha, a, b = p.r, p.alpha, p.a, p.b
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        head = (a + b + x - 1) / (a - 1)
        tail = 1.0 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) * hyp
        out = head * tail
    return out  # type: ignore[no-any-return]


def expected_purchases(p: BgNbdParams, t: float, x: Floats, t_x: Floats, T: Floats) -> Floats:
    """Expected purchases in the next `t` periods given each customer's history."""
    return expected_purchases_many(p, [t], x, t_x, T)[0]


def expected_purchases_many(
    p: BgNbdParams, ts: list[float], x: Floats, t_x: Floats, T: Floats
) -> list[Floats]:
    """`expected_purchases` at several horizons; the costly hypergeometric function is
    evaluated once per distinct (x, T) pair and horizon, not once per customer."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    _, ix = distinct(x)
    uT, iT = distinct(T)
    key = ix.astype(np.int64) * uT.size + iT
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    px, pT = x[first], T[first]
    alive = p_alive(p, x, t_x, T)
    out = []
    for t in ts:
        share = _unconditional_share(p, t, px, pT)[inverse.reshape(-1)] * alive
        out.append(np.nan_to_num(share, nan=0.0, posinf=0.0, neginf=0.0))
    return out


def expected_purchases_new(p: BgNbdParams, t: float) -> float:
    """E[X(t)] for a new customer (the unconditional expectation), for backtests."""
    r, alpha, a, b = p.r, p.alpha, p.a, p.b
    hyp = float(hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp))
