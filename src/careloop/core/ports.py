"""Typed ports between capabilities, bound once by the composition root (careloop.bootstrap).

A capability that needs another's service asks `port(SomePort)` instead of importing it;
bootstrap binds each port with `provide` from the manifests; tests bind in-memory doubles
and `reset()` afterwards. A port asked for and never provided raises `MissingPort`, loudly.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

P = TypeVar("P")

_BOUND: dict[type, Any] = {}


class MissingPort(RuntimeError):
    """A port was asked for that no capability provides."""


def provide(port: type[P], impl: P) -> None:
    """Bind `port` to `impl`; a second provider of the same port raises."""
    if port in _BOUND:
        raise RuntimeError(f"port {port.__qualname__} is already provided")
    _BOUND[port] = impl


def port(port: type[P]) -> P:
    """The implementation bound to `port`; raises MissingPort if nobody provided it."""
    try:
        return cast(P, _BOUND[port])
    except KeyError:
        raise MissingPort(f"no capability provides the port {port.__qualname__}") from None


def reset() -> None:
    """Forget every binding (tests)."""
    _BOUND.clear()
