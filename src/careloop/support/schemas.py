"""API schemas of the support desk: TicketCreate, ReplyIn, TicketPublic, TaskPublic."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from careloop.customers.schemas import ExternalId

PriorityName = Literal["low", "normal", "high", "urgent"]
ProblemName = Literal[
    "not_arrived",
    "late_delivery",
    "damaged_defective",
    "wrong_item",
    "missing_part",
    "poor_quality",
    "how_to_use",
    "not_satisfied",
    "rude_staff",
    "angry",
    "other",
]


class TicketCreate(BaseModel):
    """A ticket opened by a shop's system; `ticket_key` makes re-sending it harmless."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_id: ExternalId
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(default="", max_length=20_000)
    channel: Literal["api", "email", "sms", "zalo"] = "api"
    priority: PriorityName = "normal"
    problem_type: ProblemName | None = None
    order_id: ExternalId | None = None
    ticket_key: str | None = Field(default=None, min_length=1, max_length=150)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=20_000)
    pending: bool = False


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=20_000)


class MessagePublic(BaseModel):
    id: int
    kind: str
    author: str
    channel: str
    body: str
    delivery: str | None
    created_at: datetime


class ClockPublic(BaseModel):
    name: str
    state: str
    due_at: datetime | None
    remaining_minutes: float | None


class TicketPublic(BaseModel):
    id: int
    ref: str
    customer_id: str
    order_id: str | None
    subject: str
    status: str
    priority: str
    problem_type: str
    channel: str
    source: str
    assignee: str | None
    sla_policy: str
    sla: list[ClockPublic]
    playbook: dict[str, Any]
    compensations: list[dict[str, Any]]
    first_contact_resolution: bool | None
    csat_score: int | None
    created_at: datetime
    resolved_at: datetime | None
    messages: list[MessagePublic] = []


class TaskPublic(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    due_at: datetime
    notify_at: datetime
    status: str
    assignee: str | None
    customer_id: str | None
    ticket_id: int | None
    source: str
    note: str
