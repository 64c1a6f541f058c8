"""Where the worker finds its periodic tasks: the `tasks` modules the capabilities'
manifests name (careloop.bootstrap); importing them registers their tasks with
`careloop.worker.register_task`, and a task name registered twice raises."""

from __future__ import annotations

from careloop import bootstrap

TASK_MODULES: list[str] = bootstrap.task_modules()


def load_all() -> None:
    bootstrap.load_tasks()
