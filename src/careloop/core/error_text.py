"""Errors in the reader's language: `NotFound("order", "1001")` keeps its English text for
the API and the logs, and reads "Không tìm thấy đơn hàng 1001" on a staff page, in an import
report or on the terminal of a Vietnamese reader."""

from __future__ import annotations

from careloop.core.catalogue import has_message, t
from careloop.core.errors import NotFound

_CONNECTOR_SUFFIX = " connector of shop"


def entity_name(what: str, locale: str) -> str:
    """ "order" as "đơn hàng"; a name the catalogue lacks is shown as written."""
    key = "errors.entity." + what.strip().lower().replace(" ", "_")
    return t(key, locale) if has_message(key) else what


def not_found_text(what: str, key: object, locale: str) -> str:
    """ "Không tìm thấy đơn hàng 1001" / "order 1001 not found" (the id as the reader typed it)."""
    if what.endswith(_CONNECTOR_SUFFIX):
        platform = what.removesuffix(_CONNECTOR_SUFFIX)
        text = t("errors.not_found.connector", locale, platform=platform, id=key)
    else:
        text = t("errors.not_found", locale, what=entity_name(what, locale), id=key)
    return text[:1].upper() + text[1:]


def error_text(exc: BaseException, locale: str) -> str:
    """What a person reads for `exc`: a NotFound worded in `locale`, any other error as raised."""
    if isinstance(exc, NotFound):
        return not_found_text(exc.what, exc.key, locale)
    return str(exc)


def cli_error_text(exc: BaseException) -> str:
    """`exc` as the CLI tells it, in this run's CLI language (core/cli_language.py); in
    English the CLI keeps the raised text its scripts and logs have always read."""
    from careloop.core.cli_language import cli_locale

    locale = cli_locale()
    return error_text(exc, locale) if locale == "vi" else str(exc)
