"""Where the worker finds its periodic tasks: the `WorkerTask` declarations of the
capabilities' manifests, resolved and put in pass order by careloop.bootstrap (a name two
capabilities declare, a reference that does not resolve, an unknown `after`/`before` name or
a cycle raise AssemblyError)."""

from __future__ import annotations

from careloop import bootstrap


def load_all() -> None:
    bootstrap.load_tasks()
