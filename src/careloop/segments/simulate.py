"""Data drawn from the BG/NBD and Gamma-Gamma models themselves (fixed seed): for tests that
recover known parameters, the lifetimes cross-check and the benchmark."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


def simulate_bgnbd(
    rng: np.random.Generator,
    n: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: Floats,
) -> tuple[Floats, Floats, list[Floats]]:
    """(x, t_x, repeat purchase times) per customer observed for T[i] after a first purchase
    at 0: purchases come at rate lambda ~ Gamma(r, 1/alpha); after each repeat purchase the
    customer drops out with probability p ~ Beta(a, b)."""
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    p = rng.beta(a, b, size=n)
    now = np.zeros(n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    times: list[list[float]] = [[] for _ in range(n)]
    active = np.arange(n)
    while active.size:
        now[active] += rng.exponential(1.0, size=active.size) / lam[active]
        bought = now[active] <= T[active]
        active = active[bought]
        x[active] += 1
        t_x[active] = now[active]
        for i in active.tolist():
            times[i].append(float(now[i]))
        alive = rng.random(active.size) >= p[active]
        active = active[alive]
    return x, t_x, [np.array(t) for t in times]


def simulate_spend(
    rng: np.random.Generator, x: Floats, *, p: float, q: float, gamma: float
) -> tuple[Floats, Floats]:
    """Gamma-Gamma: per customer nu ~ Gamma(q, 1/gamma); each repeat purchase's spend is
    Gamma(p, 1/nu). Returns (mean repeat spend m, first purchase spend)."""
    n = x.shape[0]
    nu = rng.gamma(q, 1.0 / gamma, size=n)
    # The sum of x Gamma(p, 1/nu) draws is Gamma(p*x, 1/nu).
    shape = np.maximum(p * x, 1e-12)
    total = rng.gamma(shape, 1.0 / nu)
    m = np.where(x > 0, total / np.maximum(x, 1), 0.0)
    first = np.asarray(rng.gamma(p, 1.0 / nu), dtype=np.float64)
    return m, first
