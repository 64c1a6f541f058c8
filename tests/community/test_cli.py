from __future__ import annotations

import json

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.cli_runner import careloop

from .factories import make_customer


def test_campaign_preview_and_send_from_the_command_line(
    ctx: AppContext, db_url: str, shop: Shop
) -> None:
    make_customer(ctx, shop, "A")
    make_customer(ctx, shop, "B", segment="lost")
    out = careloop(
        db_url,
        "campaign",
        "preview",
        "--shop",
        "acme",
        "--segment",
        "champions",
        "--subject",
        "Tips",
        "--body",
        "How to brew",
    )
    assert out.returncode == 0, out.stderr
    preview = json.loads(out.stdout)
    # The CLI runs on the real clock: at night the one reachable customer is deferred.
    assert preview["audience"] == 1
    assert preview["send"] + preview["deferred_total"] == 1
    assert preview["suppressed_total"] == 0
    sent = careloop(
        db_url, "campaign", "send", "--shop", "acme", "--id", str(preview["campaign_id"])
    )
    assert sent.returncode == 0, sent.stderr
    listed = careloop(db_url, "campaign", "list", "--shop", "acme")
    assert "scheduled" in listed.stdout
    bad = careloop(db_url, "campaign", "preview", "--shop", "acme", "--segment", "whales")
    assert bad.returncode == 1 and "unknown segment 'whales'" in bad.stderr
