"""Where "needs attention" finds its providers: the `attention` entries of the capabilities'
manifests, built into one list by careloop.bootstrap and handed to
`careloop.core.attention.use_attention` on first use."""

from __future__ import annotations

from careloop import bootstrap

ATTENTION_MODULES: list[str] = bootstrap.attention_modules()


def load_all() -> None:
    bootstrap.load_attention()
