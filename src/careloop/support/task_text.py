"""The titles and bodies of the tasks the support desk writes, in the reader's language.

A task stores its title and body as one English line each (the API and the CLI show them as
stored). The lines written here (the follow-up after a resolution, the call after a low CSAT,
the SLA warning and breach) are built from the format strings below, and a page recognises
them by the same formats and renders them from catalogue keys (`task.text.*`), so tasks
written before this module read the same way. A title a person or a journey wrote is shown as
written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from careloop.core.catalogue import has_message, t

FOLLOW_UP_TITLE: Final = "Check in: did the fix for ticket #{id} work? ({subject})"
FOLLOW_UP_BODY: Final = "Follow up: check that the solution worked and the customer is satisfied."
LOW_CSAT_TITLE: Final = "Call: CSAT {score}/5 after ticket #{id} ({subject})"
SLA_WARNING_TITLE: Final = "SLA warning: ticket #{id} needs its {clock} soon"
SLA_BREACHED_TITLE: Final = "SLA breached: ticket #{id} missed its {clock} target"
# The SLA clock as the English lines name it -> its key (sla.clock.<key>).
CLOCK_WORDS: Final = {
    "first response": "first_response",
    "next response": "next_response",
    "resolution": "resolution",
}

_PARAM = {"id": r"\d+", "score": r"\d+", "subject": r".*", "clock": "|".join(CLOCK_WORDS)}


def _pattern(line: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", line)
    regex = "".join(
        f"(?P<{part}>{_PARAM[part]})" if i % 2 else re.escape(part) for i, part in enumerate(parts)
    )
    return re.compile(regex, re.DOTALL)


LINES: Final = (
    (_pattern(FOLLOW_UP_TITLE), "task.text.follow_up_title"),
    (_pattern(FOLLOW_UP_BODY), "task.text.follow_up_body"),
    (_pattern(LOW_CSAT_TITLE), "task.text.low_csat_title"),
    (_pattern(SLA_WARNING_TITLE), "task.text.sla_warning_title"),
    (_pattern(SLA_BREACHED_TITLE), "task.text.sla_breached_title"),
)


# (the format a task's title or body is written from, its catalogue key, {name: regex})
TaskLine = tuple[str, str, dict[str, str]]

# Lines other capabilities write on tasks (feedback's review reply, the shipped journeys'),
# declared in their manifests' `task_lines`: set by careloop.bootstrap (load_registrations).
_REGISTERED: tuple[tuple[re.Pattern[str], str], ...] = ()


def use_task_lines(lines: Sequence[TaskLine]) -> None:
    """Read task titles/bodies written from each format `line` as its catalogue `key`;
    `params` gives each {name}'s regular expression (bootstrap calls this)."""
    global _REGISTERED
    _REGISTERED = tuple((_format_pattern(line, params), key) for line, key, params in lines)


def _format_pattern(line: str, params: dict[str, str]) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", line)
    regex = "".join(
        f"(?P<{part}>{params[part]})" if i % 2 else re.escape(part) for i, part in enumerate(parts)
    )
    return re.compile(regex, re.DOTALL)


def task_text(line: str, locale: str) -> str:
    """A task's title or body in `locale` when Careloop wrote it; else as stored."""
    for pattern, key in (*LINES, *_REGISTERED):
        if match := pattern.fullmatch(line):
            params = match.groupdict()
            if "clock" in params:
                params["clock"] = t(f"sla.clock.{CLOCK_WORDS[params['clock']]}", locale).lower()
            return t(key, locale, **params)
    return line


def task_kind_label(kind: str, locale: str) -> str:
    key = f"task.kind.{kind}"
    return t(key, locale) if has_message(key) else kind
