"""Timeline lines of the community (Diamond Members named or removed, groups joined or left,
workshop sign-ups) in the reader's language, built at display time from the event payload
(see careloop.core.timeline_text); the stored English summary stays for the API and exports.
Names a person chose (a group's, a workshop's) are shown as written."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from careloop.core import events
from careloop.core.catalogue import t
from careloop.core.timeline_text import Renderer

Line = Callable[[Mapping[str, Any], str, str], str | None]


def _named(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    return t("timeline.community.ambassador_named", locale, code=str(payload["code"]))


def _removed(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    return t("timeline.community.ambassador_removed", locale, score=payload["score"])


def _group(key: str) -> Line:
    def line(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
        group, platform = str(payload["group"]), str(payload["platform"]).capitalize()
        return t(key, locale, group=group, platform=platform)

    return line


def _workshop(key: str) -> Line:
    def line(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
        return t(key, locale, title=str(payload["title"]))

    return line


_WORKSHOP_EVENTS = (
    events.EVENT_REGISTERED,
    events.EVENT_WAITLISTED,
    events.EVENT_PROMOTED,
    events.EVENT_RSVP_CANCELLED,
    events.EVENT_ATTENDED,
    events.EVENT_CANCELLED,
)

# Declared in community's manifest; bootstrap builds the one table from every capability's.
TIMELINE_TEXTS: dict[str, Renderer] = {
    events.AMBASSADOR_NAMED: _named,
    events.AMBASSADOR_REMOVED: _removed,
    events.COMMUNITY_JOINED: _group("timeline.community.joined"),
    events.COMMUNITY_LEFT: _group("timeline.community.left"),
    **{
        event_type: _workshop(f"timeline.community.{event_type.replace('.', '_')}")
        for event_type in _WORKSHOP_EVENTS
    },
}
