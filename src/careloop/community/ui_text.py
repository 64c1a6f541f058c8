"""The community pages' strings in English and Vietnamese (keys `community.*`), and the
Vietnamese labels of the community's timeline events."""

from __future__ import annotations
