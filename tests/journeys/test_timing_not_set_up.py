"""The journey page tells the owner which channels its steps ask for that the shop has not set
up, where those messages go instead, and links to the channel settings (decision 0031)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.journeys.loader import PLAYBOOKS, parse
from careloop.journeys.timing import message_steps
from careloop.journeys.timing_form import setup_hint
from tests.channels.helpers import configure
from tests.journeys.conftest import World
from tests.web.helpers import sign_in


def test_the_hint_names_asked_for_channels_not_set_up_and_the_stand_in() -> None:
    rows = message_steps(parse((PLAYBOOKS / "golden_hours.yaml").read_text(encoding="utf-8")))
    assert setup_hint({"email"}, rows) == {"missing": ["zalo", "sms"], "instead": ["email"]}
    assert setup_hint(set(), rows) == {"missing": ["zalo", "sms", "email"], "instead": []}
    assert setup_hint({"email", "sms", "zalo"}, rows) == {"missing": [], "instead": []}


def test_an_email_only_shop_reads_in_vietnamese_that_zalo_and_sms_go_by_email(
    app_client: TestClient, world: World, make_staff: Callable[..., str]
) -> None:
    world.install("golden_hours")
    configure(world.ctx, world.shop, "email", host="127.0.0.1", port=2525, from_address="a@b.vn")
    sign_in(app_client, world.ctx, make_staff(world.shop), world.shop, locale="vi")

    page = app_client.get("/journeys/golden_hours")

    assert 'data-testid="timing-not-set-up"' in page.text
    assert (
        "Cửa hàng chưa cài đặt Zalo, SMS: tin nhắn của các bước này sẽ chuyển sang gửi qua Email."
        in page.text
    )
    assert '<a href="/settings/channels" data-testid="timing-set-up-channels">Cài đặt kênh</a>' in (
        page.text
    )


def test_a_shop_with_nothing_set_up_is_told_the_messages_wait(
    app_client: TestClient, world: World, make_staff: Callable[..., str]
) -> None:
    world.install("golden_hours")
    sign_in(app_client, world.ctx, make_staff(world.shop), world.shop)

    page = app_client.get("/journeys/golden_hours")

    assert "Zalo, SMS, Email not set up for this shop: these steps&#39; messages wait" in page.text
