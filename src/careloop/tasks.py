"""Where the worker finds its periodic tasks: each capability's `tasks` module registers its
own with `careloop.worker.register_task`; importing them here is what makes them run.

Add one import line per capability (keep the list sorted)."""

from __future__ import annotations

import importlib

TASK_MODULES: list[str] = [
    "careloop.alerts.tasks",
    "careloop.channels.tasks",
    "careloop.community.tasks",
    "careloop.connectors.tasks",
    "careloop.feedback.tasks",
    "careloop.journeys.tasks",
    "careloop.loyalty.tasks",
    "careloop.metrics.tasks",
    "careloop.orders.tasks",
    "careloop.segments.tasks",
    "careloop.support.tasks",
]


def load_all() -> None:
    for module in TASK_MODULES:
        importlib.import_module(module)
