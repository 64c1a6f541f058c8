"""Timeline entries and ledger reasons that Careloop writes are shown in the reader's language
(issue 17 item 1): built at display time from the event's payload and catalogue keys, while a
staff member's own words and rows a renderer cannot read show as they were stored."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core import events
from careloop.core.timeline_text import rendered_text
from careloop.customers.models import Customer
from careloop.customers.service import set_consent
from careloop.loyalty.points import credit
from careloop.loyalty.reasons import reason_text
from careloop.loyalty.rewards import redeem_reward
from careloop.loyalty.service import enable_program
from careloop.shops.models import Shop
from careloop.support.tickets import open_ticket, resolve_ticket
from careloop.web.app import create_app
from tests.web.helpers import CSRF_RE, add_customer, sign_in
from tests.web.test_page_language import english_words


@pytest.fixture
def customer_with_history(ctx: AppContext, shop: Shop) -> Customer:
    """A customer with a ticket opened and resolved, birthday points, a reward bought with
    points and a consent change, each written by the service that writes it in production."""
    customer = add_customer(ctx, shop, "C-1", name="Lan")
    with ctx.sessions() as s, s.begin():
        live = s.merge(shop)
        enable_program(session=s, clock=ctx.clock, shop=live)
        ticket = open_ticket(
            session=s,
            clock=ctx.clock,
            shop=live,
            customer_id=customer.id,
            subject="Hàng bị vỡ",
            body="Chai bị nứt",
        )
        resolve_ticket(session=s, clock=ctx.clock, shop=live, ticket_id=ticket.id, notify=False)
        credit(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=customer.id,
            points=150,
            reason="happy birthday",
            idempotency_key="bday",
        )
        redeem_reward(
            session=s,
            clock=ctx.clock,
            shop=live,
            customer=s.merge(customer),
            reward_key="free_shipping",
            idempotency_key="r1",
        )
        set_consent(
            session=s,
            clock=ctx.clock,
            shop=live,
            customer=s.merge(customer),
            channel="email",
            state="denied",
            source="staff",
        )
    return customer


def _page(ctx: AppContext, shop: Shop, staff_email: str, locale: str, path: str) -> str:
    with TestClient(create_app(ctx)) as client:
        sign_in(client, ctx, staff_email, shop, locale=locale)
        response = client.get(path)
        assert response.status_code == 200
        return response.text


def test_a_vietnamese_reader_sees_the_timeline_careloop_wrote_in_vietnamese(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str], customer_with_history: Customer
) -> None:
    html = _page(ctx, shop, make_staff(shop), "vi", f"/customers/{customer_with_history.id}")

    assert "Phiếu hỗ trợ #1: Hàng bị vỡ" in html
    assert "Đã giải quyết phiếu hỗ trợ #1" in html
    assert "+150 · chúc mừng sinh nhật" in html
    assert "-150 · đổi quà: Miễn phí giao hàng" in html
    assert "miễn phí giao hàng · đổi quà: Miễn phí giao hàng" in html  # the coupon it gave
    assert "Email: chưa rõ → từ chối" in html
    assert "qua hệ thống" in html
    for english in ("Ticket #1", "happy birthday", "reward:", "free shipping", "via system"):
        assert english not in html


def test_an_english_reader_sees_the_same_timeline_in_english(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str], customer_with_history: Customer
) -> None:
    html = _page(ctx, shop, make_staff(shop), "en", f"/customers/{customer_with_history.id}")

    assert "Ticket #1: Hàng bị vỡ" in html
    assert "Ticket #1 resolved" in html
    assert "+150 · happy birthday" in html
    assert "-150 · reward: Free shipping" in html
    assert "Email: unknown → opted out" in html
    assert "via system" in html


def test_the_points_ledger_names_kinds_reasons_and_actors_in_the_readers_language(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str], customer_with_history: Customer
) -> None:
    path = f"/loyalty/members/{customer_with_history.id}"
    vi = _page(ctx, shop, make_staff(shop), "vi", path)
    en = _page(ctx, shop, make_staff(shop, email="en@acme.test"), "en", path)

    assert "<td>thưởng</td>" in vi and "<td>chúc mừng sinh nhật</td>" in vi
    assert "<td>đổi điểm</td>" in vi and "<td>hệ thống</td>" in vi
    assert "<td>bonus</td>" in en and "<td>happy birthday</td>" in en
    assert "<td>reward: Free shipping</td>" in en


@pytest.mark.parametrize(
    ("stored", "vietnamese"),
    [
        ("order #DH-1", "đơn hàng #DH-1"),
        ("order #DH-1 returned", "đơn hàng #DH-1 bị trả lại"),
        ("points expired", "điểm hết hạn"),
        ("2 year(s) since your first order", "2 năm kể từ đơn hàng đầu tiên"),
        ("for your order no. 3", "cho đơn hàng thứ 3"),
        ("reward: Free shipping", "đổi quà: Miễn phí giao hàng"),
        ("happy birthday (by owner@shop.vn)", "chúc mừng sinh nhật (bởi owner@shop.vn)"),
        ("khách quen, tặng thêm", "khách quen, tặng thêm"),  # typed by staff: as typed
    ],
)
def test_reasons_careloop_writes_read_in_vietnamese_and_typed_ones_as_typed(
    stored: str, vietnamese: str
) -> None:
    assert reason_text(stored, "vi") == vietnamese
    assert reason_text(stored, "en") == stored


def test_an_older_row_the_renderer_cannot_read_keeps_its_stored_summary() -> None:
    # A ticket event written before its payload carried the ticket id.
    assert rendered_text(events.TICKET_OPENED, "Ticket #9: Hỏi size", {}, "vi") is None
    assert rendered_text("something.unknown", "as stored", {}, "vi") is None


def test_the_personal_data_export_page_reads_in_vietnamese_and_its_json_keeps_the_data(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str], customer_with_history: Customer
) -> None:
    email = make_staff(shop)
    html = _page(ctx, shop, email, "vi", f"/customers/{customer_with_history.id}/export.html")
    with TestClient(create_app(ctx)) as client:
        sign_in(client, ctx, email, shop, locale="vi")
        data = client.get(f"/customers/{customer_with_history.id}/export.json").json()

    assert english_words(html) == []
    assert "<th>mã phiếu hỗ trợ</th>" in html and "<th>mức ưu tiên</th>" in html
    assert "<td>Đã giải quyết</td>" in html  # the ticket's status
    assert "<td>chúc mừng sinh nhật</td>" in html  # the points reason
    assert "<td>không</td>" in html  # a flag
    assert "<td>02/11/2026 10:00</td>" in html  # a moment, in the shop's time zone
    assert "+00:00</td>" not in html
    assert "Hỏi thăm: cách xử lý phiếu hỗ trợ #1 đã ổn chưa? (Hàng bị vỡ)" in html
    assert "happy birthday" in [p["reason"] for p in data["points"]]  # the data as stored
    assert data["tickets"][0]["status"] == "resolved"


@pytest.mark.parametrize(
    ("points", "reason", "vietnamese"),
    [
        ("abc", "quà", "nhập số nguyên, ví dụ 200 hoặc -50"),
        ("200", " ", "điều chỉnh thủ công cần có lý do"),
        ("-99999", "trừ điểm", "số dư điểm sẽ bị âm"),
    ],
)
def test_a_refused_points_adjustment_is_explained_in_vietnamese_and_changes_nothing(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    customer_with_history: Customer,
    points: str,
    reason: str,
    vietnamese: str,
) -> None:
    path = f"/loyalty/members/{customer_with_history.id}"
    with TestClient(create_app(ctx)) as client:
        sign_in(client, ctx, make_staff(shop), shop, locale="vi")
        before = client.get(path).text
        refused = client.post(
            f"{path}/adjust",
            data={
                "points": points,
                "reason": reason,
                "key": "k1",
                "csrf_token": csrf_from_text(before),
            },
        )
        after = client.get(path).text

    assert refused.status_code == 422
    assert vietnamese in refused.text
    assert after.count("<tr>") == before.count("<tr>")  # no ledger row added


def csrf_from_text(page: str) -> str:
    match = CSRF_RE.search(page)
    assert match is not None
    return match.group(1)
