"""The left navigation: each capability declares its entries in its manifest
(`careloop.core.manifest.NavEntry`), `careloop.bootstrap` builds the list from every manifest
when it builds the staff pages and hands it to `use_nav`; an entry appears for every staff
member whose role is at least `min_role`. No page adds itself on import."""

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


# Set by careloop.bootstrap from the manifests (empty until the staff pages are built).
_ITEMS: tuple[NavItem, ...] = ()


def nav_item(
    key: str,
    label_en: str,
    label_vi: str,
    path: str,
    min_role: str = "viewer",
    order: int = 100,
    shown_if: Callable[[Any], bool] | None = None,
) -> NavItem:
    """A checked navigation entry (a role Careloop knows, a path under the site)."""
    if min_role not in ROLE_RANK:
        raise ValueError(
            f"nav entry {key!r}: min_role must be one of {', '.join(ROLE_RANK)} (got {min_role!r})"
        )
    if not path.startswith("/"):
        raise ValueError(f"nav entry {key!r}: path must start with '/' (got {path!r})")
    return NavItem(key, label_en, label_vi, path, min_role, order, shown_if)


def use_nav(items: tuple[NavItem, ...]) -> None:
    """The navigation from now on (bootstrap calls this with every manifest's entries)."""
    global _ITEMS
    _ITEMS = tuple(items)


def role_at_least(role: str, min_role: str) -> bool:
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[min_role]


def nav_items(role: str) -> list[NavItem]:
    """The entries `role` may see, in order."""
    items = [i for i in _ITEMS if role_at_least(role, i.min_role)]
    return sorted(items, key=lambda i: (i.order, i.key))
