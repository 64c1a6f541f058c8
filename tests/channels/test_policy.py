from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from careloop.channels.policy import (
    ContactPolicy,
    Recipient,
    Sent,
    channel_chain,
    decide,
    in_quiet_hours,
)
from careloop.core.errors import ValidationFailed

# 10:00 in Ho Chi Minh City (UTC+7).
MORNING = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
DEFAULT = ContactPolicy()
EVERYWHERE = frozenset({"email", "sms", "zalo"})


def recipient(**overrides: object) -> Recipient:
    values: dict[str, object] = {
        "timezone": "Asia/Ho_Chi_Minh",
        "preferred_channel": None,
        "reachable": EVERYWHERE,
        "consents": {},
    }
    values.update(overrides)
    return Recipient(**values)  # type: ignore[arg-type]


def marketing(
    *,
    at: datetime = MORNING,
    history: list[Sent] | None = None,
    policy: ContactPolicy = DEFAULT,
    kind: str = "marketing",
    channels: tuple[str, ...] = ("preferred",),
    **who: object,
):  # type: ignore[no-untyped-def]
    return decide(
        kind=kind,
        requested=channels,
        recipient=recipient(**who),
        history=history or [],
        policy=policy,
        now=at,
    )


def test_a_message_to_a_reachable_consenting_customer_goes_on_the_preferred_channel_first() -> None:
    decision = marketing(preferred_channel="email")
    assert decision.action == "send"
    assert decision.channels == ("email", "zalo", "sms")


def test_the_shop_fallback_order_follows_when_there_is_no_preference() -> None:
    assert marketing().channels == ("zalo", "sms", "email")


def test_a_listed_chain_keeps_its_order_but_puts_the_preferred_channel_first() -> None:
    chain = channel_chain(["zalo", "sms"], recipient(preferred_channel="sms"), DEFAULT)
    assert chain == ["sms", "zalo"]
    assert channel_chain(["zalo", "sms"], recipient(preferred_channel="email"), DEFAULT) == [
        "zalo",
        "sms",
    ]


def test_channels_without_an_address_are_skipped_and_none_left_means_unreachable() -> None:
    assert marketing(reachable=frozenset({"email"})).channels == ("email",)
    decision = marketing(reachable=frozenset(), channels=("zalo", "sms"))
    assert (decision.action, decision.rule) == ("suppress", "unreachable")


def test_an_opted_out_channel_is_never_used_for_marketing() -> None:
    decision = marketing(consents={"zalo": "denied"})
    assert decision.channels == ("sms", "email")


def test_opted_out_everywhere_suppresses_marketing_with_the_consent_rule() -> None:
    decision = marketing(consents={c: "denied" for c in EVERYWHERE})
    assert (decision.action, decision.rule) == ("suppress", "no_consent")


def test_opt_in_shops_need_an_explicit_grant() -> None:
    policy = ContactPolicy(require_opt_in=True)
    decision = marketing(policy=policy, consents={"email": "granted"})
    assert decision.channels == ("email",)


def test_transactional_messages_ignore_marketing_consent_caps_and_quiet_hours() -> None:
    night = MORNING + timedelta(hours=13)  # 23:00 local
    history = [Sent(night - timedelta(hours=1), "marketing")] * 5
    decision = marketing(
        kind="transactional",
        at=night,
        history=history,
        consents={c: "denied" for c in EVERYWHERE},
        channels=("zalo", "sms"),
    )
    assert (decision.action, decision.channels) == ("send", ("zalo", "sms"))


def test_quiet_hours_defer_to_8_in_the_morning_local_time() -> None:
    night = MORNING + timedelta(hours=12)  # 22:00 local
    decision = marketing(at=night)
    assert (decision.action, decision.rule) == ("defer", "quiet_hours")
    assert decision.until == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # 08:00 local


def test_quiet_hours_are_the_customers_own_time_zone() -> None:
    # 10:00 in Ho Chi Minh City is 04:00 in Paris: quiet there.
    decision = marketing(timezone="Europe/Paris")
    assert decision.rule == "quiet_hours"
    assert decision.until is not None and decision.until.astimezone(UTC).hour == 7


def test_quiet_hours_apply_to_service_messages_too_but_are_configurable() -> None:
    night = MORNING + timedelta(hours=12)
    assert marketing(kind="service", at=night).rule == "quiet_hours"
    policy = ContactPolicy(quiet_classes=frozenset({"marketing"}))
    assert marketing(kind="service", at=night, policy=policy).action == "send"


def test_the_second_marketing_message_of_a_day_is_deferred_to_the_next_morning() -> None:
    decision = marketing(history=[Sent(MORNING - timedelta(hours=1), "marketing")])
    assert (decision.action, decision.rule) == ("defer", "daily_cap")
    assert decision.until == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)


def test_a_third_marketing_message_in_30_days_is_dropped_by_default() -> None:
    history = [
        Sent(MORNING - timedelta(days=20), "marketing"),
        Sent(MORNING - timedelta(days=5), "marketing"),
    ]
    decision = marketing(history=history)
    assert (decision.action, decision.rule) == ("suppress", "window_cap")


def test_a_shop_can_defer_over_cap_messages_until_the_window_frees_up() -> None:
    history = [
        Sent(MORNING - timedelta(days=20), "marketing"),
        Sent(MORNING - timedelta(days=5), "marketing"),
    ]
    decision = marketing(history=history, policy=ContactPolicy(on_window_cap="defer"))
    assert (decision.action, decision.rule) == ("defer", "window_cap")
    assert decision.until == MORNING + timedelta(days=10)


def test_messages_older_than_the_window_do_not_count() -> None:
    history = [Sent(MORNING - timedelta(days=31), "marketing")] * 3
    assert marketing(history=history).action == "send"


def test_service_messages_use_up_marketings_room_but_not_the_other_way_round() -> None:
    service_history = [Sent(MORNING - timedelta(days=d), "service") for d in (3, 9)]
    assert marketing(history=service_history).rule == "window_cap"
    marketing_history = [Sent(MORNING - timedelta(days=d), "marketing") for d in (0.1, 3, 9)]
    capped_service = ContactPolicy(capped_classes=frozenset({"marketing", "service"}))
    decision = marketing(kind="service", history=marketing_history, policy=capped_service)
    assert decision.action == "send"


def test_transactional_messages_do_not_count_towards_caps() -> None:
    history = [Sent(MORNING - timedelta(hours=h), "transactional") for h in (1, 2, 3)]
    assert marketing(history=history).action == "send"


def test_the_shop_policy_is_read_from_its_json_with_defaults() -> None:
    policy = ContactPolicy.from_settings(
        {"max_per_window": 4, "quiet_hours": {"start": "22:00", "end": "07:30"}}
    )
    assert policy.max_per_window == 4 and policy.max_per_day == 1
    assert policy.quiet_hours == (time(22, 0), time(7, 30))
    assert ContactPolicy.from_settings({}) == DEFAULT
    assert ContactPolicy.from_settings({"quiet_hours": None}).quiet_hours is None


def test_a_bad_shop_policy_names_the_field() -> None:
    with pytest.raises(ValidationFailed, match=r"contact_policy\.max_per_day"):
        ContactPolicy.from_settings({"max_per_day": -1})


@pytest.mark.parametrize(
    ("local", "quiet"),
    [(time(20, 59), False), (time(21, 0), True), (time(3, 0), True), (time(8, 0), False)],
)
def test_quiet_hours_span_midnight(local: time, quiet: bool) -> None:
    assert in_quiet_hours(local, time(21, 0), time(8, 0)) is quiet
