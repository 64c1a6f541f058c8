"""The port registry: how one capability asks another for something without reaching in.

A port is a small typed Protocol (this package's modules); the capability that owns the
data provides an implementation once, at start-up (`careloop.bootstrap` binds what each
manifest `provides`); a caller asks `port(Rewards)`. A port
nobody provides is a loud `MissingPort`, never a silent "0 points" (issue 22).
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from careloop.core.ports.customer_insights import CustomerInsights
from careloop.core.ports.rewards import IssuedCoupon, Rewards
from careloop.core.ports.staff_tasks import StaffTasks
from careloop.core.ports.support_desk import SupportDesk, TicketFacts, TicketText

__all__ = [
    "CustomerInsights",
    "IssuedCoupon",
    "MissingPort",
    "PortAlreadyProvided",
    "Rewards",
    "StaffTasks",
    "SupportDesk",
    "TicketFacts",
    "TicketText",
    "port",
    "provide",
    "reset",
    "withdraw",
]

P = TypeVar("P")

_PROVIDED: dict[type[Any], Any] = {}


class MissingPort(RuntimeError):
    """A capability asked for a port nobody provides (the capability that would is not
    installed, or start-up did not bind it)."""

    def __init__(self, port: type[Any], needed_by: str) -> None:
        self.port, self.needed_by = port, needed_by
        super().__init__(
            f"no provider for the {port.__name__} port, needed by {needed_by}: install the "
            f"capability that provides {port.__name__} or bind it at start-up"
        )


class PortAlreadyProvided(RuntimeError):
    """A second provider for a port: two capabilities claim the same job."""

    def __init__(self, port: type[Any], first: object, second: object) -> None:
        self.port = port
        super().__init__(
            f"the {port.__name__} port is already provided by {type(first).__qualname__}; "
            f"{type(second).__qualname__} may not provide it too"
        )


def provide(port: type[P], impl: P) -> None:
    """Bind `impl` as the one provider of `port`; a second provider raises."""
    if port in _PROVIDED:
        raise PortAlreadyProvided(port, _PROVIDED[port], impl)
    _PROVIDED[port] = impl


def port(port: type[P]) -> P:
    """The provider of `port`; MissingPort (naming the caller's module) when none is bound."""
    try:
        return cast(P, _PROVIDED[port])
    except KeyError:
        raise MissingPort(port, _caller()) from None


def withdraw(port: type[Any]) -> None:
    """Forget the provider of `port` (a test of what happens when nobody provides it)."""
    _PROVIDED.pop(port, None)


def reset() -> None:
    """Forget every provider (tests bind fakes after this)."""
    _PROVIDED.clear()


def _caller() -> str:
    import sys

    frame = sys._getframe(2)  # the function that called port()
    return f"{frame.f_globals.get('__name__', '?')}.{frame.f_code.co_name}"
