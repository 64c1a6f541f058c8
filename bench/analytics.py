"""Benchmark: RFM + BG/NBD + Gamma-Gamma fit + per-customer predictions on 200,000 customers
and ~2,000,000 orders (fixed seed), against the `lifetimes` package and a pandas RFM on the
same data in the same run.

    .venv/bin/python bench/analytics.py [--customers N] [--lifetimes-python PATH]

lifetimes is not a Careloop dependency: it runs in a throwaway venv as a subprocess
(`python3 -m venv /tmp/lt && /tmp/lt/bin/pip install lifetimes`; default path /tmp/lt/bin/python).
Each side runs in its own subprocess so each peak memory (ru_maxrss) is its own; both start
from the same transactions file and time everything from the transactions to the predictions.
CPU seconds are printed next to wall seconds: on a shared machine the wall ratio is noisy,
the CPU ratio much less so.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

SEED = 20261122
HORIZON_DAYS = 365
OBS_DAYS = 730


def generate(path: Path, customers: int) -> int:
    """Transactions (customer, day, value) drawn from BG/NBD + Gamma-Gamma; returns the count."""
    rng = np.random.default_rng(SEED)
    start = rng.integers(0, OBS_DAYS - 30, customers)
    T = (OBS_DAYS - start).astype(np.float64)
    lam = rng.gamma(2.0, 1 / 40.0, customers)
    p = rng.beta(0.6, 5.0, customers)
    nu = rng.gamma(4.0, 1 / 60.0, customers)
    ids = [np.arange(customers)]
    times = [np.zeros(customers)]
    now = np.zeros(customers)
    active = np.arange(customers)
    while active.size:
        now[active] += rng.exponential(1.0, active.size) / lam[active]
        active = active[now[active] <= T[active]]
        ids.append(active.copy())
        times.append(now[active].copy())
        active = active[rng.random(active.size) >= p[active]]
    cust = np.concatenate(ids)
    day = start[cust] + np.floor(np.concatenate(times)).astype(np.int64)
    value = np.round(rng.gamma(6.0, 1.0, cust.size) / nu[cust], 2)
    np.savez(path, customer=cust, day=day, value=value)
    return int(cust.size)


OURS = """
import json, resource, sys, time
import numpy as np
from careloop.segments import bgnbd, gammagamma
from careloop.segments.clv_service import ClvFit, predict
from careloop.segments.rfm import rfm_scores_arrays, segments_for_arrays
from careloop.segments.summary import summarize
from datetime import date
d = np.load(sys.argv[1]); end = int(sys.argv[2])
cust, day, value = d["customer"], d["day"], d["value"]
t0 = time.perf_counter(); c0 = time.process_time()
s = summarize(cust, day, value, end)
r, f, m = rfm_scores_arrays(s.T - s.t_x, s.x + 1, s.total)
seg = segments_for_arrays(r, f, m)
t_rfm = time.perf_counter() - t0
bg = bgnbd.fit(s.x, s.t_x, s.T)
gg = gammagamma.fit(s.x, s.m)
fit = ClvFit(date(2000, 1, 1), "day", s.n, s.repeaters, bg, gg,
             float(s.total.sum() / (s.x.sum() + s.n)), float(s.total.mean()))
pred = predict(fit, s, horizon_days=__HORIZON__, annual_discount=0.10)
wall = time.perf_counter() - t0; cpu = time.process_time() - c0
print(json.dumps({"wall": wall, "cpu": cpu, "rfm": t_rfm, "peak_mb": resource.getrusage(
    resource.RUSAGE_SELF).ru_maxrss / 1024, "r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b,
    "p": gg.p, "q": gg.q, "gamma": gg.gamma, "clv_sum": float(pred.predicted_clv.sum()),
    "segments": {k: int(v) for k, v in zip(*np.unique(seg, return_counts=True))}}))
""".replace("__HORIZON__", str(HORIZON_DAYS))

THEIRS = textwrap.dedent(
    """
    import json, resource, sys, time, warnings
    warnings.simplefilter("ignore")
    import numpy as np, pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data
    d = np.load(sys.argv[1]); end = int(sys.argv[2])
    base = pd.Timestamp("2024-01-01")
    df = pd.DataFrame({"customer": d["customer"], "date": base + pd.to_timedelta(d["day"], "D"),
                       "value": d["value"]})
    t0 = time.perf_counter(); c0 = time.process_time()
    s = summary_data_from_transaction_data(df, "customer", "date", monetary_value_col="value",
        observation_period_end=base + pd.Timedelta(days=end), freq="D")
    # pandas RFM: quintiles by rank (ties broken by order of appearance, as usually written).
    last = df.groupby("customer")["date"].max()
    rfm = pd.DataFrame({"recency": (base + pd.Timedelta(days=end) - last).dt.days,
                        "frequency": df.groupby("customer").size(),
                        "monetary": df.groupby("customer")["value"].sum()})
    rfm["R"] = pd.qcut(rfm["recency"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1])
    rfm["F"] = pd.qcut(rfm["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
    rfm["M"] = pd.qcut(rfm["monetary"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
    t_rfm = time.perf_counter() - t0
    bg = BetaGeoFitter(penalizer_coef=0.0).fit(s["frequency"], s["recency"], s["T"])
    rep = s[s["frequency"] > 0]
    gg = GammaGammaFitter(penalizer_coef=0.0).fit(rep["frequency"], rep["monetary_value"])
    bg.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
    bg.conditional_expected_number_of_purchases_up_to_time(
        __HORIZON__, s["frequency"], s["recency"], s["T"])
    clv = gg.customer_lifetime_value(bg, s["frequency"], s["recency"], s["T"],
        s["monetary_value"], time=12, discount_rate=(1.1 ** (1 / 12) - 1), freq="D")
    wall = time.perf_counter() - t0; cpu = time.process_time() - c0
    print(json.dumps({"wall": wall, "cpu": cpu, "rfm": t_rfm, "peak_mb": resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024, **{k: float(v) for k, v in bg.params_.items()},
        "p": float(gg.params_["p"]), "q": float(gg.params_["q"]),
        "gamma": float(gg.params_["v"]), "clv_sum": float(clv.sum())}))
    """.replace("__HORIZON__", str(HORIZON_DAYS))
)


def run(python: str, code: str, data: Path) -> dict[str, object]:
    done = subprocess.run(
        [python, "-c", code, str(data), str(OBS_DAYS)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=200_000)
    ap.add_argument("--lifetimes-python", default="/tmp/lt/bin/python")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "tx.npz"
        n_tx = generate(data, args.customers)
        print(f"data: {args.customers:,} customers, {n_tx:,} orders (seed {SEED})")
        ours = run(sys.executable, OURS, data)
        print(
            f"careloop : {ours['wall']:.2f} s wall, {ours['cpu']:.2f} s CPU "
            f"(RFM {ours['rfm']:.2f} s), peak {ours['peak_mb']:.0f} MB"
        )
        try:
            theirs = run(args.lifetimes_python, THEIRS, data)
        except (RuntimeError, FileNotFoundError) as exc:
            print(f"lifetimes could not run ({str(exc).strip().splitlines()[-1]}); no comparison")
            return
    print(
        f"lifetimes: {theirs['wall']:.2f} s wall, {theirs['cpu']:.2f} s CPU "
        f"(pandas RFM {theirs['rfm']:.2f} s), peak {theirs['peak_mb']:.0f} MB"
    )
    ratio = float(theirs["wall"]) / float(ours["wall"])  # type: ignore[arg-type]
    cpu_ratio = float(theirs["cpu"]) / float(ours["cpu"])  # type: ignore[arg-type]
    print(
        f"speed-up: {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU (aim: 10x); peak memory under "
        f"1 GB: {'yes' if float(ours['peak_mb']) < 1024 else 'NO'}"  # type: ignore[arg-type]
    )
    for k in ("r", "alpha", "a", "b", "p", "q", "gamma", "clv_sum"):
        a, b = float(ours[k]), float(theirs[k])  # type: ignore[arg-type]
        same = f"{a:.3g}" == f"{b:.3g}"
        print(
            f"  {k:8s} careloop {a:<14.6g} lifetimes {b:<14.6g} rel.diff {abs(a / b - 1):.1e}"
            f"  {'same to 3 s.f.' if same else 'DIFFERENT at 3 s.f.'}"
        )


if __name__ == "__main__":
    main()
