"""Regenerates cdnow_like.csv and prints the `lifetimes` package's estimates on it.

Run from the repository root:
    .venv/bin/python tests/segments/data/make_reference.py [/path/to/python-with-lifetimes]

lifetimes (0.11.3) is not a Careloop dependency; it was installed into a throwaway venv
(`python3 -m venv /tmp/lt && /tmp/lt/bin/pip install lifetimes`, which pulled numpy 2.4,
pandas 3.1, scipy 1.17, autograd 1.9) and run there as a subprocess. The printed numbers are
the constants in tests/segments/test_clv_models.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from careloop.segments.simulate import simulate_bgnbd, simulate_spend

HERE = Path(__file__).parent
CSV = HERE / "cdnow_like.csv"
SEED = 20261122
# CDNOW's published estimates (Fader, Hardie & Lee 2005) as the generating parameters.
TRUE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "gamma": 15.44}

LIFETIMES_SCRIPT = """
import json, sys
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
df = pd.read_csv(sys.argv[1])
bg = BetaGeoFitter(penalizer_coef=0.0).fit(df["frequency"], df["recency"], df["T"])
rep = df[df["frequency"] > 0]
gg = GammaGammaFitter(penalizer_coef=0.0).fit(rep["frequency"], rep["monetary_value"])
out = {k: float(v) for k, v in bg.params_.items()}
out.update({k: float(v) for k, v in gg.params_.items()})
out["bg_p_alive_first5"] = [float(v) for v in bg.conditional_probability_alive(
    df["frequency"][:5], df["recency"][:5], df["T"][:5])]
out["bg_expected_39_first5"] = [float(v) for v in
    bg.conditional_expected_number_of_purchases_up_to_time(
        39, df["frequency"][:5], df["recency"][:5], df["T"][:5])]
out["gg_expected_spend_first5"] = [float(v) for v in gg.conditional_expected_average_profit(
    df["frequency"][:5], df["monetary_value"][:5])]
print(json.dumps(out, indent=1))
"""


def write_dataset() -> None:
    rng = np.random.default_rng(SEED)
    n = 2357
    T = np.round(rng.uniform(27.0, 39.0, n), 2)
    x, t_x, _ = simulate_bgnbd(
        rng, n, r=TRUE["r"], alpha=TRUE["alpha"], a=TRUE["a"], b=TRUE["b"], T=T
    )
    m, _ = simulate_spend(rng, x, p=TRUE["p"], q=TRUE["q"], gamma=TRUE["gamma"])
    with CSV.open("w") as f:
        f.write("frequency,recency,T,monetary_value\n")
        for xi, ti, Ti, mi in zip(x, np.round(t_x, 2), T, np.round(m, 2), strict=True):
            f.write(f"{int(xi)},{ti:.2f},{Ti:.2f},{mi:.2f}\n")


if __name__ == "__main__":
    write_dataset()
    python = sys.argv[1] if len(sys.argv) > 1 else "/tmp/lt/bin/python"
    print(
        subprocess.run(
            [python, "-c", LIFETIMES_SCRIPT, str(CSV)], check=True, capture_output=True, text=True
        ).stdout
    )
