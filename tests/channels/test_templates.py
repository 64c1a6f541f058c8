from __future__ import annotations

import re
from pathlib import Path

from careloop.channels.service import validate_template
from careloop.channels.templates import TEMPLATES_DIR, shipped_template_keys
from careloop.context import AppContext
from careloop.shops.models import Shop

JOURNEY_TEMPLATES = Path(TEMPLATES_DIR).parent / "journeys" / "TEMPLATES.md"


def test_every_template_the_journeys_use_ships_in_vietnamese_and_english(
    ctx: AppContext, shop: Shop
) -> None:
    listed = set(re.findall(r"^\| ([a-z_]+\.[a-z_]+) \|", JOURNEY_TEMPLATES.read_text(), re.M))
    assert listed and listed <= set(shipped_template_keys())
    with ctx.sessions() as s:
        for key in sorted(listed):
            problems = validate_template(
                session=s,
                shop=shop,
                template_key=key,
                channels=["email", "sms", "zalo", "webhook", "task"],
                locales=["vi", "en"],
            )
            assert problems == [], key
