"""The seeds' service-recovery playbook, pure: per problem type the checklist (acknowledge,
apologise, fix, compensate, follow up), suggested replies (vi/en) and compensation options,
and a keyword triage that guesses the problem type from what the customer wrote."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from string import Template
from typing import Final

from careloop.support.sla import ProblemType

STEPS: Final = ("acknowledge", "apologise", "fix", "compensate", "follow_up")
COMPENSATIONS: Final = ("coupon", "express_replacement", "refund")


@dataclass(frozen=True)
class Playbook:
    problem_type: ProblemType
    title: str
    # What "fix" and "compensate" mean for this problem; the other steps are the same for all.
    steps: dict[str, str]
    compensations: tuple[str, ...]
    replies: dict[str, str]  # locale -> reply template ($name, $shop, $order)


_COMMON_STEPS: Final = {
    "acknowledge": "Show you have understood the issue, in the customer's own words.",
    "apologise": "Say sorry without excuses or blaming the courier or the maker.",
    "follow_up": "Check a few days later that the fix worked and the customer is happy.",
}

PLAYBOOKS: Final[dict[ProblemType, Playbook]] = {
    ProblemType.NOT_ARRIVED: Playbook(
        ProblemType.NOT_ARRIVED,
        "Product didn't arrive",
        {
            **_COMMON_STEPS,
            "fix": "Investigate with the courier now; resend or refund without waiting.",
            "compensate": "Apology plus a bonus: turn the frustration into delight.",
        },
        ("express_replacement", "refund", "coupon"),
        {
            "en": (
                "Hi $name, I'm so sorry your order $order hasn't reached you yet. I've contacted "
                "the courier and I'll update you within 24 hours; if it doesn't arrive, I'll send "
                "a replacement right away, no wait. - $shop"
            ),
            "vi": (
                "Chào $name, $shop rất xin lỗi vì đơn hàng $order vẫn chưa đến tay bạn. Chúng tôi "
                "đã liên hệ đơn vị vận chuyển và sẽ báo lại trong 24 giờ; nếu hàng không đến, "
                "chúng tôi gửi ngay đơn thay thế cho bạn."
            ),
        },
    ),
    ProblemType.DAMAGED_DEFECTIVE: Playbook(
        ProblemType.DAMAGED_DEFECTIVE,
        "Product damaged or defective",
        {
            **_COMMON_STEPS,
            "fix": "Express replacement today; no need to return the damaged one.",
            "compensate": "A small gift or a discount code for the next order.",
        },
        ("express_replacement", "coupon", "refund"),
        {
            "en": (
                "Oh no, $name, I'm so sorry your product arrived damaged! I'm sending an express "
                "replacement today (no need to return the damaged one) and I've added a discount "
                "code for your next order. - $shop"
            ),
            "vi": (
                "Chào $name, $shop thành thật xin lỗi vì sản phẩm đến tay bạn bị hư hỏng! Chúng "
                "tôi gửi hỏa tốc sản phẩm thay thế ngay hôm nay (bạn không cần gửi trả) và tặng "
                "bạn mã giảm giá cho lần mua sau."
            ),
        },
    ),
    ProblemType.HOW_TO_USE: Playbook(
        ProblemType.HOW_TO_USE,
        "Customer doesn't know how to use it",
        {
            **_COMMON_STEPS,
            "apologise": "Apologise that the guide was not clear enough.",
            "fix": "Patient guidance, tutorial resources, a 1-on-1 call if needed.",
            "compensate": "Usually none needed; a care tip or guide is the gift.",
        },
        (),
        {
            "en": (
                "Hi $name, thanks for asking! Here is how to get the best from it step by step; "
                "if anything is still unclear, I'm happy to call you and walk you through it. "
                "- $shop"
            ),
            "vi": (
                "Chào $name, cảm ơn bạn đã hỏi! $shop gửi bạn hướng dẫn sử dụng từng bước; nếu "
                "còn chỗ nào chưa rõ, chúng tôi sẵn sàng gọi điện hướng dẫn trực tiếp cho bạn."
            ),
        },
    ),
    ProblemType.NOT_SATISFIED: Playbook(
        ProblemType.NOT_SATISFIED,
        "Customer not satisfied",
        {
            **_COMMON_STEPS,
            "acknowledge": "Listen and understand what fell short before proposing anything.",
            "fix": "Offer a solution: refund, replacement or help.",
            "compensate": "Show you care more than about the money.",
        },
        ("refund", "express_replacement", "coupon"),
        {
            "en": (
                "Hi $name, I'm sorry it didn't meet your expectations. Could you tell me a bit "
                "more? I'd love to make it right: a refund, a replacement or help, whichever "
                "suits you best. - $shop"
            ),
            "vi": (
                "Chào $name, $shop rất tiếc vì sản phẩm chưa làm bạn hài lòng. Bạn chia sẻ thêm "
                "giúp chúng tôi nhé? Chúng tôi muốn khắc phục cho bạn: hoàn tiền, đổi sản phẩm "
                "hoặc hỗ trợ, tùy bạn chọn."
            ),
        },
    ),
    ProblemType.ANGRY: Playbook(
        ProblemType.ANGRY,
        "Customer angry or upset",
        {
            **_COMMON_STEPS,
            "acknowledge": "Empathise first; do not argue or delete anything public.",
            "fix": "Take it private (call or message) and solve the problem.",
            "compensate": "Compensate beyond expectations, then ask them to update any review.",
        },
        ("coupon", "express_replacement", "refund"),
        {
            "en": (
                "Hi $name, I'm so sorry to hear about this; this isn't the standard we set. I'd "
                "love to make it right personally: could I call you today? - $shop"
            ),
            "vi": (
                "Chào $name, $shop thành thật xin lỗi về trải nghiệm này, đây không phải tiêu "
                "chuẩn của chúng tôi. Chúng tôi muốn trực tiếp khắc phục cho bạn: hôm nay mình "
                "gọi điện cho bạn được không?"
            ),
        },
    ),
    ProblemType.OTHER: Playbook(
        ProblemType.OTHER,
        "General question",
        {
            **_COMMON_STEPS,
            "apologise": "Apologise for any wait or trouble.",
            "fix": "Answer the question or solve the request.",
            "compensate": "Only if the customer was inconvenienced.",
        },
        ("coupon",),
        {
            "en": "Hi $name, thanks for reaching out! - $shop",
            "vi": "Chào $name, cảm ơn bạn đã liên hệ $shop!",
        },
    ),
}


def playbook_for(problem_type: str) -> Playbook:
    return PLAYBOOKS.get(ProblemType(problem_type), PLAYBOOKS[ProblemType.OTHER])


def suggested_reply(
    problem_type: str, *, locale: str, name: str, shop: str, order: str = ""
) -> str:
    """The playbook's reply for the customer's language (vi or en; others get en)."""
    replies = playbook_for(problem_type).replies
    text = replies.get(locale[:2], replies["en"])
    return (
        Template(text).safe_substitute(name=name or "", shop=shop, order=order).replace("  ", " ")
    )


def checklist(problem_type: str, done: dict[str, object]) -> list[tuple[str, str, bool]]:
    """(step, what to do, done?) in the seeds' order."""
    steps = playbook_for(problem_type).steps
    return [(step, steps[step], step in done) for step in STEPS]


# --- Triage ------------------------------------------------------------------------------------

# Accent-folded keywords, first match wins: anger before the concrete problem, because an angry
# customer needs the 2-hour promise whatever the cause.
_KEYWORDS: Final[tuple[tuple[ProblemType, tuple[str, ...]], ...]] = (
    (
        ProblemType.ANGRY,
        (
            "lua dao",
            "qua te",
            "tuc gian",
            "buc minh",
            "that vong",
            "scam",
            "furious",
            "terrible",
            "disgusting",
            "angry",
            "worst",
            "unacceptable",
            "boc phot",
        ),
    ),
    (
        ProblemType.NOT_ARRIVED,
        (
            "chua nhan",
            "chua toi",
            "chua den",
            "khong nhan duoc",
            "chua giao",
            "not arrived",
            "didn't arrive",
            "did not arrive",
            "never arrived",
            "not received",
            "where is my order",
            "haven't received",
            "lost package",
        ),
    ),
    (
        ProblemType.DAMAGED_DEFECTIVE,
        (
            "hong",
            "vo",
            "bi loi",
            "nut",
            "moc",
            "damaged",
            "broken",
            "defective",
            "cracked",
            "doesn't work",
            "does not work",
            "faulty",
        ),
    ),
    (
        ProblemType.HOW_TO_USE,
        (
            "cach dung",
            "huong dan",
            "su dung the nao",
            "lam sao",
            "how to",
            "how do i",
            "instructions",
            "manual",
            "setup",
            "set up",
        ),
    ),
    (
        ProblemType.NOT_SATISFIED,
        (
            "khong hai long",
            "khong thich",
            "khong nhu",
            "tra hang",
            "hoan tien",
            "not satisfied",
            "disappointed",
            "refund",
            "return",
            "not as described",
            "don't like",
        ),
    ),
)


_NOT_WORD: Final = re.compile(r"[^\w']+")


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics (đ -> d), so "hỏng" matches "hong"."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def classify(text: str) -> ProblemType:
    """A first guess for the inbox; staff can change it."""
    words = f" {' '.join(_NOT_WORD.sub(' ', fold(text)).split())} "
    for problem, keywords in _KEYWORDS:
        for keyword in keywords:
            # Short Vietnamese syllables ("vo", "be") only as whole words.
            if f" {keyword} " in words or (len(keyword) > 4 and keyword in words):
                return problem
    return ProblemType.OTHER
