"""Which language the `careloop` command speaks to the person at the terminal.

Vietnamese first (docs/decisions/0030-cli-language.md): `--lang vi|en` when given; else the
staff language of the shop the command is about (set when the command loads its shop); else
the instance's `CARELOOP_CLI_LOCALE`; else Vietnamese. The choice is state of one command
run, set by the root command's callback; importing this module costs nothing (no Babel, no
settings until a text is asked for), so `careloop --help` stays fast.
"""

from __future__ import annotations

from typing import Final

SPOKEN: Final = ("vi", "en")
FIRST: Final = "vi"

_chosen: str | None = None  # --lang
_shop: str | None = None  # the locale of the shop the command is about
_instance: str | None = None  # CARELOOP_CLI_LOCALE, read once per run


def _spoken(value: str | None) -> str | None:
    base = (value or "").strip().split("-")[0].split("_")[0].lower()
    return base if base in SPOKEN else None


def start(lang: str | None) -> None:
    """A new command run: `--lang` (or None); the previous run's shop is forgotten."""
    global _chosen, _shop, _instance
    if lang is not None and _spoken(lang) is None:
        raise ValueError(f"--lang: one of {', '.join(SPOKEN)} (got {lang!r})")
    _chosen = _spoken(lang)
    _shop = None
    _instance = None


def use_shop_locale(locale: str | None) -> None:
    """The command is about a shop whose staff read `locale`."""
    global _shop
    _shop = _spoken(locale)


def cli_locale() -> str:
    """The language of this run's texts for people: "vi" or "en"."""
    if _chosen is not None:
        return _chosen
    if _shop is not None:
        return _shop
    global _instance
    if _instance is None:
        from careloop.core.settings import current_settings

        _instance = _spoken(current_settings().cli_locale) or FIRST
    return _instance
