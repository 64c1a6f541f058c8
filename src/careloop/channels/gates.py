"""Send gates: another capability may hold a claimed message back, unfailed, with a reason
(loyalty holds a message whose coupon code is not in the shop's store yet). A gate is a pure
read: (session, claimed messages, now) -> {message id: (look again at, reason)}.

A capability declares its gates in its manifest's `send_gates` (name, "module:attr");
careloop.bootstrap builds the list from every manifest and hands it to `use_send_gates`, so
a gate is never looked up by name here and no module adds one on import."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

SendGate = Callable[[Session, Sequence[Any], datetime], dict[int, tuple[datetime, str]]]
# Set by careloop.bootstrap from the manifests (load_registrations).
_GATES: Mapping[str, SendGate] = {}


def use_send_gates(gates: Mapping[str, SendGate]) -> None:
    """The gates from now on, by name (bootstrap calls this)."""
    global _GATES
    _GATES = dict(gates)


def holds(
    session: Session, messages: Sequence[Any], now: datetime
) -> dict[int, tuple[datetime, str]]:
    """Every gate's holds for these messages (the first reason found wins)."""
    held: dict[int, tuple[datetime, str]] = {}
    for gate in list(_GATES.values()):
        for message_id, hold in gate(session, messages, now).items():
            held.setdefault(message_id, hold)
    return held
