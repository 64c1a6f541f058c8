"""The worker: claims and runs due work. Durable state lives in the database, so a worker
can be killed at any moment and another (or the same, restarted) carries on.

Capabilities declare their periodic tasks in their manifests (`WorkerTask`, with the tasks
each must run after); bootstrap builds the pass order from them. Each task claims its own
rows (on PostgreSQL with FOR UPDATE SKIP LOCKED) and returns how much it did, so an idle
worker can back off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from careloop.context import AppContext

log = logging.getLogger("careloop.worker")

Task = Callable[[AppContext], int]
IDLE_POLL_SECONDS = 1.0
SQLITE_WRITER_PAUSE_SECONDS = 0.2
# The tasks in pass order, handed over by careloop.bootstrap (built from the manifests'
# WorkerTask declarations); empty until then, whatever has been imported.
_TASKS: dict[str, Task] = {}


def use_tasks(tasks: dict[str, Task]) -> None:
    """Run these tasks, in this order, on every pass (bootstrap builds them)."""
    _TASKS.clear()
    _TASKS.update(tasks)


def registered_tasks() -> dict[str, Task]:
    """Task name -> task, in pass order (building them from the manifests on first use)."""
    from careloop.tasks import load_all

    load_all()
    return dict(_TASKS)


def run_once(ctx: AppContext, *, pause: Callable[[], None] | None = None) -> int:
    """One pass over every task; a failing task is logged and does not stop the others.

    `pause` runs after each task that did work (the long-running worker lets web requests
    take SQLite's single write lock between tasks)."""
    done = 0
    for name, task in registered_tasks().items():
        try:
            did = task(ctx)
        except Exception:
            log.exception("worker task %s failed; will retry on the next pass", name)
            continue
        done += did
        if did and pause is not None:
            pause()
    return done


def run_worker(ctx: AppContext, *, once: bool = False, stop: threading.Event | None = None) -> None:
    from careloop import bootstrap

    bootstrap.assemble()  # the schema checked, the ports bound, before any pass
    stop = stop or threading.Event()
    event = stop
    sqlite = ctx.engine.dialect.name == "sqlite"
    # The signing secret is read (or created) on its own connection before any pass: on
    # SQLite, creating it inside a dispatch transaction would wait on that transaction's lock.
    _ = ctx.secret_key

    def pause() -> None:
        # SQLite has one writer: without a gap, a busy worker re-takes the lock at once and
        # a staff member's request can wait out the busy timeout ("database is locked").
        event.wait(SQLITE_WRITER_PAUSE_SECONDS)

    while not stop.is_set():
        done = run_once(ctx, pause=pause if sqlite and not once else None)
        if once:
            return
        if done == 0:
            stop.wait(IDLE_POLL_SECONDS)


class EmbeddedWorker:
    """The worker inside `careloop serve`, on a daemon thread (one per process on SQLite)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="careloop-worker", daemon=True)

    def _run(self) -> None:
        run_worker(self.ctx, stop=self._stop)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
