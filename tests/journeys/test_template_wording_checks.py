"""A journey that would send the shop's own wording of a template is checked against
channels/template_checks.py when it is loaded, from the staff editor and from
`careloop journeys load` (issue 17 item 3): a wording with an unknown variable or template
syntax a customer would read is refused, naming the step, the channel, the field and the
variable, and nothing is stored. Template syntax: Jinja "Template Designer Documentation",
sections "Variables" and "Escaping" (https://jinja.palletsprojects.com/en/3.1.x/templates/)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.channels.models import MessageTemplate
from careloop.context import AppContext
from careloop.journeys.models import Journey
from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.web.helpers import csrf_from, sign_in

KEY = "golden_hours.usage_guide"


def _journey(channels: str) -> str:
    return (
        "key: guide\nname: Guide\ntrigger:\n  event: order.delivered\nsteps:\n"
        f"  - id: guide\n    send: {{channels: {channels}, template: {KEY}}}\n"
    )


def _old_wording(ctx: AppContext, shop: Shop, text: str) -> None:
    """A wording saved before the editor checked templates (or written by an import)."""
    with ctx.sessions() as s, s.begin():
        s.add(
            MessageTemplate(
                shop_id=shop.id,
                template_key=KEY,
                channel="sms",
                locale="vi",
                body_text=text,
                updated_at=ctx.clock.now(),
            )
        )


def _journeys(ctx: AppContext) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Journey)) or 0)


def test_the_editor_refuses_a_journey_sending_a_wording_with_an_unknown_variable_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _old_wording(ctx, shop, "Chao {{ cusomer.first_name }}, xem huong dan")
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    token = csrf_from(app_client.get("/journeys/new"))
    form = {"text": _journey("[sms]"), "csrf_token": token}
    check = app_client.post("/journeys/validate", data=form)
    saved = app_client.post("/journeys", data=form)
    expected = (
        f"nội dung riêng của cửa hàng cho mẫu {KEY} (sms, vi) không gửi được: "
        "Nội dung: biến không tồn tại: cusomer"
    )
    for page in (check, saved):
        assert expected in page.text
        assert "steps[0].send.template" in page.text
    assert saved.status_code == 422
    assert _journeys(ctx) == 0


def test_a_journey_that_does_not_send_the_broken_wordings_channel_is_saved(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _old_wording(ctx, shop, "Chao {{ cusomer.first_name }}")
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    token = csrf_from(app_client.get("/journeys/new"))
    saved = app_client.post("/journeys", data={"text": _journey("[email]"), "csrf_token": token})
    assert saved.status_code == 200 and _journeys(ctx) == 1


def test_journeys_load_refuses_a_wording_that_would_show_template_syntax_and_loads_nothing(
    ctx: AppContext, shop: Shop, db_url: str, tmp_path: Path
) -> None:
    _old_wording(ctx, shop, "Ma {{ '{{' }} coupon.code }} cho ban")
    journey = tmp_path / "guide.yaml"
    journey.write_text(_journey("preferred"), encoding="utf-8")
    result = careloop(db_url, "journeys", "load", "--shop", "acme", str(journey))
    assert result.returncode == 1
    assert (
        f"{journey}:7: steps[0].send.template: the shop's own wording of {KEY} (sms, vi) "
        "cannot be sent: Text: the text that would be sent still contains {{"
    ) in result.stderr
    assert "nothing was loaded" in result.stderr
    assert _journeys(ctx) == 0
