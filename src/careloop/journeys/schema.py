"""The journey definition language: what a `careloop/playbooks/journeys/*.yaml` file may say.

Pure pydantic models, no I/O. `loader.py` turns YAML into these (with file:line errors);
the runner reads them back from the JSON stored on the journey version.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CHANNELS = ("email", "sms", "zalo", "webhook", "task")
KINDS = ("transactional", "service", "marketing")
DATE_TRIGGERS = ("birthday", "purchase_anniversary", "runout", "warranty_expiry", "maintenance_due")
END = "end"
KEY_RE = r"^[a-z][a-z0-9_]{0,99}$"
TEMPLATE_RE = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"
_DURATION_RE = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_CLOCK_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

Kind = Literal["transactional", "service", "marketing"]
EnrolOn = Literal["every_order", "first_purchase", "new_category"]
ENROL_ON = ("every_order", "first_purchase", "new_category")


def parse_duration(text: str) -> timedelta:
    """'30m', '24h', '3d', '2w' as a timedelta; ValueError naming the text otherwise."""
    match = _DURATION_RE.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 24h, 3d, 2w)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_clock(text: str) -> tuple[int, int]:
    """'HH:MM' (24 h) as (hour, minute)."""
    match = _CLOCK_RE.match(text)
    if match is None:
        raise ValueError(f"not a time of day: {text!r} (use HH:MM, 24-hour)")
    return int(match.group(1)), int(match.group(2))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _check_duration(value: str | None) -> str | None:
    if value is not None:
        parse_duration(value)
    return value


def _check_clock(value: str | None) -> str | None:
    if value is not None:
        parse_clock(value)
    return value


class Condition(Strict):
    """A leaf (`fact` + one comparison) or a combination (`all`, `any`, `not`)."""

    fact: str | None = None
    eq: Any = None
    ne: Any = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    contains: Any = None
    exists: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        combos = [n for n in ("all", "any", "not_") if getattr(self, n) is not None]
        ops = [n for n in LEAF_OPS if getattr(self, n) is not None]
        if self.fact is None:
            if len(combos) != 1 or ops:
                raise ValueError("a condition is `fact` with one comparison, or one of all/any/not")
        elif combos or len(ops) != 1:
            raise ValueError(
                f"condition on {self.fact!r} needs exactly one of: "
                + ", ".join(o.rstrip("_") for o in LEAF_OPS)
            )
        return self


LEAF_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "in_", "not_in", "contains", "exists")

Where = Condition | list[Condition]


# The seeds' re-engagement window: inactive 60 days or more, but not gone for good.
DEFAULT_INACTIVE_MAX_DAYS = 180


class Trigger(Strict):
    """What enrolls a customer: a timeline event, a date, or inactivity."""

    event: str | list[str] | None = None
    where: Where | None = None
    date: (
        Literal["birthday", "purchase_anniversary", "runout", "warranty_expiry", "maintenance_due"]
        | None
    ) = None
    days_before: int = Field(default=0, ge=0, le=365)
    inactivity_days: int | None = Field(default=None, ge=1, le=3650)
    # The upper bound: customers gone longer than this are not "inactive", they are gone, and
    # are never messaged (default: DEFAULT_INACTIVE_MAX_DAYS, or twice the lower bound).
    inactivity_max_days: int | None = Field(default=None, ge=2, le=3650)

    @model_validator(mode="after")
    def _one_kind(self) -> Trigger:
        kinds = [k for k in ("event", "date", "inactivity_days") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a trigger has exactly one of: event, date, inactivity_days")
        if self.where is not None and self.event is None:
            raise ValueError("`where` filters apply to event triggers only")
        if self.inactivity_max_days is not None and (
            self.inactivity_days is None or self.inactivity_max_days <= self.inactivity_days
        ):
            raise ValueError("inactivity_max_days must be more than inactivity_days")
        return self

    def inactivity_bounds(self) -> tuple[int, int] | None:
        """(at least, at most) days since the last order, for an inactivity trigger."""
        if self.inactivity_days is None:
            return None
        most = self.inactivity_max_days or max(DEFAULT_INACTIVE_MAX_DAYS, 2 * self.inactivity_days)
        return self.inactivity_days, most

    def event_types(self) -> list[str]:
        if self.event is None:
            return []
        return [self.event] if isinstance(self.event, str) else list(self.event)


class ExitRule(Strict):
    event: str
    where: Where | None = None


class SendSpec(Strict):
    channels: str | list[str] = "preferred"
    template: str = Field(pattern=TEMPLATE_RE)
    kind: Kind = "marketing"

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: str | list[str]) -> str | list[str]:
        names = [value] if isinstance(value, str) else value
        if not names:
            raise ValueError("give at least one channel, or 'preferred'")
        for name in names:
            if name != "preferred" and name not in CHANNELS:
                raise ValueError(
                    f"unknown channel {name!r} (use {', '.join(CHANNELS)} or 'preferred')"
                )
        return value

    def channel_list(self) -> list[str]:
        return [self.channels] if isinstance(self.channels, str) else list(self.channels)


class Window(Strict):
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        return _check_clock(value)


class WaitSpec(Strict):
    """A duration; or until day N after the trigger (optionally at a local time);
    or until the customer's local time is inside a window.

    `counted_from: delivery` counts `until_day` from the enrollment's order delivery instead
    of the trigger (a prepaid order is thanked at payment, its day-3 guide follows delivery);
    until the order is delivered the step waits."""

    duration: str | None = None
    until_day: int | None = Field(default=None, ge=0, le=3650)
    at: str | None = None
    window: Window | None = None
    counted_from: Literal["trigger", "delivery"] = "trigger"

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        return _check_duration(value)

    @field_validator("at")
    @classmethod
    def _at(cls, value: str | None) -> str | None:
        return _check_clock(value)

    @model_validator(mode="after")
    def _one_kind(self) -> WaitSpec:
        kinds = [k for k in ("duration", "until_day", "window") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a wait has exactly one of: duration, until_day, window")
        if self.at is not None and self.until_day is None:
            raise ValueError("`at` goes with `until_day`")
        if self.counted_from != "trigger" and self.until_day is None:
            raise ValueError("`counted_from` goes with `until_day`")
        return self


class WaitForSpec(Strict):
    """Wait for an event (of the message sent by `step`, if given) within a time limit."""

    event: str
    step: str | None = None
    where: Where | None = None
    within: str
    otherwise: str

    @field_validator("within")
    @classmethod
    def _within(cls, value: str | None) -> str | None:
        return _check_duration(value)


class Case(Strict):
    if_: Condition = Field(alias="if")
    goto: str


class BranchSpec(Strict):
    cases: list[Case] = Field(min_length=1)
    else_: str = Field(alias="else")


class CouponSpec(Strict):
    percent_off: int | None = Field(default=None, ge=1, le=100)
    amount_off_minor: int | None = Field(default=None, ge=1)
    valid_days: int = Field(default=30, ge=1, le=3650)
    reason: str = "journey"
    # Economics: a percent code takes at most this (default: the loyalty programme's cap).
    max_discount_minor: int | None = Field(default=None, ge=1)
    min_order_minor: int | None = Field(default=None, ge=0)
    free_shipping: bool = False
    # Product-aware codes: fixed lists, or what the enrollment's order/product was.
    product_skus: list[str] | None = Field(default=None, min_length=1)
    categories: list[str] | None = Field(default=None, min_length=1)
    limit_to: Literal["purchased_product", "purchased_category"] | None = None

    @model_validator(mode="after")
    def _one_amount(self) -> CouponSpec:
        if (self.percent_off is None) == (self.amount_off_minor is None):
            raise ValueError("a coupon has exactly one of: percent_off, amount_off_minor")
        return self


class PointsSpec(Strict):
    points: int = Field(ge=1, le=1_000_000)
    reason: str = "journey"


class TagSpec(Strict):
    tag: str = Field(min_length=1, max_length=64)


class TaskSpec(Strict):
    kind: Literal["call", "handwritten_card", "gift_box", "reply_review", "follow_up", "other"]
    title: str = Field(min_length=1, max_length=200)
    body: str = ""
    due_in: str = "1d"
    assignee: str | None = None

    @field_validator("due_in")
    @classmethod
    def _due_in(cls, value: str | None) -> str | None:
        return _check_duration(value)


class TicketSpec(Strict):
    subject: str = Field(min_length=1, max_length=200)
    body: str = ""
    priority: Literal["low", "normal", "high", "urgent"] = "normal"


class ExitSpec(Strict):
    reason: str = "exit step"


STEP_KINDS = (
    "send",
    "wait",
    "wait_for",
    "branch",
    "issue_coupon",
    "add_points",
    "add_tag",
    "create_task",
    "open_ticket",
    "exit",
)


class Step(Strict):
    id: str = Field(pattern=KEY_RE)
    next: str | None = None
    # `enabled: false`: switched off by the owner; the journey passes over the step
    # (journeys/engine.py). Absent or true: the step runs.
    enabled: bool | None = None
    send: SendSpec | None = None
    wait: WaitSpec | None = None
    wait_for: WaitForSpec | None = None
    branch: BranchSpec | None = None
    issue_coupon: CouponSpec | None = None
    add_points: PointsSpec | None = None
    add_tag: TagSpec | None = None
    create_task: TaskSpec | None = None
    open_ticket: TicketSpec | None = None
    exit: ExitSpec | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        kinds = [k for k in STEP_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"step {self.id!r} needs exactly one of: {', '.join(STEP_KINDS)}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in STEP_KINDS if getattr(self, k) is not None)

    @property
    def off(self) -> bool:
        return self.enabled is False


class JourneyDef(Strict):
    key: str = Field(pattern=KEY_RE)
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    trigger: Trigger
    steps: list[Step] = Field(min_length=1)
    exit_on: list[ExitRule] = Field(default_factory=list)
    # always: every new trigger enrolls; once: a customer's first enrollment only;
    # not_while_active: not while an earlier enrollment of this journey is running.
    reentry: Literal["always", "once", "not_while_active"] = "always"
    # Which purchases an order-event trigger enrolls: every order; only the customer's first
    # purchase; or a first purchase and any order with a product category never bought before.
    enrol_on: EnrolOn = "every_order"
    cooldown_days: int | None = Field(default=None, ge=1, le=3650)
    holdout: float = Field(default=0.0, ge=0.0, lt=1.0)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def after(self, step: Step) -> str:
        """The id of the step that follows `step` when it does not jump."""
        if step.next is not None:
            return step.next
        index = self.steps.index(step)
        return self.steps[index + 1].id if index + 1 < len(self.steps) else END

    def references(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(path in the document, step id) of every jump target, for validation."""
        refs: list[tuple[tuple[str | int, ...], str]] = []
        for i, step in enumerate(self.steps):
            if step.next is not None:
                refs.append((("steps", i, "next"), step.next))
            if step.wait_for is not None:
                refs.append((("steps", i, "wait_for", "otherwise"), step.wait_for.otherwise))
            if step.branch is not None:
                for j, case in enumerate(step.branch.cases):
                    refs.append((("steps", i, "branch", "cases", j, "goto"), case.goto))
                refs.append((("steps", i, "branch", "else"), step.branch.else_))
        return refs
