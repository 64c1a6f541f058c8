"""CLI start-up benchmark (not a test): how long `careloop <command>` takes before it works.

    .venv/bin/python bench/cli_start.py [--runs 15]

Measures, in the same run and as the median of N fresh processes: the floor (a bare
`python -c pass`), Typer's own import (the least a Typer CLI can cost), `careloop --help`,
`careloop shop --help` (loads the core commands only), `careloop shop list` (core commands
and the database, on a fresh SQLite file) and `careloop loyalty --help` (loads one
capability). Prints each wall time, its CPU time (user + system of the child: the honest
figure on a shared machine, where waiting for a core inflates wall time) and the ratio to
the floor, with the machine's load. Whether the packages' bytecode is compiled is printed
too: with PYTHONDONTWRITEBYTECODE set and no .pyc files, every start compiles Typer, Rich
and pydantic from source again.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import fresh_sqlite

BIN = Path(sys.executable).parent
CASES = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "import typer": [sys.executable, "-c", "import typer"],
    "careloop --help": [str(BIN / "careloop"), "--help"],
    "careloop shop --help": [str(BIN / "careloop"), "shop", "--help"],
    "careloop shop list": [str(BIN / "careloop"), "shop", "list"],
    "careloop loyalty --help": [str(BIN / "careloop"), "loyalty", "--help"],
}
# The same root help as a fresh install without .pyc files pays it (PYTHONPYCACHEPREFIX
# pointing at an empty folder hides the compiled files; PYTHONDONTWRITEBYTECODE keeps it so).
NO_BYTECODE = "careloop --help, no .pyc"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_seconds(argv: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) of `runs` fresh processes."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu = _children_cpu()
        started = time.perf_counter()
        subprocess.run(
            argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        walls.append(time.perf_counter() - started)
        cpus.append(_children_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def bytecode_compiled() -> bool:
    spec = importlib.util.find_spec("typer")
    cached = spec.cached if spec is not None else None
    return cached is not None and Path(cached).exists()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    database = fresh_sqlite("cli-start.db")
    env = {**os.environ, "CARELOOP_DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run([str(BIN / "careloop"), "init"], check=True, env=env, capture_output=True)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average: {load}; {os.cpu_count()} CPU; bytecode compiled: {bytecode_compiled()}")
    results = {name: median_seconds(argv, args.runs, env) for name, argv in CASES.items()}
    with tempfile.TemporaryDirectory() as empty:
        bare = {**env, "PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
        results[NO_BYTECODE] = median_seconds(CASES["careloop --help"], args.runs, bare)
    floor_wall, floor_cpu = results["python -c pass (floor)"]
    for name, (wall, cpu) in results.items():
        print(
            f"{name:<28} {wall * 1000:7.0f} ms wall {cpu * 1000:6.0f} ms CPU"
            f"   {wall / floor_wall:5.1f} x floor (CPU {cpu / floor_cpu:5.1f} x)"
        )
    print(
        "careloop --help vs import typer: "
        f"{results['careloop --help'][0] / results['import typer'][0]:.2f} x wall, "
        f"{results['careloop --help'][1] / results['import typer'][1]:.2f} x CPU"
    )


if __name__ == "__main__":
    main()
