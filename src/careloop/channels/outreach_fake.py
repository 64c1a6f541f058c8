"""An in-memory Outreach for tests of a caller's own logic: it keeps every request and
answers with the outcome a test scripted (by default: enqueued, with a fresh id)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from careloop.channels.outreach import ContactRequest, Outcome


def _enqueued(request: ContactRequest, n: int) -> Outcome:
    return Outcome("enqueued", tuple(request.channels), message_id=n)


@dataclass
class InMemoryOutreach:
    """Satisfies the Outreach port; writes nothing."""

    answer: Callable[[ContactRequest, int], Outcome] = _enqueued
    requests: list[ContactRequest] = field(default_factory=list)
    not_sent_rules: list[tuple[str, str]] = field(default_factory=list)

    def contact(self, request: ContactRequest) -> Outcome:
        self.requests.append(request)
        return self.answer(request, len(self.requests))

    def contact_all(self, requests: Sequence[ContactRequest]) -> list[Outcome]:
        return [self.contact(r) for r in requests]

    def not_sent(self, request: ContactRequest, rule: str) -> Outcome:
        self.not_sent_rules.append((request.idempotency_key, rule))
        return Outcome("suppressed", rule=rule)

    def route(self, request: ContactRequest) -> tuple[str, ...]:
        return tuple(request.channels)
