"""The seeds' feedback rules as pure functions: who is happy, who may be asked for a public
review, and what to reply to a review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

KINDS: Final = ("nps", "csat", "custom")
SCALES: Final = {"nps": (0, 10), "csat": (1, 5), "custom": (1, 5)}
# Defaults from the seeds; a shop changes them in settings["feedback"].
HAPPY_NPS: Final = 9
HAPPY_CSAT: Final = 4
UNHAPPY_NPS: Final = 6
UNHAPPY_CSAT: Final = 2
NEGATIVE_REVIEW_MAX: Final = 2
POSITIVE_REVIEW_MIN: Final = 4
PUBLIC_RESPONSE_WITHIN: Final = timedelta(hours=2)
SURVEY_LINK_VALID: Final = timedelta(days=30)


@dataclass(frozen=True)
class Thresholds:
    happy_nps: int = HAPPY_NPS
    happy_csat: int = HAPPY_CSAT
    unhappy_nps: int = UNHAPPY_NPS
    unhappy_csat: int = UNHAPPY_CSAT

    @classmethod
    def from_settings(cls, settings: dict[str, object]) -> Thresholds:
        feedback = settings.get("feedback")
        if not isinstance(feedback, dict):
            return cls()
        known = {k: int(v) for k, v in feedback.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def check_score(kind: str, score: int) -> str | None:
    """Why `score` is not a valid answer of `kind`, or None."""
    if kind not in SCALES:
        return f"unknown survey kind {kind!r} (one of {', '.join(KINDS)})"
    low, high = SCALES[kind]
    if not low <= score <= high:
        return f"{kind} scores run from {low} to {high}, got {score}"
    return None


def is_happy(kind: str, score: int, t: Thresholds = Thresholds()) -> bool:
    return score >= (t.happy_nps if kind == "nps" else t.happy_csat)


def is_unhappy(kind: str, score: int, t: Thresholds = Thresholds()) -> bool:
    return score <= (t.unhappy_nps if kind == "nps" else t.unhappy_csat)


def nps_group(score: int) -> str:
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


@dataclass(frozen=True)
class ReviewAsk:
    allowed: bool
    reason: str


def may_ask_for_review(
    *,
    last_kind: str | None,
    last_score: int | None,
    open_tickets: int,
    t: Thresholds = Thresholds(),
) -> ReviewAsk:
    """The seeds: ask happy customers for a public review, never one with an open problem."""
    if open_tickets:
        return ReviewAsk(False, f"{open_tickets} open ticket(s): ask how we can do better")
    if last_kind is None or last_score is None:
        return ReviewAsk(False, "no survey answer yet: ask for feedback first")
    if not is_happy(last_kind, last_score, t):
        return ReviewAsk(False, f"last answer {last_kind} {last_score} is not happy")
    return ReviewAsk(True, f"last answer {last_kind} {last_score} is happy")


REPLY_TEMPLATES: Final = {
    ("negative", "vi"): (
        "Chào {name}, chúng tôi rất tiếc vì trải nghiệm vừa rồi của anh/chị. 😔\n"
        "Đây không phải là chuẩn mực mà {shop} đặt ra.\n"
        "Chúng tôi muốn sửa sai ngay: anh/chị vui lòng nhắn tin riêng cho shop kèm mã đơn hàng,\n"
        "shop sẽ trực tiếp kiểm tra và xử lý ngay lập tức.\n{shop}"
    ),
    ("negative", "en"): (
        "Hi {name}, we're so sorry to hear you had this experience. 😔\n"
        "This isn't the standard {shop} sets for itself.\n"
        "We'd love to make this right: could you message us privately with your order number?\n"
        "We'll personally look into it and fix it right away.\n{shop}"
    ),
    ("positive", "vi"): (
        "Cảm ơn {name} rất nhiều vì đánh giá tuyệt vời! 🙏\n"
        "Shop rất vui khi {detail}.\n"
        "Lần tới ghé shop nhớ dùng ưu đãi dành riêng cho khách thân thiết nhé!\n{shop}"
    ),
    ("positive", "en"): (
        "Thank you so much for the kind review, {name}! 🙏\n"
        "We're so glad {detail}.\n"
        "You're always welcome here, and don't forget your loyal customer discount next time!\n"
        "{shop}"
    ),
}


def reply_suggestion(*, rating: int, text: str, name: str, shop: str, locale: str) -> str:
    """A first draft of the public reply, from the seeds' examples; positive replies quote
    what the customer wrote, so the thanks is specific."""
    tone = "negative" if rating <= NEGATIVE_REVIEW_MAX else "positive"
    lang = "vi" if locale.startswith("vi") else "en"
    fallback_name = "bạn" if lang == "vi" else "there"
    return REPLY_TEMPLATES[(tone, lang)].format(
        name=name or fallback_name, shop=shop, detail=_detail(text, lang)
    )


def _detail(text: str, lang: str) -> str:
    snippet = text.strip().split(".")[0].strip()
    if len(snippet) > 80:
        snippet = snippet[:77].rsplit(" ", 1)[0] + "..."
    if not snippet:
        return "sản phẩm làm anh/chị hài lòng" if lang == "vi" else "you enjoyed your order"
    return f'anh/chị thấy "{snippet}"' if lang == "vi" else f'you found "{snippet}"'
