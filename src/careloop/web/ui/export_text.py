"""The data-subject export page's cells in the reader's language: codes (statuses, kinds,
priorities, tiers, sources) as the catalogue's words, yes/no for flags, and the lines
Careloop wrote (timeline summaries, points reasons, support tasks) rendered the way the staff
pages render them. The JSON export keeps every value exactly as stored."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

from careloop.core.catalogue import event_label, has_message, t
from careloop.loyalty.reasons import reason_text
from careloop.support.task_text import task_text
from careloop.web.ui.format import format_date, format_datetime, payload_summary

# How the export stores moments and days (isoformat), to show them as the pages do.
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

# (section, column) -> catalogue prefix of its codes; ("*", column) for any section.
CODE_WORDS: Final = {
    ("orders", "status"): "order.status",
    ("tickets", "status"): "ticket.status",
    ("tickets", "priority"): "ticket.priority",
    ("tickets", "problem_type"): "ticket.problem",
    ("tickets", "sla_policy"): "sla.policy",
    ("ticket_messages", "author"): "export.author",
    ("ticket_messages", "kind"): "export.message_kind",
    ("ticket_messages", "delivery"): "honest",
    ("staff_tasks", "kind"): "task.kind",
    ("staff_tasks", "status"): "task.status",
    ("points", "kind"): "loyalty.entry_kind",
    ("points", "actor"): "timeline.source",
    ("loyalty_member", "tier"): "loyalty.tier",
    ("referrals", "status"): "referral.status",
    ("referrals", "hold_reasons"): "loyalty.reason",
    ("consents", "state"): "consent",
    ("consents", "status"): "consent",
    ("entitlements", "key"): "loyalty.page.privileges",
    ("profiles", "gender"): "export.gender",
    ("coupons", "kind"): "coupon.kind",
    ("*", "source"): "timeline.source",
    ("*", "channel"): "timeline.source",  # "system"; email, sms, zalo are names
}


def _code_word(section: str, column: str, value: str, locale: str) -> str | None:
    prefix = CODE_WORDS.get((section, column)) or CODE_WORDS.get(("*", column))
    if prefix is None:
        return None
    key = f"{prefix}.{value}"
    return t(key, locale) if has_message(key) else None


def cell_text(
    section: str, column: str, value: Any, row: Mapping[str, Any], locale: str, tz: str = "UTC"
) -> Any:
    """The value of `row[column]` as the page shows it: moments in the shop's time zone and
    the reader's format, codes as words; lists and mappings are left to the page (shown as
    data), anything not recognised is shown as stored."""
    if isinstance(value, bool):
        return t("export.yes", locale) if value else t("export.no", locale)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        words = [_code_word(section, column, v, locale) for v in value]
        return ", ".join(w or v for w, v in zip(words, value, strict=True)) if value else value
    if not isinstance(value, str) or not value:
        return value
    if _MOMENT.fullmatch(value):
        return format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")), tz, locale)
    if _DAY.fullmatch(value):
        try:
            return format_date(date.fromisoformat(value), locale)
        except ValueError:
            return value
    if section == "timeline" and column == "type":
        return event_label(value, locale)
    if section == "timeline" and column == "summary":
        payload = row.get("payload")
        return payload_summary(
            value, payload if isinstance(payload, Mapping) else None, str(row["type"]), locale
        )
    if section in ("points", "coupons") and column == "reason":
        return reason_text(value, locale)
    if section == "staff_tasks" and column in ("title", "body"):
        return task_text(value, locale)
    return _code_word(section, column, value, locale) or value
