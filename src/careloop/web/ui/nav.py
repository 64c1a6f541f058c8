"""The left navigation, built from a registry: each page adds itself with one line,

    register_nav("segments", "Segments", "Phân khúc", "/segments", min_role="viewer", order=30)

and appears for every staff member whose role is at least `min_role`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

ROLE_RANK: Final = {"viewer": 0, "agent": 1, "owner": 2}


@dataclass(frozen=True)
class NavItem:
    key: str
    label_en: str
    label_vi: str
    path: str
    min_role: str
    order: int
    # Shown only when this says so of the staff member's context (e.g. the Outbox page
    # only for a shop whose channels deliver into it); None: always.
    shown_if: Callable[[Any], bool] | None = None

    def shown_to(self, staff: Any) -> bool:
        return self.shown_if is None or self.shown_if(staff)

    def label(self, locale: str) -> str:
        return self.label_vi if locale == "vi" else self.label_en

    def is_active(self, current_path: str) -> bool:
        if self.path == "/":
            return current_path == "/"
        return current_path == self.path or current_path.startswith(self.path.rstrip("/") + "/")


_REGISTRY: dict[str, NavItem] = {}


def register_nav(
    key: str,
    label_en: str,
    label_vi: str,
    path: str,
    min_role: str = "viewer",
    order: int = 100,
    shown_if: Callable[[Any], bool] | None = None,
) -> NavItem:
    """Add (or replace, by key) a navigation entry. Lower `order` comes first."""
    if min_role not in ROLE_RANK:
        raise ValueError(f"min_role must be one of {', '.join(ROLE_RANK)} (got {min_role!r})")
    if not path.startswith("/"):
        raise ValueError(f"nav path must start with '/' (got {path!r})")
    item = NavItem(key, label_en, label_vi, path, min_role, order, shown_if)
    _REGISTRY[key] = item
    return item


def role_at_least(role: str, min_role: str) -> bool:
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[min_role]


def nav_items(role: str) -> list[NavItem]:
    """The entries `role` may see, in order."""
    items = [i for i in _REGISTRY.values() if role_at_least(role, i.min_role)]
    return sorted(items, key=lambda i: (i.order, i.key))
