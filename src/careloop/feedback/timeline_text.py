"""Timeline lines of feedback (surveys answered, reviews posted, updated, answered and asked
for) in the reader's language, built at display time from the event payload (see
careloop.core.timeline_text); the stored English summary stays for the API and exports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from careloop.core import events
from careloop.core.catalogue import t
from careloop.core.timeline_text import Renderer


def _survey_answered(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    kind = str(payload["kind"]).upper()
    return t("timeline.feedback.survey_answered", locale, kind=kind, score=payload["score"])


def _review_posted(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    return t(
        "timeline.feedback.review_posted",
        locale,
        rating=int(payload["rating"]),
        platform=str(payload["platform"]),
    )


def _review_updated(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    return t(
        "timeline.feedback.review_updated",
        locale,
        before=payload["previous_rating"],
        rating=int(payload["rating"]),
        platform=str(payload["platform"]),
    )


def _review_responded(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    late = bool(payload.get("late"))
    key = "timeline.feedback.reply_posted_late" if late else "timeline.feedback.reply_posted"
    return t(key, locale)


def _review_requested(payload: Mapping[str, Any], summary: str, locale: str) -> str | None:
    reminder = int(payload.get("reminder") or 0)
    product = str(payload["product_name"])
    if reminder:
        return t("timeline.feedback.review_reminded", locale, product=product, n=reminder)
    return t("timeline.feedback.review_requested", locale, product=product)


# Declared in feedback's manifest; bootstrap builds the one table from every capability's.
TIMELINE_TEXTS: dict[str, Renderer] = {
    events.SURVEY_ANSWERED: _survey_answered,
    events.REVIEW_POSTED: _review_posted,
    events.REVIEW_UPDATED: _review_updated,
    events.REVIEW_RESPONDED: _review_responded,
    events.REVIEW_REQUESTED: _review_requested,
}
