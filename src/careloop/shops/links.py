"""Where the links customers click lead: the shop's store URL and its review pages per
platform (Google, Facebook, Shopee, its own site). Shop settings (`store_url`,
`review_destinations`), read by the signed customer links (channels/web.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

REVIEW_PLATFORMS = ("google", "facebook", "shopee", "website")


def check_url(value: str) -> str | None:
    """Why `value` is not a link a customer can open, or None when it is (empty is fine)."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        return "a full web address starting with https://"
    if len(value) > 1000:
        return "at most 1000 characters"
    return None


def check_links(store_url: str, destinations: dict[str, str]) -> dict[str, str]:
    """field -> problem for each bad value ("store_url", "review_destinations.google"...)."""
    problems: dict[str, str] = {}
    if reason := check_url(store_url):
        problems["store_url"] = reason
    for platform, url in destinations.items():
        if platform not in REVIEW_PLATFORMS:
            problems[f"review_destinations.{platform}"] = f"one of {', '.join(REVIEW_PLATFORMS)}"
        elif reason := check_url(url):
            problems[f"review_destinations.{platform}"] = reason
    return problems


def store_url(settings: dict[str, Any]) -> str | None:
    value = str(settings.get("store_url") or "")
    return value or None


def review_destinations(settings: dict[str, Any]) -> dict[str, str]:
    found = settings.get("review_destinations")
    if not isinstance(found, dict):
        return {}
    return {p: str(found[p]) for p in REVIEW_PLATFORMS if found.get(p)}


def review_destination(settings: dict[str, Any], platform: str | None = None) -> str | None:
    """The review page for `platform`, else the shop's first one (in REVIEW_PLATFORMS
    order), else the review pages set in the feedback settings, else None."""
    pages = review_destinations(settings)
    feedback = settings.get("feedback")
    if isinstance(feedback, dict) and isinstance(feedback.get("review_urls"), dict):
        for name, url in feedback["review_urls"].items():
            pages.setdefault(str(name), str(url))
    if platform and pages.get(platform):
        return pages[platform]
    if pages:
        return next(iter(pages.values()))
    legacy = str(settings.get("review_url") or "")
    return legacy or None
