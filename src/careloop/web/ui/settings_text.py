"""The settings pages' tabs and strings (English and Vietnamese)."""

from __future__ import annotations

from typing import Final

# (tab key, path, minimum role to see it)
TABS: Final = (
    ("shop", "/settings", "viewer"),
    ("channels", "/settings/channels", "viewer"),
    ("policy", "/settings/policy", "viewer"),
    ("support", "/settings/support", "viewer"),
    ("staff", "/settings/staff", "owner"),
    ("keys", "/settings/api-keys", "owner"),
    ("connectors", "/settings/connectors", "viewer"),
)
