"""Checks a template must pass before it is saved: it parses, every variable it uses
exists, and what it renders for a sample customer holds no literal `{{ }}` or `{% %}`
(a customer must never read template syntax). Each problem is a code plus the names a
person needs to fix it; `explain` words it in Vietnamese or English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels.models import MessageTemplate
from careloop.channels.render_context import sample_context
from careloop.channels.template_limits import Budget
from careloop.channels.templates import (
    TemplateError,
    TemplateSource,
    parse_problem,
    render_source,
    sender_samples,
    unknown_names,
)
from careloop.core.catalogue import catalogue_pairs, t

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


def sample_for(template_key: str | None, locale: str) -> dict[str, Any]:
    """The sample context a wording of `template_key` is checked with: every message
    variable plus those its sender supplies (the key's `sender:` samples)."""
    context = sample_context(locale)
    if template_key:
        context.update(sender_samples(template_key, locale))
    return context


def check_source(
    source: TemplateSource,
    *,
    locale: str = "vi",
    template_key: str | None = None,
    extra: Mapping[str, Any] | None = None,
    limits: Budget | None = None,
) -> list[Problem]:
    """The problems of `source` against the message variables, those the sender of
    `template_key` supplies, plus `extra` (names the caller adds, with sample values);
    empty when it can be saved. `limits` is the render budget (template_limits; default:
    a fresh one)."""
    context = {**sample_for(template_key, locale), **dict(extra or {})}
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
    text: str,
    *,
    locale: str = "vi",
    template_key: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> list[Problem]:
    return check_source(
        TemplateSource(text=text), locale=locale, template_key=template_key, extra=extra
    )


FIELD_TEXTS: dict[str, dict[str, str]] = catalogue_pairs("channels.template_checks.fields")


def field_label(field: str, locale: str) -> str:
    texts = FIELD_TEXTS.get(field)
    return texts.get(locale, texts["en"]) if texts else field


def field_problems(
    fields: Mapping[str, str],
    *,
    locale: str = "vi",
    template_key: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Problem]:
    """The first problem of each named template field ("subject", "text", "html", or a
    caller's own name), checked one by one so the error can say which field to fix."""
    found: dict[str, Problem] = {}
    for name, value in fields.items():
        if not value.strip():
            continue
        problems = check_text(value, locale=locale, template_key=template_key, extra=extra)
        if problems:
            found[name] = problems[0]
    return found


def explain_fields(problems: Mapping[str, Problem], locale: str) -> str:
    """One sentence per field: "Nội dung: biến không tồn tại: cusomer"."""
    return "; ".join(
        f"{field_label(field, locale)}: {problem.explain(locale)}"
        for field, problem in problems.items()
    )


def saved_wording_problems(
    session: Session,
    shop_id: int,
    key: str,
    *,
    channels: Sequence[str] | None = None,
    locale: str = "vi",
) -> list[str]:
    """What is wrong with the shop's own saved wordings of `key` (on `channels`, or all):
    one sentence per wording that could not be sent as it stands, naming channel, language,
    field and variable. Wordings saved before the editor checked them are caught here when a
    journey that sends them is loaded. Shipped wordings are checked by the test suite."""
    stmt = select(MessageTemplate).where(
        MessageTemplate.shop_id == shop_id, MessageTemplate.template_key == key
    )
    if channels is not None:
        stmt = stmt.where(MessageTemplate.channel.in_(list(channels)))
    found: list[str] = []
    for row in session.scalars(stmt.order_by(MessageTemplate.channel, MessageTemplate.locale)):
        fields = {"subject": row.subject, "text": row.body_text, "html": row.body_html}
        params = (row.data or {}).get("data")
        if isinstance(params, Mapping):
            fields.update({str(k): str(v) for k, v in params.items() if isinstance(v, str)})
        problems = field_problems(fields, locale=row.locale, template_key=key)
        if problems:
            found.append(
                t(
                    "channels.template_checks.saved_wording",
                    locale,
                    template=key,
                    channel=row.channel,
                    language=row.locale,
                    problems=explain_fields(problems, locale),
                )
            )
    return found
