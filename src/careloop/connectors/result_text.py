"""A webhook delivery's stored result, in the reader's language.

The result column keeps one English line (the API, exports and logs read it as stored): the
reasons a delivery was parked, "; "-separated as `field: reason`, or what it changed. The
lines written by connectors are recognised here by their formats and rendered from catalogue
keys (`connectors.result.*`) at display time, like the support desk's task lines
(support/task_text.py); a part not recognised, and any older row, shows as stored."""

from __future__ import annotations

import re
from typing import Final

from careloop.core.catalogue import t

# (format of one reason as connectors write it, catalogue key); {name} matches any text.
REASONS: Final = (
    ("required field is missing", "connectors.result.required"),
    ("no customer, email or phone on the order (a POS sale?)", "connectors.result.no_customer"),
    ("no customer id, email or phone_number (a POS sale?)", "connectors.result.no_customer"),
    ("an object with id or email is required", "connectors.result.customer_object"),
    ("not an ISO 8601 time: {value}", "connectors.result.not_time"),
    ("not a number: {value}", "connectors.result.not_number"),
    ("not a whole number: {value}", "connectors.result.not_whole_number"),
    ("must be zero or more, got {value}", "connectors.result.not_negative"),
    ("must be a list of objects", "connectors.result.list_of_objects"),
    ("status {value} is not in the mapping's status_map", "connectors.result.unknown_status"),
    ("unknown {platform} status {value}", "connectors.result.unknown_platform_status"),
    ("could not be read ({detail})", "connectors.result.unreadable"),
    ("unreadable", "connectors.result.unreadable_body"),
    ("missing", "connectors.result.missing"),
    (
        "disabled ({detail}); save the connector again to switch it on, then retry",
        "connectors.result.disabled",
    ),
)
# Whole lines (not `field: reason`).
LINES: Final = (
    ("could not be applied ({detail})", "connectors.result.not_applied"),
    ("nothing to do", "connectors.result.nothing_to_do"),
    ("known: {values}", "connectors.result.known"),
    ("{what} {ref} not found", "connectors.result.not_found"),
    ("ignored: {detail}", "connectors.result.ignored"),
)


def _pattern(line: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", line)
    regex = "".join(f"(?P<{part}>.*)" if i % 2 else re.escape(part) for i, part in enumerate(parts))
    return re.compile(regex, re.DOTALL)


_REASONS: Final = tuple((_pattern(line), key) for line, key in REASONS)
_LINES: Final = tuple((_pattern(line), key) for line, key in LINES)
_FIELD = re.compile(r"(?P<field>[^:;]+?): (?P<reason>.*)", re.DOTALL)


def _part(part: str, locale: str) -> str:
    for pattern, key in _LINES:
        if match := pattern.fullmatch(part):
            return t(key, locale, **match.groupdict())
    found = _FIELD.fullmatch(part)
    if found is None:
        return part
    for pattern, key in _REASONS:
        if match := pattern.fullmatch(found["reason"]):
            return f"{found['field']}: {t(key, locale, **match.groupdict())}"
    return part


def result_text(result: str, locale: str) -> str:
    """The delivery's `result` in `locale`, part by part; unknown parts as stored."""
    if not result:
        return result
    return "; ".join(_part(part, locale) for part in result.split("; "))
