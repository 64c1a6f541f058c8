"""Marketing SMS under Decree 91/2020/NĐ-CP on spam, Art. 13 (advertising messages only
07:00-22:00, at most three to one number within 24 hours, unless agreed otherwise with the
user); reported e.g. by vinanet.vn "Nghị định của Chính phủ về chống tin nhắn rác, thư
điện tử rác, cuộc gọi rác". The shop's own quiet hours are switched off here so only the
decree's rules speak."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from careloop.channels.policy import (
    RULE_AD_SMS_DAILY,
    RULE_AD_SMS_HOURS,
    ContactPolicy,
    Decision,
    Recipient,
    Sent,
    decide,
)

NO_QUIET = ContactPolicy(quiet_hours=None, max_per_day=100, max_per_window=100)
SMS_ONLY = Recipient(timezone="Asia/Ho_Chi_Minh", reachable=frozenset({"sms"}))
SMS_AND_EMAIL = Recipient(timezone="Asia/Ho_Chi_Minh", reachable=frozenset({"sms", "email"}))
# Local times in Ho Chi Minh City (UTC+7).
AT_0659 = datetime(2026, 11, 2, 23, 59, tzinfo=UTC) - timedelta(days=1)
AT_0700 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
AT_2159 = datetime(2026, 11, 2, 14, 59, tzinfo=UTC)
AT_2200 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def _sms(
    now: datetime, recipient: Recipient = SMS_ONLY, history: tuple[Sent, ...] = ()
) -> Decision:
    return decide(
        kind="marketing",
        requested=["sms", "email"],
        recipient=recipient,
        history=list(history),
        policy=NO_QUIET,
        now=now,
    )


def test_advertising_sms_goes_from_0700_until_2159_local_time() -> None:
    assert _sms(AT_0700).action == "send"
    assert _sms(AT_2159).action == "send"


def test_advertising_sms_at_2200_waits_until_0700_the_next_morning() -> None:
    decision = _sms(AT_2200)
    assert (decision.action, decision.rule) == ("defer", RULE_AD_SMS_HOURS)
    assert decision.until == AT_0700 + timedelta(days=1)
    early = _sms(AT_0659)
    assert (early.action, early.rule, early.until) == ("defer", RULE_AD_SMS_HOURS, AT_0700)


def test_at_night_an_advertising_message_goes_by_email_when_the_customer_has_one() -> None:
    decision = _sms(AT_2200, SMS_AND_EMAIL)
    assert (decision.action, decision.channels) == ("send", ("email",))


def test_a_fourth_advertising_sms_within_24_hours_waits_until_the_first_is_24_hours_old() -> None:
    sent = tuple(Sent(AT_0700 + timedelta(hours=h), "marketing", "sms") for h in (1, 2, 3))
    decision = _sms(AT_0700 + timedelta(hours=5), history=sent)
    assert (decision.action, decision.rule) == ("defer", RULE_AD_SMS_DAILY)
    assert decision.until == AT_0700 + timedelta(hours=25)
    assert _sms(AT_0700 + timedelta(hours=25, minutes=1), history=sent).action == "send"


def test_service_sms_and_advertising_email_do_not_count_towards_the_three() -> None:
    others = (
        Sent(AT_0700, "service", "sms"),
        Sent(AT_0700, "marketing", "email"),
        Sent(AT_0700, "marketing", "sms"),
        Sent(AT_0700, "marketing", "sms"),
    )
    assert _sms(AT_0700 + timedelta(hours=1), history=others).action == "send"


def test_transactional_and_service_sms_are_not_held_by_the_advertising_hours() -> None:
    for kind in ("transactional", "service"):
        decision = decide(
            kind=kind,
            requested=["sms"],
            recipient=SMS_ONLY,
            history=[],
            policy=NO_QUIET,
            now=AT_2200,
        )
        assert decision.action == "send"


@given(minutes=st.integers(min_value=0, max_value=24 * 60 * 3))
def test_an_advertising_sms_is_never_sent_outside_0700_2200_local(minutes: int) -> None:
    now = AT_0700 + timedelta(minutes=minutes)
    decision = _sms(now)
    local_hour = (now + timedelta(hours=7)).hour
    if decision.action == "send":
        assert 7 <= local_hour < 22
    else:
        assert decision.until is not None and (decision.until + timedelta(hours=7)).hour == 7
