from __future__ import annotations

from careloop.feedback import rules
from careloop.feedback.themes import Feedback, fold, group, themes_of, top_complaints


def test_happy_and_unhappy_follow_the_seed_defaults() -> None:
    assert rules.is_happy("nps", 9) and not rules.is_happy("nps", 8)
    assert rules.is_happy("csat", 4) and not rules.is_happy("csat", 3)
    assert rules.is_unhappy("nps", 6) and not rules.is_unhappy("nps", 7)
    assert rules.is_unhappy("csat", 2) and not rules.is_unhappy("csat", 3)


def test_a_shop_can_set_its_own_happy_threshold() -> None:
    strict = rules.Thresholds.from_settings({"feedback": {"happy_csat": 5}})
    assert not rules.is_happy("csat", 4, strict)


def test_scores_outside_the_scale_are_refused_with_the_scale() -> None:
    assert rules.check_score("nps", 11) == "nps scores run from 0 to 10, got 11"
    assert rules.check_score("csat", 0) == "csat scores run from 1 to 5, got 0"
    assert "unknown survey kind" in (rules.check_score("stars", 3) or "")


def test_only_happy_customers_without_open_tickets_are_asked_for_a_review() -> None:
    assert rules.may_ask_for_review(last_kind="nps", last_score=10, open_tickets=0).allowed
    assert not rules.may_ask_for_review(last_kind="nps", last_score=10, open_tickets=1).allowed
    assert not rules.may_ask_for_review(last_kind="csat", last_score=3, open_tickets=0).allowed
    assert not rules.may_ask_for_review(last_kind=None, last_score=None, open_tickets=0).allowed


def test_a_positive_reply_quotes_what_the_customer_wrote() -> None:
    reply = rules.reply_suggestion(
        rating=5, text="Cà phê rất thơm. Giao nhanh.", name="Lan", shop="Mộc", locale="vi"
    )
    assert reply.startswith("Cảm ơn Lan")
    assert '"Cà phê rất thơm"' in reply


def test_a_negative_reply_apologises_and_takes_it_private() -> None:
    reply = rules.reply_suggestion(rating=1, text="Broken", name="", shop="Moc", locale="en")
    assert reply.startswith("Hi there, we're so sorry")
    assert "order number" in reply


def test_folding_removes_vietnamese_diacritics() -> None:
    assert fold("Giao hàng CHẬM, đợi lâu") == "giao hang cham, doi lau"


def test_themes_match_vietnamese_with_or_without_diacritics_and_english() -> None:
    assert [r.key for r, _ in themes_of("Giao hàng chậm quá")] == ["late_delivery"]
    assert [r.key for r, _ in themes_of("giao hang cham qua")] == ["late_delivery"]
    assert [r.key for r, _ in themes_of("The kettle arrived broken")] == ["damaged"]
    assert themes_of("Tốt nhất trong các shop, trả lời nhanh") == []


def test_themes_list_their_matching_texts_most_frequent_first() -> None:
    items = [
        Feedback("review", "r1", "Hàng bị vỡ khi nhận", "2026-09"),
        Feedback("comment", "c1", "Ấm đun bị hỏng sau 2 ngày", "2026-10"),
        Feedback("ticket", "t1", "Still waiting, never arrived", "2026-10"),
        Feedback("review", "r2", "Cà phê rất ngon, giao nhanh", "2026-10"),
    ]
    themes = group(items)
    assert [t.rule.key for t in themes][:1] == ["damaged"]
    damaged = themes[0]
    assert [(i.ref, phrase) for i, phrase in damaged.matches] == [
        ("r1", "bi vo"),
        ("c1", "bi hong"),
    ]
    assert damaged.by_month() == {"2026-09": 1, "2026-10": 1}
    assert [t.rule.key for t in top_complaints(items)] == ["damaged", "late_delivery"]
