"""The one line a timeline entry shows, in the reader's language.

Careloop writes an English `summary` with every timeline event (for the API, exports and logs).
For the entries Careloop itself generates, the capability that writes them also registers a
renderer that builds the line at display time from the event's payload and catalogue keys, so
a Vietnamese reader sees Vietnamese whatever language the row was written in. Rows a renderer
cannot read (older payloads, a staff member's own words) show their stored summary as before."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from careloop.core.catalogue import normalise_locale

# (payload, stored summary, locale) -> the line, or None to show the stored summary.
Renderer = Callable[[Mapping[str, Any], str, str], str | None]

_RENDERERS: dict[str, Renderer] = {}


def register_timeline_text(event_types: str | tuple[str, ...], renderer: Renderer) -> None:
    """Show events of `event_types` with `renderer` (called at display time)."""
    for event_type in (event_types,) if isinstance(event_types, str) else event_types:
        _RENDERERS[event_type] = renderer


def rendered_text(
    event_type: str, summary: str, payload: Mapping[str, Any] | None, locale: str
) -> str | None:
    """The registered renderer's line for this event, or None when there is none (or it
    cannot read this row)."""
    renderer = _RENDERERS.get(event_type)
    if renderer is None:
        return None
    try:
        return renderer(payload or {}, summary, normalise_locale(locale))
    except (KeyError, TypeError, ValueError):
        return None  # an older or hand-made payload: its stored summary still reads
