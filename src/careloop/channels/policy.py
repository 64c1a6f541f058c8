"""The contact policy: may this message go now, on which channels, or must it wait or drop?

Pure: no database, no clock. The runner gathers the facts (consents, addresses, recent
messages, the shop's settings, now) and records what `decide` says. Defaults come from the
seeds: at most 2 non-transactional messages per customer per 30 days and 1 per day, quiet
hours 21:00-08:00 in the customer's time zone (deferred, never dropped). A customer who
chose "how often" in the preference centre gets the tighter of their choice and the shop's
caps (rule `customer_frequency`).

Marketing SMS also follow Decree 91/2020/NĐ-CP on spam (Art. 13): advertising messages
only between 07:00 and 22:00 (the customer's local time) and at most three advertising
messages to one number within 24 hours. Outside the hours or over the count, SMS leaves
the chain; when nothing else is left the message waits (rules `ad_sms_hours`,
`ad_sms_daily`). Its label and refusal line are added at render (channels/finishing.py).

The chain is built from the channels the shop has set up (decision 0031): a requested
messaging channel with no provider is left out, and when none of the requested ones is set
up the message goes on the shop's set-up channels in its channel order (the customer's
preferred first). A shop that set up only email gets its thank-you by email instead of a
page of "sms is not configured" failures; a shop with nothing set up keeps the requested
chain, which fails at send with that reason for the owner to see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from careloop.core.errors import FieldError, ValidationFailed

Kind = Literal["transactional", "service", "marketing"]
Action = Literal["send", "defer", "suppress"]
OnOverCap = Literal["defer", "drop"]

# Higher number, higher class: a cap only counts messages of the same class or higher,
# so a lower class can never use up the room of a higher one.
PRIORITY: Mapping[str, int] = {"marketing": 1, "service": 2, "transactional": 3}
# Channels that reach the customer and so need their consent; "task" (a staff task) and
# "webhook" (the shop's own system) do not.
CONSENTED_CHANNELS = frozenset({"email", "sms", "zalo"})
# Channels that need a provider set up and may stand in for each other; a staff task and the
# shop's webhook are asked for by name and kept as asked.
INTERCHANGEABLE = CONSENTED_CHANNELS

RULE_UNREACHABLE = "unreachable"
RULE_NO_CONSENT = "no_consent"
RULE_QUIET_HOURS = "quiet_hours"
RULE_DAILY_CAP = "daily_cap"
RULE_WINDOW_CAP = "window_cap"
RULE_CUSTOMER_FREQUENCY = "customer_frequency"
RULE_AD_SMS_HOURS = "ad_sms_hours"
RULE_AD_SMS_DAILY = "ad_sms_daily"

# Decree 91/2020/NĐ-CP Art. 13: advertising SMS from 07:00 to 22:00, at most 3 in 24 hours.
AD_SMS_HOURS = (time(7, 0), time(22, 0))
AD_SMS_MAX = 3
AD_SMS_WINDOW = timedelta(hours=24)

# The preference centre's "how often" choices: at most (messages, days), counted like the
# shop's window cap; "normal" leaves the shop's caps alone. Only the classes the shop caps
# are held back: a customer asking for fewer offers still gets their order and ticket news.
CUSTOMER_FREQUENCIES: Mapping[str, tuple[int, int] | None] = {
    "normal": None,
    "weekly": (1, 7),
    "monthly": (1, 30),
    "quarterly": (1, 90),
    "important": None,  # no marketing at all; service and transactional messages still go
}
ONLY_IMPORTANT = "important"


class _Settings(BaseModel):
    """The shape of `shops.contact_policy` (every key optional)."""

    model_config = ConfigDict(extra="ignore")

    max_per_window: int = Field(default=2, ge=0, le=1000)
    window_days: int = Field(default=30, ge=1, le=365)
    max_per_day: int = Field(default=1, ge=0, le=100)
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(8, 0))
    quiet_classes: list[Literal["transactional", "service", "marketing"]] = ["marketing", "service"]
    capped_classes: list[Literal["service", "marketing"]] = ["marketing"]
    channel_order: list[Literal["email", "sms", "zalo", "webhook", "task"]] = [
        "zalo",
        "sms",
        "email",
    ]
    on_daily_cap: OnOverCap = "defer"
    on_window_cap: OnOverCap = "drop"
    # True: marketing needs an explicit "granted"; False: only "denied" blocks a channel.
    require_opt_in: bool = False

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _pair(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return (value.get("start"), value.get("end"))
        return value


@dataclass(frozen=True)
class ContactPolicy:
    max_per_window: int = 2
    window_days: int = 30
    max_per_day: int = 1
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(8, 0))
    quiet_classes: frozenset[str] = frozenset({"marketing", "service"})
    # Classes the caps hold back; every non-transactional message of the same class or
    # higher counts towards them (so service messages use up marketing's room, not the
    # other way round).
    capped_classes: frozenset[str] = frozenset({"marketing"})
    channel_order: tuple[str, ...] = ("zalo", "sms", "email")
    on_daily_cap: OnOverCap = "defer"
    on_window_cap: OnOverCap = "drop"
    require_opt_in: bool = False
    # The messaging channels the shop has set up; None: not known (the chain is kept as
    # requested). Not a setting: the Outreach port fills it in from the channel settings.
    configured: frozenset[str] | None = None

    @classmethod
    def from_settings(cls, raw: Mapping[str, Any] | None) -> ContactPolicy:
        """The shop's policy from its `contact_policy` JSON; missing keys take the defaults."""
        try:
            s = _Settings.model_validate(dict(raw or {}))
        except ValidationError as exc:
            raise ValidationFailed(
                [
                    FieldError("contact_policy." + ".".join(str(p) for p in e["loc"]), e["msg"])
                    for e in exc.errors()
                ]
            ) from None
        return cls(
            max_per_window=s.max_per_window,
            window_days=s.window_days,
            max_per_day=s.max_per_day,
            quiet_hours=s.quiet_hours,
            quiet_classes=frozenset(s.quiet_classes),
            capped_classes=frozenset(s.capped_classes),
            channel_order=tuple(s.channel_order),
            on_daily_cap=s.on_daily_cap,
            on_window_cap=s.on_window_cap,
            require_opt_in=s.require_opt_in,
        )


@dataclass(frozen=True)
class Recipient:
    timezone: str
    preferred_channel: str | None = None
    # Channels the customer has an address on (email, phone for sms, Zalo id).
    reachable: frozenset[str] = frozenset()
    consents: Mapping[str, str] = field(default_factory=dict)
    # Chosen in the preference centre (a key of CUSTOMER_FREQUENCIES; unknown = "normal").
    frequency: str = "normal"


@dataclass(frozen=True)
class Sent:
    """A message already sent or queued (not suppressed): when, and its class."""

    at: datetime
    kind: str
    # The channel it went on, when known (Decree 91 counts advertising SMS per number).
    channel: str | None = None


@dataclass(frozen=True)
class Decision:
    action: Action
    channels: tuple[str, ...] = ()
    rule: str | None = None
    until: datetime | None = None
    detail: str = ""
    # Channels the sender asked for by name that the shop has not set up: the message goes
    # on `channels` instead, and says so.
    not_set_up: tuple[str, ...] = ()


def channel_chain(
    requested: Sequence[str], recipient: Recipient, policy: ContactPolicy
) -> list[str]:
    """The ordered channels to try: the customer's preferred channel first if allowed,
    only those the shop has set up (see `routed`)."""
    return routed(requested, recipient, policy)[0]


def routed(
    requested: Sequence[str], recipient: Recipient, policy: ContactPolicy
) -> tuple[list[str], tuple[str, ...]]:
    """The chain, and the channels asked for by name that were left out as not set up.

    Set-up channels of the chain stay in order; when none is left the shop's set-up channels
    in its channel order stand in (preferred first). With nothing set up (or not known) the
    chain stays as requested: it fails at send with "not configured", for the owner to fix."""
    chain = _ordered(requested, recipient, policy)
    configured = policy.configured
    if not configured:
        return chain, ()
    kept = [c for c in chain if c not in INTERCHANGEABLE or c in configured]
    if not kept:
        kept = [c for c in _ordered(["preferred"], recipient, policy) if c in configured]
        kept = [c for c in kept if c in INTERCHANGEABLE]
    if not kept:
        return chain, ()
    named = [c for c in requested if c in INTERCHANGEABLE and c not in configured]
    return kept, tuple(dict.fromkeys(named))


def _ordered(requested: Sequence[str], recipient: Recipient, policy: ContactPolicy) -> list[str]:
    preferred = recipient.preferred_channel
    if list(requested) == ["preferred"]:
        candidates = ([preferred] if preferred else []) + list(policy.channel_order)
    else:
        candidates = []
        for name in requested:
            if name == "preferred":
                candidates.extend([preferred] if preferred else list(policy.channel_order))
            else:
                candidates.append(name)
        if preferred in candidates:
            candidates.insert(0, preferred)
    chain: list[str] = []
    for name in candidates:
        if name and name not in chain:
            chain.append(name)
    return chain


def decide(
    *,
    kind: str,
    requested: Sequence[str],
    recipient: Recipient,
    history: Sequence[Sent],
    policy: ContactPolicy,
    now: datetime,
) -> Decision:
    """Send (on which channels), defer (until when) or suppress, and the rule that said so;
    with the channels asked for that are not set up, when others stand in for them."""
    chain, not_set_up = routed(requested, recipient, policy)
    decision = _decide(kind, chain, recipient, history, policy, now)
    return replace(decision, not_set_up=not_set_up) if not_set_up else decision


def _decide(
    kind: str,
    chain: list[str],
    recipient: Recipient,
    history: Sequence[Sent],
    policy: ContactPolicy,
    now: datetime,
) -> Decision:
    reachable = [c for c in chain if c not in CONSENTED_CHANNELS or c in recipient.reachable]
    if not reachable:
        return Decision("suppress", rule=RULE_UNREACHABLE, detail=f"no address for {chain}")
    if kind == "transactional":
        allowed = reachable
    else:
        allowed = [c for c in reachable if _consented(c, recipient, policy)]
        if not allowed:
            return Decision(
                "suppress", rule=RULE_NO_CONSENT, detail=f"no consent on {', '.join(reachable)}"
            )
    if kind == "marketing" and recipient.frequency == ONLY_IMPORTANT:
        # Whatever the shop's caps: deferring would only pile up promotions nobody wants.
        return Decision(
            "suppress", rule=RULE_CUSTOMER_FREQUENCY, detail="customer chose important only"
        )
    tz = zone(recipient.timezone)
    if kind == "marketing" and "sms" in allowed:
        allowed, held = advertising_sms(allowed, history, now, tz)
        if held is not None:
            return held
    if kind in policy.quiet_classes and policy.quiet_hours is not None:
        start, end = policy.quiet_hours
        if in_quiet_hours(now.astimezone(tz).time(), start, end):
            until = next_local_time(now, tz, end)
            return Decision("defer", tuple(allowed), RULE_QUIET_HOURS, until, "quiet hours")
    if kind in policy.capped_classes and kind != "transactional":
        over = _over_customer_frequency(kind, recipient.frequency, history, policy, now)
        over = over or _over_cap(kind, history, policy, now, tz)
        if over is not None:
            return over
    return Decision("send", tuple(allowed))


def advertising_sms(
    allowed: Sequence[str], history: Sequence[Sent], now: datetime, tz: ZoneInfo
) -> tuple[list[str], Decision | None]:
    """Decree 91's hours and count for a marketing message whose chain has SMS: the chain
    without SMS when SMS may not go now, or a deferral when SMS was the only way."""
    start, end = AD_SMS_HOURS
    rule, until = None, None
    if not start <= now.astimezone(tz).time() < end:
        rule, until = RULE_AD_SMS_HOURS, next_local_time(now, tz, start)
    else:
        recent = sorted(
            h.at
            for h in history
            if h.channel == "sms" and h.kind == "marketing" and now - AD_SMS_WINDOW < h.at <= now
        )
        if len(recent) >= AD_SMS_MAX:
            rule, until = RULE_AD_SMS_DAILY, recent[len(recent) - AD_SMS_MAX] + AD_SMS_WINDOW
    if rule is None or until is None:
        return list(allowed), None
    rest = [c for c in allowed if c != "sms"]
    if rest:
        return rest, None
    return [], Decision("defer", ("sms",), rule, until, "Decree 91/2020/NĐ-CP")


def history_days(policy: ContactPolicy) -> int:
    """How many days of a customer's sends `decide` may look at (longest window + 1 day:
    the daily cap looks at the customer's local day, which may start before the edge)."""
    longest = max([policy.window_days] + [f[1] for f in CUSTOMER_FREQUENCIES.values() if f])
    return longest + 1


def _counted(kind: str, history: Sequence[Sent], now: datetime) -> list[datetime]:
    """When the sends that count against a `kind` message went: non-transactional, same
    class or higher, oldest first."""
    rank = PRIORITY.get(kind, 1)
    return sorted(
        h.at
        for h in history
        if h.kind != "transactional" and PRIORITY.get(h.kind, 1) >= rank and h.at <= now
    )


def _over_customer_frequency(
    kind: str, frequency: str, history: Sequence[Sent], policy: ContactPolicy, now: datetime
) -> Decision | None:
    limit = CUSTOMER_FREQUENCIES.get(frequency)
    if limit is None:
        return None
    most, days = limit
    window = timedelta(days=days)
    in_window = [at for at in _counted(kind, history, now) if at > now - window]
    if len(in_window) < most:
        return None
    free_at = in_window[len(in_window) - most] + window
    detail = f"customer chose {frequency}: {len(in_window)} in {days} days (at most {most})"
    # Same handling as the shop's window cap: a campaign is dropped, not piled up.
    return _over(policy.on_window_cap, RULE_CUSTOMER_FREQUENCY, free_at, detail)


def _consented(channel: str, recipient: Recipient, policy: ContactPolicy) -> bool:
    if channel not in CONSENTED_CHANNELS:
        return True
    state = recipient.consents.get(channel, "unknown")
    return state == "granted" if policy.require_opt_in else state != "denied"


def _over_cap(
    kind: str, history: Sequence[Sent], policy: ContactPolicy, now: datetime, tz: ZoneInfo
) -> Decision | None:
    counted = _counted(kind, history, now)
    window = timedelta(days=policy.window_days)
    in_window = [at for at in counted if at > now - window]
    if len(in_window) >= policy.max_per_window:
        # The window frees up when enough of the oldest counted messages leave it.
        free_at = in_window[len(in_window) - policy.max_per_window] + window
        detail = f"{len(in_window)} in {policy.window_days} days (cap {policy.max_per_window})"
        return _over(policy.on_window_cap, RULE_WINDOW_CAP, free_at, detail)
    today = now.astimezone(tz).date()
    same_day = [at for at in counted if at.astimezone(tz).date() == today]
    if len(same_day) >= policy.max_per_day:
        morning = policy.quiet_hours[1] if policy.quiet_hours is not None else time(0, 0)
        tomorrow = datetime.combine(today + timedelta(days=1), morning, tzinfo=tz)
        detail = f"{len(same_day)} today (cap {policy.max_per_day})"
        return _over(policy.on_daily_cap, RULE_DAILY_CAP, tomorrow.astimezone(now.tzinfo), detail)
    return None


def _over(on: OnOverCap, rule: str, until: datetime, detail: str) -> Decision:
    if on == "defer":
        return Decision("defer", rule=rule, until=until, detail=detail)
    return Decision("suppress", rule=rule, detail=detail)


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """Whether a local time of day falls in [start, end), which may span midnight."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_local_time(now: datetime, tz: ZoneInfo, at: time) -> datetime:
    """The first moment after `now` when the local clock in `tz` shows `at`."""
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date(), at, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=tz)
    return candidate.astimezone(now.tzinfo)


def zone(name: str | None, fallback: str = "Asia/Ho_Chi_Minh") -> ZoneInfo:
    """The IANA zone `name`, or `fallback` when it is missing or unknown."""
    try:
        return ZoneInfo(name or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)
