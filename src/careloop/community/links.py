"""Private signed links of community messages: an early-access invitation and an event RSVP.

Signed with the installation's key (itsdangerous, through careloop.channels.links), each for
one purpose, so a launch link cannot be replayed as an RSVP and a forged id fails to verify.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from careloop.channels.links import BadLink, sign, verify

LAUNCH = "community.launch"
RSVP = "community.rsvp"
PATHS = {LAUNCH: "/early/{token}", RSVP: "/rsvp/{token}"}

__all__ = ["LAUNCH", "RSVP", "BadLink", "LinkMaker", "read_token"]


@dataclass(frozen=True)
class LinkMaker:
    base_url: str
    secret: str

    def token(self, purpose: str, payload: dict[str, Any]) -> str:
        return sign(self.secret, purpose, payload)

    def url(self, purpose: str, payload: dict[str, Any]) -> str:
        return self.base_url.rstrip("/") + PATHS[purpose].format(token=self.token(purpose, payload))


def read_token(secret: str, purpose: str, token: str) -> dict[str, int]:
    """The ids in a signed link; BadLink if it was tampered with or is for something else."""
    loaded = verify(secret, purpose, token)
    try:
        return {key: int(value) for key, value in loaded.items()}
    except (TypeError, ValueError):
        raise BadLink(f"invalid {purpose} link") from None
