"""Helpers shared by the benchmarks in bench/ (not part of the product)."""

from __future__ import annotations

import os
import resource
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

OUT = Path(__file__).parent / "out"


def fresh_sqlite(name: str) -> Path:
    """A path in bench/out/ with no database (nor WAL files) left from a previous run."""
    OUT.mkdir(exist_ok=True)
    path = OUT / name
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class Stopwatch:
    seconds: float = 0.0


@contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    watch = Stopwatch()
    started = time.perf_counter()
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - started


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f}/s" if seconds > 0 else "n/a"


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a running process has used so far (Linux /proc): on a
    machine shared with other work, CPU per request says what wall time cannot."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def uptime() -> str:
    """The machine's load as `uptime` prints it: wall-clock rates mean little without it."""
    import subprocess

    found = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    return found.stdout.strip()


def drain_inbox(url: str, workers: int = 1) -> tuple[int, float]:
    """Apply the whole ingest inbox with the worker's own pass (careloop.orders.inbox), in
    `workers` processes at once (PostgreSQL: they share the backlog with SKIP LOCKED);
    returns the rows handled and the seconds it took."""
    started = time.perf_counter()
    if workers <= 1:
        done = _drain(url)
    else:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            done = sum(pool.map(_drain, [url] * workers))
        done += _drain(url)  # rows a worker left because another held their order's head
    return done, time.perf_counter() - started


def _drain(url: str) -> int:
    import careloop.connectors.ingest  # noqa: F401  (the platforms' appliers)
    from careloop.core.clock import SystemClock
    from careloop.db.engine import make_engine, make_session_factory
    from careloop.orders.inbox import apply_pass

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    done = 0
    while did := apply_pass(sessions, SystemClock()):
        done += did
    engine.dispose()
    return done
