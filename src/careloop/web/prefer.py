"""The HTTP `Prefer` request header (RFC 7240): only what Careloop honours.

Grammar (RFC 7240 section 2): `Prefer = 1#preference`, `preference = token [ BWS "=" BWS
word ] *( OWS ";" [ OWS parameter ] )`; preference names are case-insensitive, and several
may come in one header, comma-separated. `respond-async` (section 4.1) asks the server to
answer 202 Accepted rather than wait for the work; the server says it did with
`Preference-Applied: respond-async` (section 3)."""

from __future__ import annotations

RESPOND_ASYNC = "respond-async"


def preference_names(header: str | None) -> set[str]:
    """The lower-cased names of the preferences in a Prefer header (values ignored)."""
    names = set()
    for preference in (header or "").split(","):
        name = preference.split(";", 1)[0].split("=", 1)[0].strip().lower()
        if name:
            names.add(name)
    return names


def prefers_async(header: str | None) -> bool:
    return RESPOND_ASYNC in preference_names(header)
