"""The simulator's table on the journey page in the staff's language: steps by their title,
channels, policy reasons and outcomes from the catalogue (the CLI keeps report.py's codes)."""

from __future__ import annotations

from collections.abc import Mapping

from careloop.channels.reason_text import reason_text
from careloop.core.catalogue import has_message, t
from careloop.journeys.report import step_rows
from careloop.journeys.simulate import JourneyPreview, SimulationReport


def _word(prefix: str, code: str, locale: str) -> str:
    key = f"{prefix}.{code}"
    return t(key, locale) if has_message(key) else code


def _outcome(code: str, locale: str) -> str:
    if code.startswith("case "):
        return t("journeys.sim.outcome.case", locale, n=code.removeprefix("case "))
    return _word("journeys.sim.outcome", code, locale)


def _channels(cell: str, locale: str) -> str:
    """ "email 3, zalo+sms 1" with each channel named as the staff read it."""
    parts = []
    for part in filter(None, cell.split(", ")):
        names, _, n = part.rpartition(" ")
        label = " + ".join(_word("channel", c, locale) for c in names.split("+"))
        parts.append(f"{label} {n}")
    return ", ".join(parts)


def _reasons(cell: str, locale: str) -> str:
    """ "3 (quiet_hours 2, daily_cap 1)" with each reason in words."""
    total, _, inner = cell.partition(" (")
    if not inner:
        return cell
    worded = []
    for part in inner.removesuffix(")").split(", "):
        reason, _, n = part.rpartition(" ")
        worded.append(f"{reason_text(reason, locale)} {n}")
    return f"{total} (" + ", ".join(worded) + ")"


def _others(cell: str, locale: str) -> str:
    parts = []
    for part in filter(None, cell.split(", ")):
        code, _, n = part.rpartition(" ")
        parts.append(f"{_outcome(code, locale)} {n}")
    return ", ".join(parts)


def worded_rows(
    report: SimulationReport, preview: JourneyPreview, titles: Mapping[str, str], locale: str
) -> list[tuple[str, ...]]:
    """report.step_rows with every cell a person reads in `locale`, the step id first."""
    return [
        (
            step,
            titles.get(step, step),
            sent,
            _reasons(deferred, locale),
            _reasons(suppressed, locale),
            _channels(channels, locale),
            _others(other, locale),
        )
        for step, sent, deferred, suppressed, channels, other in step_rows(report, preview)
    ]


def worded_enrollments(preview: JourneyPreview, locale: str) -> list[tuple[str, int]]:
    return [
        (_word("journeys.sim.enrollment", status, locale), n)
        for status, n in sorted(preview.enrollments.items())
    ]
