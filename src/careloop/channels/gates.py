"""Send gates: another capability may hold a claimed message back, unfailed, with a reason
(loyalty holds a message whose coupon code is not in the shop's store yet). A gate is a pure
read: (session, claimed messages, now) -> {message id: (look again at, reason)}.

Gates register themselves on import; careloop.bootstrap imports the modules the manifests
name as `send_gates`
(like the ports, in one place), so a gate is never looked up by name here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

SendGate = Callable[[Session, Sequence[Any], datetime], dict[int, tuple[datetime, str]]]
_GATES: dict[str, SendGate] = {}


def register_send_gate(name: str, gate: SendGate) -> None:
    """Add (or replace, by name) a gate."""
    _GATES[name] = gate


def holds(
    session: Session, messages: Sequence[Any], now: datetime
) -> dict[int, tuple[datetime, str]]:
    """Every gate's holds for these messages (the first reason found wins)."""
    held: dict[int, tuple[datetime, str]] = {}
    for gate in list(_GATES.values()):
        for message_id, hold in gate(session, messages, now).items():
            held.setdefault(message_id, hold)
    return held
