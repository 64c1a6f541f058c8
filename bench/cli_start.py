"""CLI start-up benchmark (not a test): how long `careloop <command>` takes before it works.

    .venv/bin/python bench/cli_start.py [--runs 15]

Measures, in the same run and as the median of N fresh processes: the floor (a bare
`python -c pass`), Typer's own import (the least a Typer CLI can cost), `careloop --help`,
`careloop shop --help` (loads the core commands only) and `careloop loyalty --help` (loads
one capability). Prints each time and its ratio to the floor, with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
CASES = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "import typer": [sys.executable, "-c", "import typer"],
    "careloop --help": [str(BIN / "careloop"), "--help"],
    "careloop shop --help": [str(BIN / "careloop"), "shop", "--help"],
    "careloop loyalty --help": [str(BIN / "careloop"), "loyalty", "--help"],
}


def median_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = {name: median_seconds(argv, args.runs) for name, argv in CASES.items()}
    floor = results["python -c pass (floor)"]
    for name, seconds in results.items():
        print(f"{name:<28} {seconds * 1000:7.0f} ms   {seconds / floor:5.1f} x floor")
    print(
        "careloop --help vs import typer: "
        f"{results['careloop --help'] / results['import typer']:.2f} x"
    )


if __name__ == "__main__":
    main()
