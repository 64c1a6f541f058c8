"""The ticket page's playbook and the task list speak the reader's language (issue 17 item 1):
playbook titles, steps and compensation kinds, and the tasks the support desk writes, come
from the catalogue; a task a person wrote reads as written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core.catalogue import has_message
from careloop.shops.models import Shop
from careloop.support import task_text as lines
from careloop.support.playbook_text import playbook_text
from careloop.support.playbooks import PLAYBOOKS
from careloop.support.task_text import task_text
from careloop.support.tickets import open_ticket, resolve_ticket
from careloop.web.app import create_app
from tests.web.helpers import add_customer, sign_in


@pytest.fixture
def resolved_ticket(ctx: AppContext, shop: Shop) -> int:
    """A delivery complaint resolved by the desk, which schedules its follow-up task."""
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    with ctx.sessions() as s, s.begin():
        live = s.merge(shop)
        ticket = open_ticket(
            session=s,
            clock=ctx.clock,
            shop=live,
            customer_id=customer.id,
            subject="Chưa nhận được hàng",
            body="Đã 5 ngày rồi",
            problem_type="not_arrived",
        )
        resolve_ticket(session=s, clock=ctx.clock, shop=live, ticket_id=ticket.id, notify=False)
        return ticket.id


def _page(ctx: AppContext, shop: Shop, email: str, locale: str, path: str) -> str:
    with TestClient(create_app(ctx)) as client:
        sign_in(client, ctx, email, shop, locale=locale)
        response = client.get(path)
        assert response.status_code == 200
        return response.text


def test_the_follow_up_task_reads_in_vietnamese_and_in_english(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str], resolved_ticket: int
) -> None:
    vi = _page(ctx, shop, make_staff(shop), "vi", "/tasks")
    en = _page(ctx, shop, make_staff(shop, email="en@acme.test"), "en", "/tasks")

    title = f"phiếu hỗ trợ #{resolved_ticket} đã ổn chưa? (Chưa nhận được hàng)"
    assert title in vi
    assert "Theo dõi: kiểm tra cách xử lý đã hiệu quả và khách hàng hài lòng." in vi
    assert "hỏi thăm lại" in vi  # the task's kind
    assert "Check in" not in vi and "follow_up" not in vi
    assert f"Check in: did the fix for ticket #{resolved_ticket} work?" in en
    assert "follow-up" in en


def test_the_ticket_page_shows_the_playbook_in_vietnamese(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str], resolved_ticket: int
) -> None:
    vi = _page(ctx, shop, make_staff(shop), "vi", f"/tickets/{resolved_ticket}")

    assert "Chưa nhận được hàng" in vi  # the playbook's title for not_arrived
    assert "Làm việc ngay với đơn vị vận chuyển" in vi
    assert "☐ Ghi nhận" in vi and "☐ Bù đắp" in vi
    assert '<option value="express_replacement">gửi hỏa tốc hàng thay thế</option>' in vi
    assert f"Đã giải quyết phiếu hỗ trợ #{resolved_ticket}" in vi  # the customer's recent events
    for english in ("Product didn't arrive", "Investigate with the courier", "☐ acknowledge"):
        assert english not in vi


def test_the_catalogues_english_playbook_is_the_playbooks_own_text_and_vietnamese_is_complete() -> (
    None
):
    for kind, playbook in PLAYBOOKS.items():
        english = playbook_text(kind.value, "en")
        vietnamese = playbook_text(kind.value, "vi")
        assert has_message(f"playbook.{kind.value}.title", "en")
        assert english.title == playbook.title
        assert english.todo == playbook.steps
        assert vietnamese.title != playbook.title
        assert all(vietnamese.todo[step] != text for step, text in playbook.steps.items())


@pytest.mark.parametrize(
    ("stored", "vietnamese"),
    [
        (
            lines.FOLLOW_UP_TITLE.format(id=7, subject="Hỏi (gấp)"),
            "Hỏi thăm: cách xử lý phiếu hỗ trợ #7 đã ổn chưa? (Hỏi (gấp))",
        ),
        (
            lines.LOW_CSAT_TITLE.format(score=2, id=7, subject="Vỡ"),
            "Gọi điện: CSAT 2/5 sau phiếu hỗ trợ #7 (Vỡ)",
        ),
        (
            lines.SLA_WARNING_TITLE.format(id=7, clock="first response"),
            "Cảnh báo SLA: phiếu hỗ trợ #7 sắp đến hạn phản hồi đầu tiên",
        ),
        (
            lines.SLA_BREACHED_TITLE.format(id=7, clock="resolution"),
            "Trễ SLA: phiếu hỗ trợ #7 đã trễ hạn giải quyết",
        ),
        ("Gọi chị Lan hỏi size", "Gọi chị Lan hỏi size"),  # a person's own words
    ],
)
def test_task_lines_the_desk_writes_read_in_vietnamese_and_english_as_stored(
    stored: str, vietnamese: str
) -> None:
    assert task_text(stored, "vi") == vietnamese
    assert task_text(stored, "en") == stored
