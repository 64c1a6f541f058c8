"""Shared numerics of the CLV models' maximum likelihood fits.

Both models are fitted on log-parameters (positive and unconstrained) by BFGS with the
analytic gradient. Not L-BFGS-B: its bound handling calls LAPACK, whose worker threads,
on a busy two-core machine, made each of its few dozen steps cost milliseconds, more than the
likelihood itself. Bounds are kept as a verdict instead: a fit that drifts past e^+-20
(a parameter running off to zero or infinity) is reported as not converged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

Floats = npt.NDArray[np.float64]
Objective = Callable[[Floats, Any], tuple[float, Floats]]

# Log-parameters (after the models' rescaling) beyond +-LOG_BOUND mean a degenerate fit.
LOG_BOUND = 20.0
# BFGS may stop with "precision loss" when the line search hits machine precision at the
# optimum; a near-zero gradient (mean log-likelihood scale) inside the bounds is converged.
GRAD_TOLERANCE = 1e-5
MAX_ITERATIONS = 2000


@dataclass(frozen=True)
class Optimum:
    log_params: Floats
    mean_neg_log_likelihood: float
    converged: bool


def dot(u: Floats, v: Floats) -> float:
    """Sum of u * v. Not `u @ v`: BLAS may start threads for it, which costs far more than
    the sum on a busy machine; einsum's own loop is single-threaded and as fast."""
    return float(np.einsum("i,i->", u, v))


def distinct(values: Floats) -> tuple[Floats, npt.NDArray[np.intp]]:
    """Sorted distinct values and each value's index among them (np.unique's inverse).
    Whole numbers over a short range (days, weeks, purchase counts) take one counting pass
    instead of a sort."""
    if values.size == 0:
        return values, np.zeros(0, dtype=np.intp)
    low, high = float(values.min()), float(values.max())
    if high - low < 4 * values.size + 1024 and np.array_equal(values, np.floor(values)):
        offset = (values - low).astype(np.intp)
        present = np.bincount(offset) > 0
        rank = np.cumsum(present) - 1
        uniq = np.flatnonzero(present).astype(np.float64) + low
        return uniq, rank[offset].astype(np.intp)
    uniq, inverse = np.unique(values, return_inverse=True)
    return uniq, inverse.reshape(-1).astype(np.intp)


def maximise(objective: Objective, data: Any, n_params: int) -> Optimum:
    """Minimise `objective(log_params, data)` (mean negative log-likelihood and gradient)
    from log-parameters 0, i.e. every parameter 1 on the models' rescaled data."""

    def clipped(log_params: Floats, d: Any) -> tuple[float, Floats]:
        # Far outside the bounds the fit is degenerate anyway; clipping keeps exp() finite.
        return objective(np.clip(log_params, -2 * LOG_BOUND, 2 * LOG_BOUND), d)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = minimize(
            clipped,
            x0=np.zeros(n_params),
            args=(data,),
            jac=True,
            method="BFGS",
            options={"gtol": 1e-10, "maxiter": MAX_ITERATIONS},
        )
    log_params = np.asarray(result.x, dtype=np.float64)
    inside = bool(np.all(np.abs(log_params) < LOG_BOUND))
    finite = bool(np.isfinite(result.fun)) and bool(np.all(np.isfinite(result.jac)))
    small_gradient = finite and float(np.max(np.abs(result.jac))) < GRAD_TOLERANCE
    return Optimum(
        log_params=log_params,
        mean_neg_log_likelihood=float(result.fun),
        converged=inside and finite and (bool(result.success) or small_gradient),
    )
