"""The recovery playbooks are shipped texts: staff read their titles, steps, what to do and the
compensation names in their own language (catalogue keys read at display time), while the API
and CLI keep the English of `careloop.support.playbooks`, which the catalogue's English equals."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core.catalogue import has_message, t
from careloop.shops.models import Shop
from careloop.support.playbooks import (
    COMPENSATIONS,
    PLAYBOOKS,
    STEPS,
    checklist,
    compensation_label,
    playbook_title,
    step_label,
)
from tests.support.test_ui import open_a_ticket
from tests.web.helpers import sign_in


def _section(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"')[1].split("</section>")[0]


def test_every_shipped_playbook_text_is_in_the_catalogue_in_english_and_vietnamese() -> None:
    for problem_type, playbook in PLAYBOOKS.items():
        assert playbook_title(problem_type, "en") == playbook.title
        vi_title = playbook_title(problem_type, "vi")
        assert vi_title and vi_title != playbook.title, problem_type
        english = checklist(problem_type, {}, "en")
        vietnamese = checklist(problem_type, {}, "vi")
        assert [todo for _, todo, _ in english] == [playbook.steps[s] for s in STEPS]
        for (step, en, _), (_, vi, _) in zip(english, vietnamese, strict=True):
            assert vi and vi != en, (problem_type, step)
    for step in STEPS:
        assert has_message(f"playbook.step.{step}", "vi")
        assert step_label(step, "vi") != step_label(step, "en")
    for kind in COMPENSATIONS:
        assert compensation_label(kind, "vi") != compensation_label(kind, "en")
    assert playbook_title("other", "vi") == t("playbook.other.title", "vi") == "Câu hỏi chung"


def test_a_vietnamese_agent_reads_the_damaged_item_playbook_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = open_a_ticket(ctx, shop)  # "Hàng bị vỡ khi nhận": damaged or defective
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get(f"/tickets/{ticket_id}")
    playbook = _section(page.text, "playbook")
    assert "Sản phẩm bị hỏng hoặc lỗi" in playbook
    assert "Ghi nhận</button>" in playbook and "Bù đắp</button>" in playbook
    assert "Gửi hỏa tốc hàng thay thế ngay hôm nay" in playbook
    assert "Product damaged" not in playbook and "acknowledge</button>" not in playbook
    compensation = _section(page.text, "compensation")
    assert '<option value="express_replacement">gửi hỏa tốc hàng thay thế</option>' in (
        compensation
    )
    assert '<option value="refund">hoàn tiền</option>' in compensation


def test_an_english_agent_and_the_api_keep_the_english_playbook(
    app_client: TestClient,
    api: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    ticket_id = open_a_ticket(ctx, shop)
    answer = api.get(f"/api/v1/tickets/{ticket_id}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["playbook"]["title"] == "Product damaged or defective"
    sign_in(app_client, ctx, make_staff(shop), shop, locale="en")
    playbook = _section(app_client.get(f"/tickets/{ticket_id}").text, "playbook")
    assert "Product damaged or defective" in playbook and "Acknowledge</button>" in playbook
