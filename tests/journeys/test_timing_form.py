"""The timing-and-channels form of a journey page: an owner moves a message to another day and
changes its fallback channel without touching YAML; the change goes through the same loader
as the YAML editor (a new draft version), the YAML keeps its comments and shows the change,
and the next enrolment runs on the new schedule (virtual clock)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.audit.models import AuditEntry
from careloop.journeys.loader import PLAYBOOKS, parse
from careloop.journeys.models import Journey, JourneyEnrollment
from careloop.journeys.service import activate_journey
from careloop.journeys.timing import Change, message_steps, rewrite
from careloop.shops.models import Shop
from tests.journeys.conftest import World, messages_of
from tests.web.helpers import csrf_from, sign_in

# The shipped Golden Hours with the shop's earlier choice: the usage-guide reminder by SMS.
SMS_REMINDER = (
    (PLAYBOOKS / "golden_hours.yaml")
    .read_text(encoding="utf-8")
    .replace(
        "channels: [zalo]\n      template: golden_hours.usage_guide_reminder",
        "channels: [sms]\n      template: golden_hours.usage_guide_reminder",
    )
)


def form_of(rows_text: str, **overrides: str) -> dict[str, str]:
    """The form as the page fills it for `rows_text`, with some fields changed."""
    data: dict[str, str] = {}
    for row in message_steps(parse(rows_text)):
        data[f"{row.id}.delay"] = str(row.delay.value) if row.delay else ""
        data[f"{row.id}.unit"] = row.delay.unit if row.delay else "d"
        data[f"{row.id}.primary"] = row.primary
        data[f"{row.id}.fallback"] = row.fallback
        data[f"{row.id}.wait"] = str(row.follow_up.within_hours) if row.follow_up else ""
        if not row.off:
            data[f"{row.id}.on"] = "1"
    data.update(overrides)
    return data


def latest(world: World) -> Journey:
    with world.session() as s:
        found = s.scalars(select(Journey).order_by(Journey.version.desc())).first()
        assert found is not None
        return found


def usage_guide_due_after_delivery(world: World) -> datetime:
    """Enrol a new buyer (delivered now) and return when their usage guide is due."""
    lan = world.customer("c-lan", name="Lan")
    world.order(lan, "o-lan")
    world.work()
    with world.session() as s:
        enrollment = s.scalars(
            select(JourneyEnrollment).where(JourneyEnrollment.customer_id == lan.id)
        ).one()
    assert enrollment.step_id == "usage_guide" and enrollment.due_at is not None
    assert [m.template_key for m in messages_of(world, lan)] == ["golden_hours.thank_you"]
    return enrollment.due_at


def day_at_nine(world: World, days: int) -> datetime:
    zone = ZoneInfo(world.shop.timezone)
    local = world.clock.now().astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(local, time(9, 0), tzinfo=zone)


def test_the_owner_moves_the_usage_guide_to_day_4_with_a_zalo_reminder_for_the_next_enrolment(
    app_client: TestClient, world: World, make_staff: Callable[..., str]
) -> None:
    world.install(text=SMS_REMINDER)
    sign_in(app_client, world.ctx, make_staff(world.shop), world.shop)
    page = app_client.get("/journeys/golden_hours")
    assert 'data-testid="timing-form"' in page.text
    assert 'name="usage_guide.delay"' in page.text

    saved = app_client.post(
        "/journeys/golden_hours/timing",
        data=form_of(
            SMS_REMINDER,
            **{"usage_guide.delay": "4", "usage_guide.fallback": "zalo"},
            csrf_token=csrf_from(page),
        ),
    )

    assert saved.status_code == 200 and "golden_hours · v2" in saved.text
    v2 = latest(world)
    assert 'wait: {until_day: 4, at: "09:00", counted_from: delivery}' in v2.source_text
    assert "channels: [zalo]\n      template: golden_hours.usage_guide_reminder" in v2.source_text
    assert "# Golden Hours 0-3-7 (seeds)" in v2.source_text  # the comments stay
    assert "until_day: 4" in saved.text  # the YAML editor shows the change
    with world.session() as s:
        assert s.scalars(select(AuditEntry.target)).all() == ["journey:golden_hours v2"]
        activate_journey(
            session=s, clock=world.clock, shop=s.merge(world.shop), key="golden_hours", version=2
        )
        s.commit()
    assert usage_guide_due_after_delivery(world) == day_at_nine(world, 4)


def test_a_bad_day_is_named_in_vietnamese_and_nothing_is_saved(
    app_client: TestClient, world: World, make_staff: Callable[..., str]
) -> None:
    world.install(text=SMS_REMINDER)
    sign_in(app_client, world.ctx, make_staff(world.shop), world.shop, locale="vi")
    page = app_client.get("/journeys/golden_hours")

    bad = app_client.post(
        "/journeys/golden_hours/timing",
        data=form_of(
            SMS_REMINDER,
            **{"usage_guide.delay": "ba", "usage_guide.wait": "0"},
            csrf_token=csrf_from(page),
        ),
    )

    assert bad.status_code == 422
    assert "Bước Hướng dẫn sử dụng · Thời điểm gửi: phải là số nguyên từ 0 đến 3650" in bad.text
    assert (
        "Bước Hướng dẫn sử dụng · Chờ trước khi dùng kênh dự phòng: phải là số nguyên" in bad.text
    )
    assert 'value="ba"' in bad.text  # the form keeps what the owner typed
    assert latest(world).version == 1
    with world.session() as s:
        assert s.scalars(select(AuditEntry)).all() == []


def test_a_fallback_equal_to_the_main_channel_is_refused_in_english(
    app_client: TestClient, world: World, make_staff: Callable[..., str]
) -> None:
    world.install(text=SMS_REMINDER)
    sign_in(app_client, world.ctx, make_staff(world.shop), world.shop)
    page = app_client.get("/journeys/golden_hours")
    bad = app_client.post(
        "/journeys/golden_hours/timing",
        data=form_of(
            SMS_REMINDER,
            **{"thank_you.primary": "sms", "thank_you.fallback": "sms"},
            csrf_token=csrf_from(page),
        ),
    )
    assert bad.status_code == 422
    assert "Step Thank you · Fallback channel: must differ from the main channel" in bad.text
    assert latest(world).version == 1


def test_a_viewer_sees_the_form_but_cannot_save_it(
    app_client: TestClient, world: World, make_staff: Callable[..., str]
) -> None:
    world.install(text=SMS_REMINDER)
    sign_in(app_client, world.ctx, make_staff(world.shop, role="viewer"), world.shop)
    page = app_client.get("/journeys/golden_hours")
    assert 'data-testid="timing"' in page.text and 'data-testid="timing-save"' not in page.text
    denied = app_client.post(
        "/journeys/golden_hours/timing",
        data=form_of(SMS_REMINDER, csrf_token=csrf_from(page)),
    )
    assert denied.status_code == 403


def test_another_shops_journey_form_is_not_found(
    app_client: TestClient,
    world: World,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
) -> None:
    world.install(text=SMS_REMINDER)
    other = make_shop("other", name="Other")
    sign_in(app_client, world.ctx, make_staff(other, email="o@other.test"), other)
    page = app_client.get("/journeys")
    answer = app_client.post(
        "/journeys/golden_hours/timing",
        data=form_of(SMS_REMINDER, csrf_token=csrf_from(page)),
    )
    assert answer.status_code == 404


def test_a_message_switched_off_is_passed_over_with_its_reminder(world: World) -> None:
    rows = message_steps(parse(SMS_REMINDER))
    guide = next(r for r in rows if r.id == "usage_guide")
    text = rewrite(
        SMS_REMINDER,
        rows,
        {"usage_guide": Change(delay=3, primary="email", fallback="sms", wait_hours=24, on=False)},
    )
    assert "enabled: false" in text and parse(text).step("usage_guide").off
    assert guide.fallback == "sms"
    world.install(text=text)
    lan = world.customer("c-lan", name="Lan")
    world.order(lan, "o-lan")
    world.days_later(8)
    sent = [m.template_key for m in messages_of(world, lan)]
    assert sent == ["golden_hours.thank_you", "golden_hours.feedback_survey"]


def test_a_duration_wait_is_rewritten_in_hours_and_a_block_channel_list_as_a_flow_list() -> None:
    text = (
        "key: k\nname: K\ntrigger:\n  event: order.delivered\nsteps:\n"
        "  - id: first\n    send:\n      template: golden_hours.thank_you\n"
        "      channels:\n        - email\n        - sms  # by text\n"
        "  - id: pause\n    wait: {duration: 2d}\n"
        "  - id: second\n    send: {template: golden_hours.thank_you}\n"
    )
    rows = message_steps(parse(text))
    new = rewrite(
        text,
        rows,
        {
            "first": Change(primary="zalo", fallback="email"),
            "second": Change(delay=36, unit="h", primary="email", fallback="zalo"),
        },
    )
    jdef = parse(new)
    assert jdef.step("first").send.channel_list() == ["zalo", "email"]  # type: ignore[union-attr]
    assert jdef.step("pause").wait.duration == "36h"  # type: ignore[union-attr]
    assert jdef.step("second").send.channel_list() == ["email", "zalo"]  # type: ignore[union-attr]
    assert "# by text" in new


def test_the_journey_page_names_shipped_steps_in_vietnamese_beside_their_ids(
    app_client: TestClient, world: World, make_staff: Callable[..., str]
) -> None:
    world.install(text=SMS_REMINDER)
    sign_in(app_client, world.ctx, make_staff(world.shop), world.shop, locale="vi")
    page = app_client.get("/journeys/golden_hours")

    assert page.status_code == 200
    timing_row = page.text.split('data-testid="timing-usage_guide"', 1)[1]
    assert timing_row.lstrip(">\n ").startswith(
        '<td>Hướng dẫn sử dụng <code class="muted small">usage_guide</code>'
    )
    assert 'Hướng dẫn sử dụng <code class="muted small">usage_guide</code>' in page.text
