"""Message templates: where they come from and how they are rendered.

Defaults ship as one YAML file per template key in `careloop/playbooks/templates/<key>.yaml`:

    email:
      vi: {subject: "...", text: "...", html: "..."}
      en: {...}
    sms:
      vi: {text: "..."}
    zalo:
      template_id: "123456"          # the ZNS template approved for the OA
      vi: {data: {customer_name: "{{ customer.name }}"}}
    task:
      kind: call                      # support task kind; due_days, assignee_rule optional
      vi: {subject: "title", text: "body"}

A shop overrides any (key, channel, locale) with a `message_templates` row. Staff write
templates, so rendering happens in Jinja2's SandboxedEnvironment with StrictUndefined: a
typo is an error at enqueue/activation time, never a blank in a sent message.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, meta, pass_context
from jinja2 import TemplateError as JinjaTemplateError
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from careloop.channels.local_format import countdown, local_date
from careloop.channels.models import MessageTemplate
from careloop.channels.template_limits import (
    BoundedSandbox,
    Budget,
    TemplateLimitExceeded,
    bounded_render,
    budget,
)
from careloop.core.errors import CareloopError

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "playbooks" / "templates"
LOCALES = ("vi", "en", "zh")
# Channels without wording of their own borrow another's (a webhook carries the email text).
BORROWS: dict[str, tuple[str, ...]] = {"webhook": ("email", "sms"), "task": ("email", "sms")}


class TemplateError(CareloopError):
    """A template is missing, malformed, or cannot render for this customer."""


@dataclass(frozen=True)
class TemplateSource:
    subject: str = ""
    text: str = ""
    html: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "text": self.text, "html": self.html, "data": self.data}


# Bounded: arithmetic size, loops, output and time (channels/template_limits.py).
_TEXT_ENV = BoundedSandbox(undefined=StrictUndefined, autoescape=False)
_HTML_ENV = BoundedSandbox(undefined=StrictUndefined, autoescape=True)
SENTENCE_ENDS = (".", "!", "?", "…", ":", ";")


def _message_setting(context: Any, name: str, default: str) -> str:
    message = context.get("message")
    value = message.get(name) if isinstance(message, Mapping) else None
    return str(value or default)


@pass_context
def _date_filter(context: Any, value: Any) -> str:
    """`{{ coupon.expires_at | date }}`: the customer's day, language and time zone."""
    locale = _message_setting(context, "locale", "vi")
    return local_date(value, locale, _message_setting(context, "timezone", "Asia/Ho_Chi_Minh"))


@pass_context
def _countdown_filter(context: Any, value: Any) -> str:
    """`{{ days_left | countdown }}`: "hôm nay", "ngày mai", "còn 3 ngày" (never negative)."""
    return countdown(value, _message_setting(context, "locale", "vi"))


def _sentence(value: Any) -> str:
    """`{{ campaign.subject | sentence }}`: a full stop unless the text already ends one
    ("Nhà Mộc nhớ bạn!" stays as it is, never "bạn!.")."""
    text = str(value).rstrip()
    return text if not text or text.endswith(SENTENCE_ENDS) else text + "."


for _env in (_TEXT_ENV, _HTML_ENV):
    _env.filters.update(date=_date_filter, countdown=_countdown_filter, sentence=_sentence)


@functools.lru_cache(maxsize=2048)
def _compile(source: str, html: bool) -> Any:
    env = _HTML_ENV if html else _TEXT_ENV
    return env.from_string(source)


def normalise_locale(locale: str | None) -> str:
    """`vi-VN` -> `vi`, `zh_Hans` -> `zh`; anything unknown is kept as its language part."""
    if not locale:
        return "vi"
    return locale.replace("_", "-").split("-")[0].lower()


@functools.lru_cache(maxsize=256)
def _load_file(template_key: str, mtime: float) -> dict[str, Any]:
    path = TEMPLATES_DIR / f"{template_key}.yaml"
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TemplateError(
            f"template {template_key!r}: {path.name} is not valid YAML: {exc}"
        ) from None
    if not isinstance(loaded, dict):
        raise TemplateError(f"template {template_key!r}: {path.name} must be a mapping")
    return loaded


def file_spec(template_key: str) -> dict[str, Any] | None:
    """The shipped YAML of `template_key`, or None if there is no such file."""
    if not template_key.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise TemplateError(f"template key {template_key!r}: use letters, digits, _ - . only")
    path = TEMPLATES_DIR / f"{template_key}.yaml"
    if not path.exists():
        return None
    return _load_file(template_key, path.stat().st_mtime)


def shipped_template_keys() -> list[str]:
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.yaml"))


# The YAML section (beside the channels) naming what the sending code fills itself.
SENDER_SECTION = "sender"


def sender_samples(template_key: str, locale: str) -> dict[str, Any]:
    """The variables the code that sends `template_key` supplies (an event, a ticket, a
    review link), with realistic sample values in `locale`: the key's `sender:` section.
    Previews and save checks render with them, so a shipped wording that uses `event` is
    not refused for lacking it; a name no sender fills is still unknown."""
    try:
        spec = file_spec(template_key)
    except TemplateError:
        return {}
    section = (spec or {}).get(SENDER_SECTION)
    if not isinstance(section, Mapping):
        return {}
    for loc in _locale_chain(locale, "vi"):
        found = section.get(loc)
        if isinstance(found, Mapping):
            return copy.deepcopy(dict(found))
    return {}


def _locale_chain(locale: str, shop_locale: str) -> list[str]:
    chain = [normalise_locale(locale), normalise_locale(shop_locale), "vi", "en"]
    return list(dict.fromkeys(chain))


def _from_file(
    spec: Mapping[str, Any], channel: str, locales: Sequence[str]
) -> TemplateSource | None:
    section = spec.get(channel)
    if not isinstance(section, Mapping):
        return None
    for loc in locales:
        entry = section.get(loc)
        if isinstance(entry, Mapping):
            data = dict(entry.get("data") or {})
            for extra in ("template_id", "kind", "due_days", "assignee_rule", "unaccented"):
                if extra in section and extra not in data:
                    data[f"_{extra}"] = section[extra]
            return TemplateSource(
                subject=str(entry.get("subject", "")),
                text=str(entry.get("text", "")),
                html=str(entry.get("html", "")),
                data=data,
            )
    return None


_OVERRIDES = "careloop.channels.template_overrides"


def _overrides(session: Session, shop_id: int, key: str) -> dict[tuple[str, str], TemplateSource]:
    """The shop's overrides of `key`, {(channel, locale): source}, read once per transaction:
    a journey batch renders the same template for a hundred customers. The cache lives in
    `session.info` and is dropped at commit, rollback and any flush that writes a template,
    so an edited template is what the next send renders."""
    cache: dict[tuple[int, str], dict[tuple[str, str], TemplateSource]]
    cache = session.info.setdefault(_OVERRIDES, {})
    found = cache.get((shop_id, key))
    if found is None:
        found = cache[(shop_id, key)] = {
            (row.channel, row.locale): TemplateSource(
                row.subject, row.body_text, row.body_html, dict(row.data or {})
            )
            for row in session.scalars(
                select(MessageTemplate).where(
                    MessageTemplate.shop_id == shop_id, MessageTemplate.template_key == key
                )
            )
        }
    return found


def _drop_overrides(session: Session, *_args: Any) -> None:
    session.info.pop(_OVERRIDES, None)


def _drop_overrides_if_written(session: Session, *_args: Any) -> None:
    written = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, MessageTemplate) for obj in written):
        _drop_overrides(session)


event.listen(Session, "after_commit", _drop_overrides)
event.listen(Session, "after_soft_rollback", _drop_overrides)
event.listen(Session, "after_flush", _drop_overrides_if_written)
event.listen(Session, "after_bulk_update", lambda ctx: _drop_overrides(ctx.session))
event.listen(Session, "after_bulk_delete", lambda ctx: _drop_overrides(ctx.session))


def _from_db(
    session: Session | None, shop_id: int | None, key: str, channel: str, locales: Sequence[str]
) -> TemplateSource | None:
    if session is None or shop_id is None:
        return None
    rows = _overrides(session, shop_id, key)
    for loc in locales:
        found = rows.get((channel, loc))
        if found is not None:
            return found
    return None


def find_source(
    *,
    session: Session | None,
    shop_id: int | None,
    template_key: str,
    channel: str,
    locale: str,
    shop_locale: str = "vi",
) -> tuple[TemplateSource, str]:
    """The wording for (key, channel, locale) and the locale actually used."""
    locales = _locale_chain(locale, shop_locale)
    spec = file_spec(template_key)
    for candidate in (channel, *BORROWS.get(channel, ())):
        for loc in locales:
            found = _from_db(session, shop_id, template_key, candidate, [loc])
            if found is None and spec is not None:
                found = _from_file(spec, candidate, [loc])
            if found is not None:
                if candidate != channel and spec is not None:
                    # Keep the borrowing channel's own settings (task kind, due days).
                    own = spec.get(channel)
                    if isinstance(own, Mapping):
                        extras = {f"_{k}": v for k, v in own.items() if k not in LOCALES}
                        found = TemplateSource(
                            found.subject, found.text, found.html, {**found.data, **extras}
                        )
                return found, loc
    if spec is None and (session is None or not _has_any_override(session, shop_id, template_key)):
        raise TemplateError(
            f"template {template_key!r} does not exist (no careloop/playbooks/templates/"
            f"{template_key}.yaml and no shop override)"
        )
    raise TemplateError(f"template {template_key!r} has no {channel} wording for {locales[0]!r}")


def _has_any_override(session: Session, shop_id: int | None, key: str) -> bool:
    if shop_id is None:
        return False
    return bool(_overrides(session, shop_id, key))


def render_source(
    source: TemplateSource,
    context: Mapping[str, Any],
    *,
    where: str = "template",
    limits: Budget | None = None,
) -> Rendered:
    """Render every part of `source` within one budget (template_limits); any unknown
    field, error or limit reached raises TemplateError naming `where`."""
    try:
        with budget(limits):
            subject = _render(source.subject, False, context).strip()
            text = _render(source.text, False, context).strip()
            html = _render(source.html, True, context) if source.html else ""
            data: dict[str, Any] = {}
            for name, value in source.data.items():
                if name.startswith("_") or not isinstance(value, str):
                    data[name] = value
                else:
                    data[name] = _render(value, False, context).strip()
    except TemplateLimitExceeded as exc:
        raise TemplateError(f"{where}: limit reached: {exc}") from None
    except JinjaTemplateError as exc:
        raise TemplateError(f"{where}: {_explain(exc)}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError) as exc:
        # 1/0, 10.0**400, "a" - 1: the staff member's template is wrong, not the server.
        raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None
    except MemoryError:
        raise TemplateError(f"{where}: limit reached: out of memory") from None
    return Rendered(subject=subject, text=text, html=html, data=data)


def _render(part: str, html: bool, context: Mapping[str, Any]) -> str:
    return bounded_render(_compile(part, html), context)


def _explain(exc: JinjaTemplateError) -> str:
    message = str(exc.message or exc)
    if "is undefined" in message:
        return f"unknown field: {message}"
    if "has no attribute" in message:
        return f"unknown field: {message}"
    line = getattr(exc, "lineno", None)
    return f"line {line}: {message}" if line else message


def unknown_names(source: TemplateSource, known: set[str]) -> set[str]:
    """Top-level names the template uses that the context never provides."""
    found: set[str] = set()
    parts = [source.subject, source.text, source.html]
    parts += [v for v in source.data.values() if isinstance(v, str)]
    for part in parts:
        found |= _undeclared(part)
    return found - known - set(_TEXT_ENV.globals)


@functools.lru_cache(maxsize=2048)
def _undeclared(part: str) -> frozenset[str]:
    """Names a template text uses; parsed once per process per text (parsing costs more
    than rendering)."""
    try:
        return frozenset(meta.find_undeclared_variables(_TEXT_ENV.parse(part)))
    except JinjaTemplateError:
        return frozenset()  # a syntax error is reported by the render itself


def parse_problem(part: str) -> str:
    """Why `part` does not parse ("line 2: unexpected '}'"), or "" when it does."""
    if not part:
        return ""
    try:
        _TEXT_ENV.parse(part)
    except JinjaTemplateError as exc:
        return _explain(exc)
    return ""
