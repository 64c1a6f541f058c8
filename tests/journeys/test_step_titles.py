"""Every journey step reads as words in the staff's language on the journey page, from the
step's own definition when the catalogue has no name for it (issue 17, item 1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.journeys.loader import parse
from careloop.journeys.service import save_journey
from careloop.journeys.step_labels import step_title
from careloop.shops.models import Shop
from tests.web.helpers import sign_in

OWN_JOURNEY = """\
key: cham_soc_rieng
name: Chăm sóc riêng
trigger:
  event: order.delivered
steps:
  - id: gui_cam_on
    send:
      channels: [zalo]
      template: golden_hours.thank_you
      kind: transactional
  - id: doi_ba_ngay
    wait: {until_day: 3, at: "09:00"}
  - id: nghi_mot_chut
    wait: {duration: 24h}
  - id: tang_ma
    issue_coupon: {percent_off: 10, valid_days: 30}
  - id: cong_diem
    add_points: {points: 50}
  - id: gan_the
    add_tag: {tag: vip}
  - id: ket_thuc
    exit: {}
"""


@pytest.mark.parametrize(
    ("step_id", "locale", "title"),
    [
        ("gui_cam_on", "vi", "Gửi Zalo: Lời cảm ơn"),
        ("gui_cam_on", "en", "Send Zalo: Thank you"),
        ("doi_ba_ngay", "vi", "Chờ đến ngày 3 lúc 09:00"),
        ("doi_ba_ngay", "en", "Wait until day 3 at 09:00"),
        ("nghi_mot_chut", "vi", "Chờ 24 giờ"),
        ("tang_ma", "vi", "Tặng mã giảm 10%"),
        ("cong_diem", "en", "Add 50 points"),
        ("gan_the", "vi", "Gắn thẻ khách: vip"),
        ("ket_thuc", "vi", "Kết thúc"),
    ],
)
def test_a_step_the_catalogue_does_not_name_is_described_from_its_definition(
    step_id: str, locale: str, title: str
) -> None:
    steps = {s.id: s for s in parse(OWN_JOURNEY, source="own.yaml").steps}
    assert step_title(steps[step_id], locale) == title


def test_the_journey_page_names_the_shops_own_steps_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    with ctx.sessions() as s, s.begin():
        save_journey(
            session=s, clock=ctx.clock, shop=s.merge(shop), text=OWN_JOURNEY, source_name="own"
        )
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/journeys/cham_soc_rieng")
    assert page.status_code == 200
    assert "Chờ đến ngày 3 lúc 09:00 <code" in page.text
    assert "Gửi Zalo: Lời cảm ơn <code" in page.text
    # the raw id stays only as small muted code beside the words
    assert '<code class="muted small">doi_ba_ngay</code>' in page.text
    assert ">doi_ba_ngay<" not in page.text.replace('<code class="muted small">doi_ba_ngay<', "")
