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
from typing import Any

OUT = Path(__file__).parent / "out"
# How long a drain worker whose shop another worker holds waits before asking again.
POLL_SECONDS = 0.02


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
    `workers` processes at once (PostgreSQL: they share the backlog); returns the rows
    handled and the seconds it took. Several workers are timed from the moment every one of
    them has imported the application and connected (the figure is applying, not starting
    Python), and a worker whose shop another holds polls until nothing is pending, as
    `careloop worker` does."""
    if workers <= 1:
        started = time.perf_counter()
        done = _drain(url)
        return done, time.perf_counter() - started
    from multiprocessing import get_context

    context = get_context("spawn")
    ready = context.Barrier(workers + 1)
    results = context.Queue()
    processes = [
        context.Process(target=_drain_when_ready, args=(url, ready, results))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    ready.wait()
    started = time.perf_counter()
    handled = sum(results.get() for _ in processes)
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
    return handled, seconds


def _drain_when_ready(url: str, ready: Any, results: Any) -> None:
    from sqlalchemy import exists, select

    import careloop.connectors.ingest  # noqa: F401  (the platforms' appliers)
    from careloop.core.clock import SystemClock
    from careloop.db.engine import make_engine, make_session_factory
    from careloop.orders.inbox import PENDING, apply_pass
    from careloop.orders.models import IngestInboxRow

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        session.execute(select(1))
    ready.wait()
    handled = 0
    while True:
        did = apply_pass(sessions, SystemClock())
        handled += did
        if did:
            continue
        with sessions() as session:
            if not session.scalar(select(exists().where(IngestInboxRow.state == PENDING))):
                break
        time.sleep(POLL_SECONDS)
    engine.dispose()
    results.put(handled)


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
