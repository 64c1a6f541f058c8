"""A review or ticket is classified by problem type from its text, in Vietnamese (with and
without diacritics) and English, so the matching recovery playbook opens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from careloop.context import AppContext
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.feedback.schemas import ReviewIn
from careloop.feedback.service import record_review
from careloop.shops.models import Shop
from careloop.support.classifier import classify
from careloop.support.feedback_watch import scan_feedback
from careloop.support.models import Ticket
from careloop.support.playbooks import PLAYBOOKS, playbook_for, suggested_reply
from careloop.support.sla import ProblemType

P = ProblemType


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bị vỡ", P.DAMAGED_DEFECTIVE),
        ("bi vo roi", P.DAMAGED_DEFECTIVE),
        ("Cốc bị vỡ khi nhận hàng", P.DAMAGED_DEFECTIVE),
        ("Hộp bị móp méo", P.DAMAGED_DEFECTIVE),
        ("hop bi mop", P.DAMAGED_DEFECTIVE),
        ("máy không hoạt động", P.DAMAGED_DEFECTIVE),
        ("The mug arrived broken", P.DAMAGED_DEFECTIVE),
        ("box was dented and the lid cracked", P.DAMAGED_DEFECTIVE),
        ("Giao chậm quá, 10 ngày mới tới", P.LATE_DELIVERY),
        ("giao cham qua", P.LATE_DELIVERY),
        ("The delivery was late by a week", P.LATE_DELIVERY),
        ("Shipping delayed again", P.LATE_DELIVERY),
        ("Shop giao nhầm màu", P.WRONG_ITEM),
        ("giao nham mau", P.WRONG_ITEM),
        ("gửi sai size rồi", P.WRONG_ITEM),
        ("You sent the wrong item", P.WRONG_ITEM),
        ("Thiếu nắp bình", P.MISSING_PART),
        ("thieu phu kien", P.MISSING_PART),
        ("The filter cartridge was missing from the box", P.MISSING_PART),
        ("Chất lượng kém, dùng 2 lần đã phai màu", P.POOR_QUALITY),
        ("chat luong kem", P.POOR_QUALITY),
        ("Feels flimsy, poor quality for the price", P.POOR_QUALITY),
        ("Nhân viên thái độ không tốt", P.RUDE_STAFF),
        ("nhan vien thai do", P.RUDE_STAFF),
        ("thiếu tôn trọng khách hàng", P.RUDE_STAFF),
        ("The staff on the phone was rude", P.RUDE_STAFF),
        ("Chưa nhận được hàng", P.NOT_ARRIVED),
        ("My parcel never arrived", P.NOT_ARRIVED),
        ("Dịch vụ quá tệ, tôi rất bực mình", P.ANGRY),
        ("Hướng dẫn cách dùng máy xay", P.HOW_TO_USE),
        ("Tôi muốn hoàn tiền", P.NOT_SATISFIED),
        ("Thất vọng", P.NOT_SATISFIED),
        ("Cho mình hỏi giờ mở cửa", P.OTHER),
        ("", P.OTHER),
    ],
)
def test_a_message_is_classified_by_the_problem_it_names(text: str, expected: ProblemType) -> None:
    assert classify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Short syllables only as whole words: "không" is not "hỏng", "bé" is not "bể".
        ("Không có gì, cảm ơn", P.OTHER),
        ("Áo cho bé rất đẹp", P.OTHER),
        ("chocolate", P.OTHER),  # "late" inside a word is not lateness
    ],
)
def test_short_keywords_do_not_match_inside_other_words(text: str, expected: ProblemType) -> None:
    assert classify(text) == expected


def test_every_problem_type_has_its_own_playbook_with_vietnamese_and_english_replies() -> None:
    for problem in ProblemType:
        book = playbook_for(problem.value)
        assert book is PLAYBOOKS[problem]
        assert set(book.replies) == {"vi", "en"}
        assert book.steps.keys() >= {"acknowledge", "apologise", "fix", "compensate", "follow_up"}
    reply = suggested_reply("wrong_item", locale="vi", name="Lan", shop="Acme", order="#1001")
    assert "giao nhầm" in reply and "#1001" in reply


def test_a_one_star_review_saying_bi_vo_opens_the_damaged_item_playbook(
    ctx: AppContext, shop: Shop
) -> None:
    with ctx.sessions() as s, s.begin():
        attached = s.merge(shop)
        upsert_customer(
            session=s,
            clock=ctx.clock,
            shop=attached,
            data=CustomerIn(customer_id="C-9", name="Lan", phone="0912345600"),
        )
        record_review(
            session=s,
            clock=ctx.clock,
            shop=attached,
            data=ReviewIn(
                review_id="shopee-77",
                customer_id="C-9",
                platform="shopee",
                rating=1,
                text="Bình trà bị vỡ",
                posted_at=ctx.clock.now(),
            ),
            source="test",
        )
    with ctx.sessions() as s, s.begin():
        scan_feedback(session=s, clock=ctx.clock)
    with ctx.sessions() as s:
        ticket = s.scalars(select(Ticket)).one()
    assert ticket.problem_type == "damaged_defective"
    assert playbook_for(ticket.problem_type).title == "Product damaged or defective"
    assert ticket.source == "review"
