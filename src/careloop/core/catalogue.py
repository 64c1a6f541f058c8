"""Careloop's strings in English and Vietnamese, looked up with `t(key, locale)`.

The texts live in one gettext catalogue, `careloop/locale/<locale>/LC_MESSAGES/careloop.po`,
with the message keys ("nav.home") as msgids, so translators work on .po files with the usual
tools and call sites stay `t("nav.home", locale)`. The build compiles .mo files; a fresh clone
without them compiles the .po in memory, so a page never shows keys.

`register_messages` and `EVENT_LABELS_VI` are a bridge for code written before the catalogue:
what they add wins over the catalogue until `scripts/i18n_dicts_to_po.py` moves it into the
.po files (a test fails while any module still calls them)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Final

from babel.messages import mofile, pofile
from babel.support import Translations

from careloop.core import events

LOCALES: Final = ("en", "vi")
DEFAULT_LOCALE: Final = "en"
# Each language by its own name (a language menu); zh: the shipped templates' Chinese wording.
LOCALE_NAMES: Final = {"en": "English", "vi": "Tiếng Việt", "zh": "中文"}
DOMAIN: Final = "careloop"
LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"

# Texts added at run time by not-yet-converted modules (see the module docstring).
MESSAGES: dict[str, dict[str, str]] = {}
EVENT_LABELS_VI: dict[str, str] = {}


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> Translations:
    """The compiled catalogue of `locale`: the .mo file, or the .po compiled in memory."""
    mo = po_path(locale).with_suffix(".mo")
    po = po_path(locale)
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    buffer = io.BytesIO()
    with po.open("rb") as fp:
        mofile.write_mo(buffer, pofile.read_po(fp, locale=locale, domain=DOMAIN))
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def _lookup(key: str, locale: str) -> str | None:
    pending = MESSAGES.get(key)
    if pending is not None and locale in pending:
        return pending[locale]
    text = translations(locale).gettext(key)
    return None if text == key else text


def has_message(key: str, locale: str = DEFAULT_LOCALE) -> bool:
    """Whether the catalogue has a text of `key` in `locale` (not just the key itself)."""
    return _lookup(key, normalise_locale(locale)) is not None


@cache
def _catalogue_file_messages() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for locale in LOCALES:
        with po_path(locale).open("rb") as fp:
            for message in pofile.read_po(fp, locale=locale, domain=DOMAIN):
                if message.id and message.string:
                    out.setdefault(str(message.id), {})[locale] = str(message.string)
    return out


def catalogue_messages() -> dict[str, dict[str, str]]:
    """Every key with its texts per locale, for checks over all strings."""
    out = {key: dict(texts) for key, texts in _catalogue_file_messages().items()}
    for key, texts in MESSAGES.items():
        out.setdefault(key, {}).update(texts)
    return out


def register_messages(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Bridge for unconverted modules: add strings over the catalogue (English required)."""
    for key, texts in messages.items():
        if DEFAULT_LOCALE not in texts:
            raise ValueError(f"message {key!r} has no {DEFAULT_LOCALE!r} text")
        MESSAGES[key] = dict(texts)


def normalise_locale(value: str | None) -> str:
    """One of LOCALES: 'vi-VN' -> 'vi'; anything unsupported -> English."""
    base = (value or "").split("-")[0].split("_")[0].lower()
    return base if base in LOCALES else DEFAULT_LOCALE


def t(key: str, locale: str, **params: object) -> str:
    """The text of `key` in `locale` (falling back to English, then to the key itself)."""
    text = _lookup(key, normalise_locale(locale)) or _lookup(key, DEFAULT_LOCALE)
    if text is None:
        return key
    return text.format(**params) if params else text


def event_label(event_type: str, locale: str) -> str:
    """The human label of a timeline event type in the UI language (catalogue `event.<type>`)."""
    if normalise_locale(locale) == "vi":
        if event_type in EVENT_LABELS_VI:
            return EVENT_LABELS_VI[event_type]
        text = _lookup(f"event.{event_type}", "vi")
        if text is not None:
            return text
    return events.label(event_type)


def catalogue_texts(prefix: str) -> dict[str, dict[str, str]]:
    """A page's table {locale: {name: text}} read from the catalogue keys `<prefix>.<name>`."""
    start = prefix + "."
    out: dict[str, dict[str, str]] = {locale: {} for locale in LOCALES}
    for key, texts in catalogue_messages().items():
        if key.startswith(start):
            for locale, text in texts.items():
                out.setdefault(locale, {})[key.removeprefix(start)] = text
    return out


def catalogue_pairs(prefix: str) -> dict[str, dict[str, str]]:
    """A table {name: {locale: text}} read from the catalogue keys `<prefix>.<name>`."""
    start = prefix + "."
    return {
        key.removeprefix(start): dict(texts)
        for key, texts in catalogue_messages().items()
        if key.startswith(start)
    }
