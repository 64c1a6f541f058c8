"""Staff hear about what needs them (issue 16 item 8): a negative review's 2-hour reply
deadline reaches the shop owner by email through the shop's own email channel, checked
on a real SMTP server (aiosmtpd), once per cause, plus the daily digest at 08:00 shop time.
SMTP per RFC 5321; aiosmtpd's Controller is its documented test harness."""

from __future__ import annotations

from collections.abc import Callable

from careloop.alerts.tasks import staff_alerts
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.feedback.schemas import ReviewIn
from careloop.feedback.service import record_review
from careloop.shops.models import Shop

from .conftest import Inbox
from .helpers import configure


def _bad_review(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        record_review(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            data=ReviewIn(
                review_id="g-1",
                platform="google",
                rating=1,
                text="Broken on arrival",
                posted_at=ctx.clock.now(),
            ),
            source="test",
        )


def test_a_negative_review_reaches_the_owner_by_email_once_with_the_link_to_reply(
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    make_staff: Callable[..., str],
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server
    make_staff(shop, email="owner@acme.test")
    configure(
        ctx,
        shop,
        "email",
        host="127.0.0.1",
        port=port,
        security="none",
        from_address="care@acme.test",
    )
    _bad_review(ctx, shop)

    staff_alerts(ctx)

    subjects = [str(m["Subject"]) for m in inbox.messages]
    alert = next(m for m in inbox.messages if "đánh giá tiêu cực" in str(m["Subject"]))
    assert str(alert["To"]) == "owner@acme.test"
    # The owner reads Vietnamese (their staff locale).
    assert "[Acme Coffee] 1 đánh giá tiêu cực cần trả lời công khai trong 2 giờ" in subjects
    assert "/feedback/reviews" in alert.get_content()
    assert "[Acme Coffee] Việc cần xử lý hôm nay" in subjects  # 10:00 local: the digest too

    staff_alerts(ctx)
    assert len(inbox.messages) == len(subjects)  # told once
