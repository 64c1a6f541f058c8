"""A journey's timing and channels as a form (pure): for each message step, the wait before
it (day N, or N days/hours), its channel order, the wait before its "not opened" reminder and
whether it is on; and the owner's changes written back into the journey's YAML text in place.

Why in place: the YAML stays the one definition (the form's result goes through the same
loader and validation as the editor's), and an owner's or a power user's comments and layout
survive a form save. Edits replace the text spans of the YAML nodes they change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import yaml

from careloop.journeys.schema import CHANNELS, JourneyDef, Step, parse_duration

DAY_MAX: Final = 3650
HOURS_MAX: Final = 24 * 90
PREFERRED: Final = "preferred"
UNITS: Final = ("d", "h")


@dataclass(frozen=True)
class Delay:
    """The wait step just before a message: `until_day` (Day N) or a duration."""

    wait_index: int
    mode: str  # "day" (until_day) or "duration"
    value: int
    unit: str  # "d" or "h" ("d" in day mode)


@dataclass(frozen=True)
class FollowUp:
    """A wait_for right after a message ("not opened within N h") and the reminder it sends."""

    wait_for_index: int
    within_hours: int
    reminder_index: int


@dataclass(frozen=True)
class MessageStep:
    index: int
    id: str
    template: str
    channels: tuple[str, ...]
    off: bool
    delay: Delay | None
    follow_up: FollowUp | None
    reminder_channels: tuple[str, ...] = ()
    reminder_off: bool = False

    @property
    def primary(self) -> str:
        return self.channels[0]

    @property
    def fallback(self) -> str:
        """The reminder's channel when there is one (off: none), else the failure fallback."""
        if self.follow_up is not None:
            return "" if self.reminder_off else self.reminder_channels[0]
        return self.channels[1] if len(self.channels) > 1 else ""


@dataclass(frozen=True)
class Change:
    """What the owner submitted for one message step (already parsed)."""

    delay: int | None = None
    unit: str = "d"
    primary: str = ""
    fallback: str = ""
    wait_hours: int | None = None
    on: bool = True


@dataclass
class TimingErrors:
    """Problems as (step id, field, reason key, params): the page words them in vi/en."""

    items: list[tuple[str, str, str, dict[str, object]]] = field(default_factory=list)

    def add(self, step_id: str, name: str, reason: str, /, **params: object) -> None:
        self.items.append((step_id, name, reason, params))


def _hours(text: str) -> int | None:
    seconds = int(parse_duration(text).total_seconds())
    return seconds // 3600 if seconds % 3600 == 0 else None


def _delay(index: int, step: Step) -> Delay | None:
    wait = step.wait
    if wait is None:
        return None
    if wait.until_day is not None:
        return Delay(index, "day", wait.until_day, "d")
    if wait.duration is not None:
        hours = _hours(wait.duration)
        if hours is None:
            return None
        if hours % 24 == 0:
            return Delay(index, "duration", hours // 24, "d")
        return Delay(index, "duration", hours, "h")
    return None


def _follow_up(jdef: JourneyDef, index: int, step: Step) -> FollowUp | None:
    if index + 1 >= len(jdef.steps):
        return None
    nxt = jdef.steps[index + 1]
    if nxt.wait_for is None or nxt.wait_for.step != step.id:
        return None
    hours = _hours(nxt.wait_for.within)
    ids = [s.id for s in jdef.steps]
    target = nxt.wait_for.otherwise
    if hours is None or target not in ids or jdef.step(target).send is None:
        return None
    return FollowUp(index + 1, hours, ids.index(target))


def message_steps(jdef: JourneyDef) -> list[MessageStep]:
    """The journey's message steps with their timing; reminders show under their message."""
    rows: list[MessageStep] = []
    reminders: set[int] = set()
    for index, step in enumerate(jdef.steps):
        if step.send is None or index in reminders:
            continue
        follow = _follow_up(jdef, index, step)
        reminder = jdef.steps[follow.reminder_index] if follow else None
        if follow is not None:
            reminders.add(follow.reminder_index)
        before = jdef.steps[index - 1] if index > 0 else None
        rows.append(
            MessageStep(
                index=index,
                id=step.id,
                template=step.send.template,
                channels=tuple(step.send.channel_list()),
                off=bool(step.off),
                delay=_delay(index - 1, before) if before is not None else None,
                follow_up=follow,
                reminder_channels=(
                    tuple(reminder.send.channel_list()) if reminder and reminder.send else ()
                ),
                reminder_off=bool(reminder.off) if reminder else False,
            )
        )
    # A reminder found after its row was listed (a jump backwards) is not listed twice.
    return [r for r in rows if r.index not in reminders]


def check(
    rows: Sequence[MessageStep], changes: Mapping[str, Change], allowed: Sequence[str]
) -> TimingErrors:
    """Field problems of the submitted changes, naming the step and the field."""
    errors = TimingErrors()
    last_day: tuple[str, int] | None = None
    for row in rows:
        change = changes.get(row.id)
        if change is None:
            continue
        if row.delay is not None:
            top = DAY_MAX if change.unit == "d" else HOURS_MAX
            if change.delay is None or not 0 <= change.delay <= top:
                errors.add(row.id, "delay", "whole_number", low=0, high=top)
            elif row.delay.mode == "day":
                if last_day is not None and change.delay < last_day[1]:
                    errors.add(row.id, "delay", "before_previous", step=last_day[0])
                last_day = (row.id, change.delay)
        if change.primary not in allowed:
            errors.add(row.id, "primary", "unknown_channel")
        chained = change.fallback and row.follow_up is None
        if change.fallback and change.fallback not in allowed:
            errors.add(row.id, "fallback", "unknown_channel")
        elif chained and PREFERRED in (change.primary, change.fallback):
            errors.add(row.id, "fallback", "preferred_chain")
        elif chained and change.fallback == change.primary:
            errors.add(row.id, "fallback", "same_channel")
        bad_wait = change.wait_hours is None or not 1 <= change.wait_hours <= HOURS_MAX
        if row.follow_up is not None and change.fallback and bad_wait:
            errors.add(row.id, "wait", "whole_number", low=1, high=HOURS_MAX)
    return errors


def allowed_channels(configured: set[str], rows: Sequence[MessageStep]) -> list[str]:
    """The choices: the customer's preferred channel, the shop's configured channels, a staff
    task, and whatever the journey already uses (so nothing shown is silently dropped)."""
    used = {c for r in rows for c in (*r.channels, *r.reminder_channels)}
    return [PREFERRED] + [c for c in CHANNELS if c in configured or c == "task" or c in used]


# -- writing the changes into the YAML text -----------------------------------------------


Edit = tuple[int, int, str]


def _get(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if getattr(k, "value", None) == key), None)


def _end(node: yaml.Node) -> int:
    """Where the node's own text ends (a block collection's end mark is the next token)."""
    if isinstance(node, yaml.SequenceNode | yaml.MappingNode) and not node.flow_style:
        last = node.value[-1]
        return _end(last[1] if isinstance(last, tuple) else last)
    return int(node.end_mark.index)


def _replace(node: yaml.Node, text: str) -> Edit:
    return (int(node.start_mark.index), _end(node), text)


def _set_entry(mapping: yaml.Node, key: str, value: str) -> Edit:
    """Replace `key`'s value, or add the entry at the end of the mapping (block or flow)."""
    found = _get(mapping, key)
    if found is not None:
        return _replace(found, value)
    assert isinstance(mapping, yaml.MappingNode) and mapping.value
    if mapping.flow_style:
        closing = int(mapping.end_mark.index) - 1
        return (closing, closing, f", {key}: {value}")
    indent = " " * mapping.value[0][0].start_mark.column
    end = _end(mapping)
    return (end, end, f"\n{indent}{key}: {value}")


def _channels_text(channels: Sequence[str]) -> str:
    if list(channels) == [PREFERRED]:
        return PREFERRED
    return "[" + ", ".join(channels) + "]"


def _duration_text(value: int, unit: str) -> str:
    return f"{value}{unit}"


def _row_edits(steps: yaml.Node, row: MessageStep, change: Change) -> list[Edit]:
    assert isinstance(steps, yaml.SequenceNode)
    node = steps.value[row.index]
    edits: list[Edit] = []
    if row.delay is not None and change.delay is not None:
        wait = _get(steps.value[row.delay.wait_index], "wait")
        assert wait is not None
        if row.delay.mode == "day":
            edits.append(_set_entry(wait, "until_day", str(change.delay)))
        else:
            edits.append(_set_entry(wait, "duration", _duration_text(change.delay, change.unit)))
    send = _get(node, "send")
    assert send is not None
    if row.follow_up is None:
        chain = [change.primary] + ([change.fallback] if change.fallback else [])
        chain += [c for c in row.channels[2:] if c not in chain]
        edits.append(_set_entry(send, "channels", _channels_text(chain)))
    else:
        chain = [change.primary] + [c for c in row.channels[1:] if c != change.primary]
        edits.append(_set_entry(send, "channels", _channels_text(chain)))
        reminder = steps.value[row.follow_up.reminder_index]
        if change.fallback:
            again = [change.fallback] + [
                c for c in row.reminder_channels[1:] if c != change.fallback
            ]
            edits.append(
                _set_entry(_get(reminder, "send") or reminder, "channels", _channels_text(again))
            )
            if change.wait_hours is not None:
                wait_for = _get(steps.value[row.follow_up.wait_for_index], "wait_for")
                assert wait_for is not None
                edits.append(_set_entry(wait_for, "within", _duration_text(change.wait_hours, "h")))
        edits.extend(_off_edits(reminder, off=not change.fallback, was=row.reminder_off))
    edits.extend(_off_edits(node, off=not change.on, was=row.off))
    return edits


def _off_edits(node: yaml.Node, *, off: bool, was: bool) -> list[Edit]:
    if off == was:
        return []
    return [_set_entry(node, "enabled", "false" if off else "true")]


def rewrite(text: str, rows: Sequence[MessageStep], changes: Mapping[str, Change]) -> str:
    """`text` with the changes written into the nodes they concern (nothing else moves)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    assert root is not None
    steps = _get(root, "steps")
    assert steps is not None
    edits: list[Edit] = []
    for row in rows:
        if row.id in changes:
            edits.extend(_row_edits(steps, row, changes[row.id]))
    out = text
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + new + out[end:]
    return out
