"""Where "needs attention" finds its providers: each capability's `attention` module
registers its own with `careloop.core.attention.register_attention`; importing them here is
what makes them count (like careloop.tasks for worker tasks).

Add one import line per capability (keep the list sorted)."""

from __future__ import annotations

import importlib

ATTENTION_MODULES: list[str] = [
    "careloop.channels.attention",
    "careloop.connectors.attention",
    "careloop.feedback.attention",
    "careloop.loyalty.attention",
    "careloop.loyalty.store_action_sync",
    "careloop.support.attention",
]


def load_all() -> None:
    for module in ATTENTION_MODULES:
        importlib.import_module(module)
