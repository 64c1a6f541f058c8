"""Where "needs attention" finds its providers: the `attention` modules the capabilities'
manifests name (careloop.bootstrap); importing them registers each provider with
`careloop.core.attention.register_attention` (like careloop.tasks for worker tasks)."""

from __future__ import annotations

from careloop import bootstrap

ATTENTION_MODULES: list[str] = bootstrap.attention_modules()


def load_all() -> None:
    bootstrap.load_attention()
