"""Checks a template must pass before it is saved: it parses, every variable it uses
exists, and what it renders for a sample customer holds no literal `{{ }}` or `{% %}`
(a customer must never read template syntax). Each problem is a code plus the names a
person needs to fix it; `explain` words it in Vietnamese or English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from careloop.channels.render_context import sample_context
from careloop.channels.template_limits import Budget
from careloop.channels.templates import (
    TemplateError,
    TemplateSource,
    parse_problem,
    render_source,
    unknown_names,
)
from careloop.core.catalogue import catalogue_pairs

LEFTOVER_MARKS = ("{{", "}}", "{%", "%}")

TEXTS: dict[str, dict[str, str]] = catalogue_pairs("channels.template_checks.texts")


@dataclass(frozen=True)
class Problem:
    code: str
    params: Mapping[str, str]

    def explain(self, locale: str) -> str:
        texts = TEXTS[self.code]
        return texts.get(locale, texts["en"]).format(**self.params)


def known_names(extra: Iterable[str] = ()) -> set[str]:
    """Every top-level name a customer message may use (the sample context has them all)."""
    return set(sample_context("vi")) | set(extra)


def check_source(
    source: TemplateSource,
    *,
    locale: str = "vi",
    extra: Mapping[str, Any] | None = None,
    limits: Budget | None = None,
) -> list[Problem]:
    """The problems of `source` against the message variables plus `extra` (names the
    caller adds, with sample values); empty when it can be saved. `limits` is the render
    budget (template_limits; default: a fresh one)."""
    context = {**sample_context(locale), **dict(extra or {})}
    for part in (source.subject, source.text, source.html):
        detail = parse_problem(part)
        if detail:
            return [Problem("syntax", {"detail": detail})]
    unknown = unknown_names(source, set(context))
    if unknown:
        return [Problem("unknown_variable", {"names": ", ".join(sorted(unknown))})]
    try:
        rendered = render_source(source, context, where="template", limits=limits)
    except TemplateError as exc:
        return [Problem("render", {"detail": str(exc)})]
    output = " ".join([rendered.subject, rendered.text, rendered.html])
    output += " ".join(str(v) for v in rendered.data.values())
    for mark in LEFTOVER_MARKS:
        if mark in output:
            return [Problem("leftover", {"mark": mark})]
    return []


def check_text(
    text: str, *, locale: str = "vi", extra: Mapping[str, Any] | None = None
) -> list[Problem]:
    return check_source(TemplateSource(text=text), locale=locale, extra=extra)
