"""Starts `careloop worker` processes by forking one that has already imported Careloop.

On a busy 2-core machine a fresh `careloop worker` spends 15-30 s importing (scipy, ...)
before it claims anything, so a fault test that kills a worker every few seconds mostly
killed start-ups. This process imports everything once; each line "spawn" on stdin forks a
worker (a real process: SIGKILL, SIGSTOP and a lost database connection hit it like any
other) and prints its pid. It reaps its children and exits when stdin closes.
With CARELOOP_BENCH_PROFILE=<folder> each worker runs under cProfile (bench/faults.py
--profile).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

# A folder: each worker runs under cProfile and writes worker-<pid>.prof there on SIGTERM.
PROFILE_ENV = "CARELOOP_BENCH_PROFILE"


def _reap(*_args: Any) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def _child(log_path: str) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    code = 0
    profile_dir = os.environ.get(PROFILE_ENV)
    profiler = None
    if profile_dir:
        import cProfile

        # SIGTERM ends the profiled worker through Python, so its statistics get written.
        signal.signal(signal.SIGTERM, _raise_exit)
        profiler = cProfile.Profile()
        profiler.enable()
    try:
        from careloop.cli import app

        app(["worker"], standalone_mode=False)
    except BaseException:  # the worker's own death is the only thing that matters here
        code = 1
    finally:
        if profiler is not None and profile_dir:
            profiler.disable()
            profiler.dump_stats(os.path.join(profile_dir, f"worker-{os.getpid()}.prof"))
        os._exit(code)


def _raise_exit(*_args: Any) -> None:
    raise SystemExit(0)


def _import_everything() -> None:
    """Import every Careloop module now: the worker imports some lazily (providers, loyalty,
    support), and with PYTHONDONTWRITEBYTECODE each forked worker compiled them again from
    source on its first step (about 4 s of CPU per worker start under load)."""
    import importlib
    import pkgutil

    import careloop

    for module in pkgutil.walk_packages(careloop.__path__, "careloop."):
        if module.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(module.name)
        except Exception:  # an optional module that cannot load is the worker's concern
            continue


def main() -> None:
    log_path = sys.argv[1]
    from careloop.cli import app  # noqa: F401  (imported once, before any fork)
    from careloop.worker import registered_tasks

    registered_tasks()
    _import_everything()
    signal.signal(signal.SIGCHLD, _reap)
    for line in sys.stdin:
        if line.strip() != "spawn":
            continue
        pid = os.fork()
        if pid == 0:
            _child(log_path)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
