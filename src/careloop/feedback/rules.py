"""The seeds' feedback rules as pure functions: who is happy, who may be asked for a public
review, and what to reply to a review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import quote

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


# --- Review asks feedback sends itself (review_asks.py) ---------------------------------------

REVIEW_MODES: Final = ("per_order", "per_product")
# Golden Hours asks on Day 14; the reminders follow 5 and 7 days later (at most 2).
REVIEW_AFTER_DAYS: Final = 14
REMINDER_GAPS: Final = (timedelta(days=5), timedelta(days=7))
# No CSAT on the resolution: the customer counts as happy after this many quiet days.
UPDATE_QUIET_DAYS: Final = 7


@dataclass(frozen=True)
class ReviewSettings:
    """settings.feedback: `review_requests` (per_order | per_product), `review_urls`
    (platform -> the shop's review page), `product_review_url` (a link template with
    {sku}, e.g. a Shopee product page), `product_review_urls` (sku -> link),
    `update_quiet_days`."""

    mode: str = "per_order"
    review_urls: tuple[tuple[str, str], ...] = ()
    product_review_url: str = ""
    product_review_urls: tuple[tuple[str, str], ...] = ()
    update_quiet_days: int = UPDATE_QUIET_DAYS
    after_days: int = REVIEW_AFTER_DAYS
    fallback_url: str = ""

    @classmethod
    def of(cls, settings: dict[str, object]) -> ReviewSettings:
        raw = settings.get("feedback")
        feedback: dict[str, Any] = raw if isinstance(raw, dict) else {}
        urls = feedback.get("review_urls")
        products = feedback.get("product_review_urls")
        return cls(
            mode=str(feedback.get("review_requests") or "per_order"),
            review_urls=tuple(urls.items()) if isinstance(urls, dict) else (),
            product_review_url=str(feedback.get("product_review_url") or ""),
            product_review_urls=tuple(products.items()) if isinstance(products, dict) else (),
            update_quiet_days=int(feedback.get("update_quiet_days") or UPDATE_QUIET_DAYS),
            after_days=int(feedback.get("review_after_days") or REVIEW_AFTER_DAYS),
            fallback_url=str(settings.get("review_url") or ""),
        )

    @property
    def per_product(self) -> bool:
        return self.mode == "per_product"

    def page_for(self, platform: str) -> str:
        """The shop's review page on `platform`, else its first one, else `review_url`."""
        pages = dict(self.review_urls)
        return str(pages.get(platform) or next(iter(pages.values()), "") or self.fallback_url)

    def product_url(self, sku: str | None) -> str | None:
        """The direct link to a product's review page, when the shop configured one."""
        if not sku:
            return None
        exact = dict(self.product_review_urls).get(sku)
        if exact:
            return str(exact)
        if "{sku}" in self.product_review_url:
            return self.product_review_url.replace("{sku}", quote(sku, safe=""))
        return None


def check_review_settings(feedback: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, problem) for each wrong value of settings.feedback's review keys."""
    problems: list[tuple[str, str]] = []
    mode = feedback.get("review_requests", "per_order")
    if mode not in REVIEW_MODES:
        problems.append(("feedback.review_requests", f"one of {', '.join(REVIEW_MODES)}"))
    template = feedback.get("product_review_url")
    if template is not None and (
        not str(template).startswith(("https://", "http://")) or "{sku}" not in str(template)
    ):
        problems.append(("feedback.product_review_url", "an http(s) link containing {sku}"))
    for name in ("review_urls", "product_review_urls"):
        value = feedback.get(name, {})
        if not isinstance(value, dict) or not all(
            str(v).startswith(("https://", "http://")) for v in value.values()
        ):
            problems.append((f"feedback.{name}", "a mapping to http(s) links"))
    for name in ("update_quiet_days", "review_after_days"):
        days = feedback.get(name)
        if days is not None and (
            isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365
        ):
            problems.append((f"feedback.{name}", "a whole number of days from 1 to 365"))
    return problems


@dataclass(frozen=True)
class AskStep:
    action: str  # send | wait | stop
    reason: str = ""
    then: timedelta | None = None  # after a send: when the next one is due (None: last)
    until: datetime | None = None  # for wait: when to look again


def product_request_step(*, sends: int, allowed: bool) -> AskStep:
    """The request, then at most 2 reminders; never to a customer who may not be asked."""
    if not allowed:
        return AskStep("stop", "")
    if sends > len(REMINDER_GAPS):
        return AskStep("stop", "request and 2 reminders sent")
    then = REMINDER_GAPS[sends] if sends < len(REMINDER_GAPS) else None
    return AskStep("send", "", then)


def update_ask(
    *,
    ticket_status: str,
    csat: int | None,
    resolved_at: datetime,
    now: datetime,
    complained: bool,
    review_rating: int,
    review_edited: bool,
    already_asked: bool,
    quiet_days: int = UPDATE_QUIET_DAYS,
) -> AskStep:
    """Whether to ask "would you consider updating your review?" now.

    Happy with the resolution means a CSAT of 4-5 when the customer answered it, else no
    complaint (new or reopened ticket, unhappy answer) for `quiet_days` after it."""
    if already_asked:
        return AskStep("stop", "already asked about this review")
    if review_edited or review_rating >= POSITIVE_REVIEW_MIN:
        return AskStep("stop", "the review was already updated")
    if ticket_status not in ("resolved", "closed"):
        return AskStep("wait", "ticket reopened", until=now + timedelta(days=1))
    if csat is not None:
        if csat >= HAPPY_CSAT:
            return AskStep("send", f"CSAT {csat} on the resolution")
        return AskStep("stop", f"CSAT {csat} on the resolution: not happy")
    if complained:
        return AskStep("stop", "complained again after the resolution")
    ready = resolved_at + timedelta(days=quiet_days)
    if now < ready:
        return AskStep("wait", "waiting for CSAT or a quiet week", until=ready)
    return AskStep("send", f"no complaint in {quiet_days} days after the resolution")
