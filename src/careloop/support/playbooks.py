"""The seeds' service-recovery playbook, pure: per problem type the checklist (acknowledge,
apologise, fix, compensate, follow up), suggested replies (vi/en) and compensation options.
The problem type is guessed from what the customer wrote by `classifier.classify`.

Titles, step names, what to do and compensation names are shipped texts, so staff read them in
their own language from the catalogue at display time: `playbook.<type>.title`,
`playbook.step.<step>` (the name), `playbook.step.<step>.todo` (the same for every type) or
`playbook.<type>.<step>` (this type's own), `playbook.compensation.<kind>`. The English here
is the catalogue's English (a test keeps them equal) and what the API and CLI show."""

from __future__ import annotations

from dataclasses import dataclass
from string import Template
from typing import Final

from careloop.core.catalogue import has_message, t
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
    ProblemType.LATE_DELIVERY: Playbook(
        ProblemType.LATE_DELIVERY,
        "Delivery was late",
        {
            **_COMMON_STEPS,
            "fix": "Check where the order is and give a firm date; chase the courier for it.",
            "compensate": "Refund the shipping fee or a discount code for the next order.",
        },
        ("coupon", "refund"),
        {
            "en": (
                "Hi $name, I'm sorry your order $order took longer than we promised. I've "
                "checked with the courier and will keep you posted until it is in your hands; "
                "please accept a discount code for your next order. - $shop"
            ),
            "vi": (
                "Chào $name, $shop xin lỗi vì đơn hàng $order đến chậm hơn đã hẹn. Chúng tôi đã "
                "làm việc với đơn vị vận chuyển và sẽ báo bạn đến khi hàng tới tay; mong bạn "
                "nhận mã giảm giá cho lần mua sau."
            ),
        },
    ),
    ProblemType.WRONG_ITEM: Playbook(
        ProblemType.WRONG_ITEM,
        "Wrong item sent",
        {
            **_COMMON_STEPS,
            "fix": "Send the right item by express today; collect the wrong one at our cost.",
            "compensate": "Let them keep the wrong item if it is cheap, or add a discount code.",
        },
        ("express_replacement", "coupon", "refund"),
        {
            "en": (
                "Hi $name, I'm so sorry we sent you the wrong item in order $order! The right "
                "one goes out by express today, and we'll collect the other at our cost. - $shop"
            ),
            "vi": (
                "Chào $name, $shop thành thật xin lỗi vì đã giao nhầm sản phẩm trong đơn $order! "
                "Chúng tôi gửi hỏa tốc đúng sản phẩm ngay hôm nay và sẽ tự thu hồi món giao "
                "nhầm, bạn không mất phí."
            ),
        },
    ),
    ProblemType.MISSING_PART: Playbook(
        ProblemType.MISSING_PART,
        "Item or part missing",
        {
            **_COMMON_STEPS,
            "fix": "Send the missing item or part by express today; no need to send photos twice.",
            "compensate": "A small gift or a discount code for the trouble.",
        },
        ("express_replacement", "coupon", "refund"),
        {
            "en": (
                "Hi $name, I'm sorry something was missing from your order $order! I'm sending "
                "the missing part by express today. - $shop"
            ),
            "vi": (
                "Chào $name, $shop xin lỗi vì đơn hàng $order của bạn bị thiếu! Chúng tôi gửi "
                "hỏa tốc phần còn thiếu cho bạn ngay hôm nay."
            ),
        },
    ),
    ProblemType.POOR_QUALITY: Playbook(
        ProblemType.POOR_QUALITY,
        "Quality below expectations",
        {
            **_COMMON_STEPS,
            "acknowledge": "Ask what exactly falls short (photos help) and thank them for it.",
            "fix": "Offer a replacement from another batch or a refund; tell the supplier.",
            "compensate": "A discount code, or a refund without asking for the item back.",
        },
        ("refund", "express_replacement", "coupon"),
        {
            "en": (
                "Hi $name, thank you for telling us, and I'm sorry the quality let you down. "
                "I'd like to replace it or refund you, whichever you prefer. - $shop"
            ),
            "vi": (
                "Chào $name, cảm ơn bạn đã góp ý và $shop rất tiếc vì chất lượng chưa như mong "
                "đợi. Chúng tôi xin đổi sản phẩm mới hoặc hoàn tiền, tùy bạn chọn."
            ),
        },
    ),
    ProblemType.RUDE_STAFF: Playbook(
        ProblemType.RUDE_STAFF,
        "Staff were rude",
        {
            **_COMMON_STEPS,
            "apologise": "The owner or a manager apologises personally, without excuses.",
            "fix": "Find out what happened with the staff member; tell the customer what changes.",
            "compensate": "A gesture beyond the order: a gift or a generous discount code.",
        },
        ("coupon",),
        {
            "en": (
                "Hi $name, I'm truly sorry for how you were treated; that is not how we want "
                "anyone to feel. I'm looking into it personally and would like to call you. "
                "- $shop"
            ),
            "vi": (
                "Chào $name, $shop thành thật xin lỗi về thái độ phục vụ bạn đã gặp; đó không "
                "phải cách chúng tôi muốn đối xử với khách hàng. Chúng tôi đang trực tiếp xem "
                "xét và mong được gọi điện cho bạn."
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


def checklist(
    problem_type: str, done: dict[str, object], locale: str = "en"
) -> list[tuple[str, str, bool]]:
    """(step, what to do in `locale`, done?) in the seeds' order."""
    return [(step, step_todo(problem_type, step, locale), step in done) for step in STEPS]


def _shipped(key: str, locale: str, english: str) -> str:
    return t(key, locale) if has_message(key, locale) else english


def playbook_title(problem_type: str, locale: str) -> str:
    playbook = playbook_for(problem_type)
    return _shipped(f"playbook.{playbook.problem_type.value}.title", locale, playbook.title)


def step_label(step: str, locale: str) -> str:
    """A checklist step's name ("acknowledge" -> "Ghi nhận")."""
    return _shipped(f"playbook.step.{step}", locale, step.replace("_", " "))


def step_todo(problem_type: str, step: str, locale: str) -> str:
    """What the step means for this problem type, in `locale`."""
    playbook = playbook_for(problem_type)
    english = playbook.steps[step]
    own = f"playbook.{playbook.problem_type.value}.{step}"
    if english != _COMMON_STEPS.get(step) and has_message(own, locale):
        return t(own, locale)
    return _shipped(f"playbook.step.{step}.todo", locale, english)


def compensation_label(kind: str, locale: str) -> str:
    return _shipped(f"playbook.compensation.{kind}", locale, kind.replace("_", " "))


@dataclass(frozen=True)
class PlaybookView:
    """A playbook as staff read it in `locale`: title, (step name, what to do), compensations."""

    problem_type: str
    title: str
    steps: list[tuple[str, str]]
    compensations: list[str]


def playbook_views(locale: str) -> list[PlaybookView]:
    """Every shipped playbook in `locale`, for the support settings page."""
    return [
        PlaybookView(
            problem_type.value,
            playbook_title(problem_type, locale),
            [(step_label(s, locale), todo) for s, todo, _ in checklist(problem_type, {}, locale)],
            [compensation_label(kind, locale) for kind in playbook.compensations],
        )
        for problem_type, playbook in PLAYBOOKS.items()
    ]
