"""Signed links in messages: preference centre, unsubscribe, survey, reorder, loyalty page,
open pixel and click redirects.

Templates are rendered at enqueue, when the message has no id yet and the signing key is
not at hand; so a template's `{{ links.survey }}` renders to a fixed marker
(`__careloop_link_survey__`) that survives HTML escaping, and the dispatcher replaces each
marker by a link signed with ctx.secret_key for this message just before sending.
"""

from __future__ import annotations

import re
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

LINK_KINDS = ("preferences", "unsubscribe", "survey", "reorder", "loyalty", "review")
_MARKER = "__careloop_link_{}__"
_MARKER_RE = re.compile(r"__careloop_link_([a-z]+)__")
# Public paths (outside /api/v1); feedback and loyalty own /survey and /loyalty pages.
PATHS = {
    "preferences": "/c/prefs/{token}",
    "unsubscribe": "/c/unsub/{token}",
    "reorder": "/c/reorder/{token}",
    "review": "/c/review/{token}",
    "survey": "/survey/{token}",
    "loyalty": "/loyalty/{token}",
    "open": "/c/o/{token}.gif",
    "click": "/c/r/{token}",
}


class BadLink(Exception):
    """A link whose signature does not verify (tampered, or signed with another key)."""


def marker(kind: str) -> str:
    return _MARKER.format(kind)


def link_markers() -> dict[str, str]:
    """The `links` object of the template context."""
    return {kind: marker(kind) for kind in LINK_KINDS}


def _serializer(secret: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=f"careloop.{purpose}")


def sign(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    return str(_serializer(secret, purpose).dumps(payload))


def verify(secret: str, purpose: str, token: str) -> dict[str, Any]:
    try:
        loaded = _serializer(secret, purpose).loads(token)
    except BadSignature:
        raise BadLink(f"invalid {purpose} link") from None
    if not isinstance(loaded, dict):
        raise BadLink(f"invalid {purpose} link")
    return loaded


def url(base_url: str, secret: str, kind: str, payload: dict[str, Any]) -> str:
    token = sign(secret, kind, payload)
    return base_url.rstrip("/") + PATHS[kind].format(token=token)


def name_markers(text: str, name: Any) -> str:
    """Each link marker replaced by `name(kind)`: how a stored message's links read on a staff
    page (the signed link is made only when it is sent)."""
    return _MARKER_RE.sub(lambda match: str(name(match.group(1))), text)


def fill_markers(
    text: str, *, base_url: str, secret: str, payload: dict[str, Any], channel: str
) -> str:
    """Replace each link marker by a signed URL for this message."""

    def replace(match: re.Match[str]) -> str:
        kind = match.group(1)
        if kind not in PATHS:
            return match.group(0)
        return url(base_url, secret, kind, {**payload, "ch": channel})

    return _MARKER_RE.sub(replace, text)


_HREF_RE = re.compile(r'href="(https?://[^"]+)"')


def track_clicks(html: str, *, base_url: str, secret: str, message_id: int) -> str:
    """Route every http(s) link of an email through the signed click redirect."""
    own = base_url.rstrip("/") + "/c/"

    def replace(match: re.Match[str]) -> str:
        target = match.group(1).replace("&amp;", "&")
        if target.startswith(own):
            return match.group(0)  # our own pages (unsubscribe, preferences) stay direct
        return 'href="{}"'.format(url(base_url, secret, "click", {"m": message_id, "u": target}))

    return _HREF_RE.sub(replace, html)


def open_pixel(*, base_url: str, secret: str, message_id: int) -> str:
    src = url(base_url, secret, "open", {"m": message_id})
    return f'<img src="{src}" width="1" height="1" alt="" style="display:none">'


_URL_RE = re.compile(r"https?://[^\s<>\"']+")


def text_to_html(text: str) -> str:
    """A plain HTML version of a text-only email, links made clickable (so they are tracked)."""
    from html import escape

    paragraphs = []
    for block in text.split("\n\n"):
        escaped = escape(block).replace("\n", "<br>")
        escaped = _URL_RE.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append(f"<p>{escaped}</p>")
    return "<!doctype html><html><body>" + "".join(paragraphs) + "</body></html>"
