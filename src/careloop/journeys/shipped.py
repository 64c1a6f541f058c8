"""The journeys shipped with Careloop, as the owner installs them from the journeys page:
one click per journey, or every recommended one at once.

Installing stores the shipped YAML as the shop's next version and activates it through
`activate_journey`, the same path as the activate button, so whatever activation checks
apply there apply here too."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy.orm import Session

from careloop.core.catalogue import has_message, t
from careloop.core.clock import Clock
from careloop.core.errors import NotFound
from careloop.journeys.loader import parse, shipped_files
from careloop.journeys.models import Journey
from careloop.journeys.service import activate_journey, save_journey, template_check
from careloop.shops.models import Shop

# What every shop should run from day one (the seeds: Golden Hours 0-3-7, a 2-hour answer to
# a bad review, birthday gifts, bringing back customers inactive for 60 days).
RECOMMENDED = (
    "golden_hours",
    "negative_feedback_recovery",
    "birthday",
    "re_engagement",
    # Issue 24: a member hears about their points, tier, referral rewards and codes.
    "loyalty_messages",
    "points_expiring",
)
NAMES_VI = {
    "golden_hours": "Giờ vàng 0-3-7",
    "negative_feedback_recovery": "Xử lý phản hồi tiêu cực",
    "birthday": "Chúc mừng sinh nhật",
    "re_engagement": "Gọi khách quay lại sau 60 ngày",
    "cross_sell": "Gợi ý sản phẩm liên quan",
    "loyalty_invitation": "Mời tham gia khách hàng thân thiết",
    "loyalty_messages": "Tin nhắn thành viên: điểm, hạng, giới thiệu, mã ưu đãi",
    "maintenance_reminder": "Nhắc bảo dưỡng",
    "points_expiring": "Nhắc điểm sắp hết hạn",
    "purchase_anniversary": "Kỷ niệm ngày mua hàng",
    "replenishment": "Nhắc mua lại",
    "warranty_reminder": "Nhắc hết hạn bảo hành",
}


@dataclass(frozen=True)
class ShippedJourney:
    key: str
    name: str
    description: str
    file_name: str
    text: str

    @property
    def recommended(self) -> bool:
        return self.key in RECOMMENDED

    def title(self, locale: str) -> str:
        return NAMES_VI.get(self.key, self.name) if locale == "vi" else self.name

    def description_in(self, locale: str) -> str:
        """What the journey does, in `locale` (the file's English for a journey the
        catalogue does not describe)."""
        key = f"journeys.shipped.description.{self.key}"
        return t(key, locale) if has_message(key) else self.description


@cache
def catalogue() -> tuple[ShippedJourney, ...]:
    """Every shipped journey, recommended first (files are package data, read once)."""
    found = []
    for path in shipped_files():
        text = path.read_text(encoding="utf-8")
        jdef = parse(text, source=f"playbooks/journeys/{path.name}")
        found.append(ShippedJourney(jdef.key, jdef.name, jdef.description, path.name, text))
    order = {key: i for i, key in enumerate(RECOMMENDED)}
    return tuple(sorted(found, key=lambda j: (order.get(j.key, len(order)), j.key)))


def find_shipped(key: str) -> ShippedJourney:
    for journey in catalogue():
        if journey.key == key:
            return journey
    raise NotFound("shipped journey", key)


def install_shipped(*, session: Session, clock: Clock, shop: Shop, key: str) -> Journey:
    """Store the shipped journey `key` for `shop` and turn it on; safe to run again."""
    shipped = find_shipped(key)
    journey = save_journey(
        session=session,
        clock=clock,
        shop=shop,
        text=shipped.text,
        source_name=f"playbooks/journeys/{shipped.file_name}",
        template_exists=template_check(session, shop),
    )
    return activate_journey(
        session=session, clock=clock, shop=shop, key=journey.key, version=journey.version
    )
