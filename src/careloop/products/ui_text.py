"""Staff-facing words of the Products page, in Vietnamese and English: labels, the platform
tag/metafield convention, and field errors written for a shop owner."""

from __future__ import annotations

from typing import Any, Final

from careloop.core.catalogue import catalogue_texts

TEXTS: Final[dict[str, dict[str, str]]] = catalogue_texts("products.ui_text.texts")


def texts(locale: str) -> dict[str, str]:
    return TEXTS["vi" if locale == "vi" else "en"]


def field_error(locale: str, field: str, error: dict[str, Any]) -> str:
    """A pydantic error on `field` in the staff member's language, naming the field."""
    words = texts(locale)
    label = words.get(field, field)
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if kind in ("missing", "string_too_short"):
        return words["err.required"].format(field=label)
    if kind in ("int_parsing", "int_from_float"):
        return words["err.number"].format(field=label)
    if kind in ("greater_than_equal", "greater_than"):
        return words["err.min"].format(field=label, limit=ctx.get("ge", ctx.get("gt", "")))
    if kind in ("less_than_equal", "less_than", "too_long"):
        limit = ctx.get("le", ctx.get("lt", ctx.get("max_length", "")))
        return words["err.max"].format(field=label, limit=limit)
    if kind == "string_too_long":
        return words["err.long"].format(field=label, limit=ctx.get("max_length", ""))
    if "web address" in message:
        return words["err.url"].format(field=label)
    if "itself" in message or "own parent" in message:
        return words["err.self"].format(field=label)
    if kind.startswith("decimal") or kind == "finite_number":
        return words["err.price"].format(field=label)
    return words["err.other"].format(field=label, reason=message)
