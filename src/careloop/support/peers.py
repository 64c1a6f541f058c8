"""Reaching other capabilities that may not be installed: their modules are looked up lazily
and a missing one reads as None, so the desk works on its own."""

from __future__ import annotations

import importlib
import inspect
from datetime import datetime
from types import ModuleType


def optional_module(name: str) -> ModuleType | None:
    """Another capability's module, or None when it is not installed (yet)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None


def entitlements_of(
    *, session: object, shop_id: int, customer_id: int, now: datetime
) -> set[str] | None:
    """Loyalty's active entitlements (e.g. "priority_support"), None without loyalty."""
    loyalty = optional_module("careloop.loyalty.service")
    function = getattr(loyalty, "active_entitlements", None)
    if function is None:
        return None
    keys = {"session": session, "shop_id": shop_id, "customer_id": customer_id}
    if "now" in inspect.signature(function).parameters:  # the clock, not the database, decides
        keys["now"] = now
    return set(function(**keys))


def segment_of(*, session: object, shop_id: int, customer_id: int) -> str | None:
    segments = optional_module("careloop.segments.service")
    function = getattr(segments, "current_segment", None)
    if function is None:
        return None
    result = function(session=session, shop_id=shop_id, customer_id=customer_id)
    return str(result) if result is not None else None
