"""The one line a timeline entry shows, in the reader's language.

Careloop writes an English `summary` with every timeline event (for the API, exports and logs).
For the entries Careloop itself generates, the capability that writes them also declares (in
its manifest's `timeline_texts`) a renderer that builds the line at display time from the
event's payload and catalogue keys, so a Vietnamese reader sees Vietnamese whatever language
the row was written in; `careloop.bootstrap` builds the one table from every manifest and
hands it to `use_timeline_texts`. Rows a renderer cannot read (older payloads, a staff
member's own words) show their stored summary as before."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from careloop.core.catalogue import normalise_locale

# (payload, stored summary, locale) -> the line, or None to show the stored summary.
Renderer = Callable[[Mapping[str, Any], str, str], str | None]

# Set by careloop.bootstrap from the manifests (empty until assembled).
_RENDERERS: Mapping[str, Renderer] = {}


def use_timeline_texts(table: Mapping[str, Renderer]) -> None:
    """The renderers from now on, by event type (bootstrap calls this)."""
    global _RENDERERS
    _RENDERERS = dict(table)


def renderers_for(event_types: tuple[str, ...], renderer: Renderer) -> dict[str, Renderer]:
    """{event type: renderer} for several event types shown the same way."""
    return dict.fromkeys(event_types, renderer)


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
