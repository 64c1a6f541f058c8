"""Program settings (pure): defaults from the seeds, and validation of what a shop changes.

Stored as JSON on loyalty_programs.config; only the keys a shop changed are stored, so a
shop picks up improved defaults unless it chose otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Final

from careloop.core.errors import FieldError, ValidationFailed
from careloop.core.money import exponent

# The tiers Careloop ships (their names come from the catalogue, tier.<key>); a shop may
# rename, reshape, add (up to MAX_TIERS) or remove tiers: ProgramConfig.tiers.
TIERS: Final = ("silver", "gold", "platinum")
MIN_TIERS: Final = 1
MAX_TIERS: Final = 8
TIER_NAME_MAX: Final = 40
TIER_KEY: Final = re.compile(r"[a-z0-9][a-z0-9_]{0,39}")
# The settings of the three-tier shape before tiers were a list (converted on load).
LEGACY_TIER_KEYS: Final = (
    "gold_orders",
    "platinum_orders",
    "gold_spend_minor",
    "platinum_spend_minor",
    "tier_benefits",
)
GRANT_ON: Final = ("paid", "delivered")

# Entitlement keys: what a privilege is called wherever it is applied.
FREE_SHIPPING: Final = "free_shipping"
FREE_EXPRESS_SHIPPING: Final = "free_express_shipping"
FREE_RETURNS: Final = "free_returns"
DOUBLE_WARRANTY: Final = "double_warranty"
WORKSHOP_SEAT: Final = "workshop_seat"
EARLY_ACCESS: Final = "early_access"
PRIORITY_SUPPORT: Final = "priority_support"
BIRTHDAY_GIFT: Final = "birthday_gift"
ENTITLEMENT_KEYS: Final = (
    FREE_SHIPPING,
    FREE_EXPRESS_SHIPPING,
    FREE_RETURNS,
    DOUBLE_WARRANTY,
    WORKSHOP_SEAT,
    EARLY_ACCESS,
    PRIORITY_SUPPORT,
    BIRTHDAY_GIFT,
)

# The seeds' "VIP Club": Silver any purchase; Gold 3+ purchases or ¥500; Platinum 10+ or ¥2000.
# In VND a small shop's sensible equivalents are 5.000.000 ₫ and 20.000.000 ₫.
VND_THRESHOLDS: Final = {"gold": 5_000_000, "platinum": 20_000_000}
OTHER_THRESHOLDS_MAJOR: Final = {"gold": 500, "platinum": 2000}


@dataclass(frozen=True)
class Reward:
    """An item of the rewards catalogue, bought with points."""

    key: str
    name_vi: str
    name_en: str
    cost: int
    # coupon (percent / fixed / free_shipping) or entitlement (one of ENTITLEMENT_KEYS).
    kind: str
    percent_off: int | None = None
    amount_off_major: int | None = None
    entitlement: str | None = None
    valid_days: int = 90
    min_tier: str | None = None
    # Economics (loyalty/economics.reward_terms): None means the safe default.
    max_discount_major: int | None = None
    min_order_major: int | None = None
    # A percent or fixed code that also takes the shipping off.
    free_shipping: bool = False

    def name(self, locale: str) -> str:
        return self.name_vi if locale.startswith("vi") else self.name_en


DEFAULT_REWARDS: Final = (
    Reward(
        "express_shipping",
        "Miễn phí giao hàng hỏa tốc trọn đời",
        "Free express shipping for life",
        2000,
        "entitlement",
        entitlement=FREE_EXPRESS_SHIPPING,
        valid_days=0,
    ),
    Reward(
        "double_warranty",
        "Gấp đôi thời gian bảo hành",
        "Double warranty period",
        1000,
        "entitlement",
        entitlement=DOUBLE_WARRANTY,
        valid_days=365,
    ),
    Reward(
        "workshop_seat",
        "Một chỗ tại workshop dành riêng cho thành viên",
        "A seat at a members-only workshop",
        800,
        "entitlement",
        entitlement=WORKSHOP_SEAT,
        valid_days=180,
    ),
    Reward(
        "early_access",
        "Dùng thử sản phẩm mới trước khi ra mắt",
        "Early access to new products",
        500,
        "entitlement",
        entitlement=EARLY_ACCESS,
        valid_days=365,
    ),
    Reward(
        "priority_support",
        "Hỗ trợ ưu tiên",
        "Priority support",
        600,
        "entitlement",
        entitlement=PRIORITY_SUPPORT,
        valid_days=365,
    ),
    Reward("discount_10", "Giảm 10% đơn tiếp theo", "10% off your next order", 100, "percent", 10),
    Reward(
        "discount_25",
        "Giảm 25% và miễn phí giao hàng",
        "25% off and free shipping on your next order",
        500,
        "percent",
        25,
        free_shipping=True,
    ),
    Reward("free_shipping", "Miễn phí giao hàng", "Free shipping", 150, "free_shipping"),
)

DEFAULT_TIER_BENEFITS: Final = {
    "silver": (EARLY_ACCESS, BIRTHDAY_GIFT),
    "gold": (EARLY_ACCESS, BIRTHDAY_GIFT, FREE_SHIPPING),
    "platinum": (
        EARLY_ACCESS,
        BIRTHDAY_GIFT,
        FREE_SHIPPING,
        FREE_EXPRESS_SHIPPING,
        FREE_RETURNS,
        PRIORITY_SUPPORT,
    ),
}


@dataclass(frozen=True)
class Tier:
    """One rung of the programme. The first tier is earned by any purchase; every other by
    `orders` orders in the window or `spend_minor` spent in it, whichever comes first.

    Names: None means the catalogue's name (only for the shipped keys silver/gold/platinum);
    spend None means the currency default for gold/platinum and "not by spend" otherwise."""

    key: str
    name_vi: str | None = None
    name_en: str | None = None
    orders: int | None = None
    spend_minor: int | None = None
    privileges: tuple[str, ...] = ()

    def own_name(self, locale: str) -> str | None:
        """The name the shop gave it in `locale` (None: the catalogue's)."""
        return (self.name_vi if locale.startswith("vi") else self.name_en) or None


DEFAULT_TIERS: Final = (
    Tier("silver", privileges=DEFAULT_TIER_BENEFITS["silver"]),
    Tier("gold", orders=3, privileges=DEFAULT_TIER_BENEFITS["gold"]),
    Tier("platinum", orders=10, privileges=DEFAULT_TIER_BENEFITS["platinum"]),
)


@dataclass(frozen=True)
class ProgramConfig:
    # Earning: points per `earn_per_major` major units of the order total (VND: per 1.000 ₫).
    points_per_unit: int = 1
    earn_unit_major: int | None = None  # None: 1000 for VND, 1 for other currencies
    grant_on: str = "delivered"
    expiry_months: int = 12  # 0: points never expire
    expiry_warning_days: int = 30
    # Bonus points.
    bonus_survey: int = 20
    bonus_review: int = 50
    bonus_referral: int = 200
    bonus_birthday: int = 100
    # Tiers over a rolling window (0: lifetime), with a grace period before a downgrade.
    tier_window_months: int = 12
    tier_grace_days: int = 30
    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    rewards: tuple[Reward, ...] = DEFAULT_REWARDS
    # Referral: the friend's first-order coupon and the advocate's (seeds: 15% each).
    referral_friend_percent: int = 15
    referral_advocate_percent: int = 15
    referral_burst_per_week: int = 10
    # Occasions (seeds: birthday month 20% off, first-purchase anniversary 25% off).
    birthday_percent: int = 20
    anniversary_percent: int = 25
    coupon_valid_days: int = 30
    # Percent codes outside the catalogue (birthday, anniversary, referral, repeat, journeys):
    # the most they take off and the order they need (None: loyalty/economics defaults).
    coupon_max_discount_major: int | None = None
    coupon_min_order_major: int | None = None
    # Optional tiered repeat-purchase discounts: 2nd 10%, 3rd 15%, 4th 20%.
    repeat_discounts: bool = False
    repeat_discount_steps: tuple[int, ...] = (10, 15, 20)

    def earn_unit_minor(self, currency: str) -> int:
        major = self.earn_unit_major
        if major is None:
            major = 1000 if currency.upper() == "VND" else 1
        return int(major * 10 ** exponent(currency))

    @property
    def tier_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.tiers)

    @property
    def tier_benefits(self) -> dict[str, tuple[str, ...]]:
        """Privileges per tier key (what entitlements and store actions apply)."""
        return {t.key: t.privileges for t in self.tiers}

    def tier(self, key: str | None) -> Tier | None:
        return next((t for t in self.tiers if t.key == key), None)

    def spend_threshold(self, tier: str, currency: str) -> int | None:
        """The spend in the window that earns `tier` (minor units); None: not by spend."""
        found = self.tier(tier)
        if found is not None and found.spend_minor is not None:
            return found.spend_minor
        return default_spend(tier, currency)

    def reward(self, key: str) -> Reward | None:
        return next((r for r in self.rewards if r.key == key), None)


_INT_FIELDS: Final = {
    name: (low, high)
    for name, low, high in [
        ("points_per_unit", 0, 1000),
        ("expiry_months", 0, 120),
        ("expiry_warning_days", 0, 365),
        ("bonus_survey", 0, 1_000_000),
        ("bonus_review", 0, 1_000_000),
        ("bonus_referral", 0, 1_000_000),
        ("bonus_birthday", 0, 1_000_000),
        ("tier_window_months", 0, 120),
        ("tier_grace_days", 0, 3650),
        ("referral_friend_percent", 0, 100),
        ("referral_advocate_percent", 0, 100),
        ("referral_burst_per_week", 1, 10_000),
        ("birthday_percent", 0, 100),
        ("anniversary_percent", 0, 100),
        ("coupon_valid_days", 1, 3650),
    ]
}
_OPTIONAL_INT_FIELDS: Final = ("earn_unit_major", "coupon_max_discount_major")


def default_spend(tier: str, currency: str) -> int | None:
    """The shipped spend bar of gold/platinum in `currency`; None for any other tier."""
    if tier not in VND_THRESHOLDS:
        return None
    if currency.upper() == "VND":
        return VND_THRESHOLDS[tier]
    return int(OTHER_THRESHOLDS_MAJOR[tier] * 10 ** exponent(currency))


def legacy_tiers(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The three-tier settings stored before tiers were a list (gold_orders, platinum_orders,
    gold_spend_minor, platinum_spend_minor, tier_benefits), as the new `tiers` list: same
    keys, same thresholds, same privileges, catalogue names. Pure; values are not checked."""
    benefits = raw.get("tier_benefits")
    benefits = benefits if isinstance(benefits, Mapping) else {}
    tiers: list[dict[str, Any]] = []
    for tier in DEFAULT_TIERS:
        item: dict[str, Any] = {
            "key": tier.key,
            "name_vi": None,
            "name_en": None,
            "orders": raw.get(f"{tier.key}_orders", tier.orders),
            "spend_minor": raw.get(f"{tier.key}_spend_minor"),
            "privileges": list(benefits.get(tier.key, tier.privileges)),
        }
        tiers.append(item)
    return tiers


def merge_settings(stored: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The stored settings with `changes` applied; saving a tier list replaces the legacy
    three-tier keys (it was converted from them)."""
    merged = dict(stored)
    if "tiers" in changes:
        for key in LEGACY_TIER_KEYS:
            merged.pop(key, None)
    merged.update(changes)
    return merged


def parse_config(raw: Mapping[str, Any], *, stored: bool = False) -> ProgramConfig:
    """The program settings from stored/submitted JSON; unknown or bad keys are named.

    `stored`: settings saved before rewards were checked against their names; a stored
    reward whose name promises free shipping gives it (the customer read the name).
    Settings stored in the old three-tier shape are converted (legacy_tiers)."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    legacy = [k for k in LEGACY_TIER_KEYS if k in raw]
    if legacy and "tiers" in raw:
        for key in legacy:
            errors.append(FieldError(key, "replaced by tiers: change the tier list instead"))
    for key, value in raw.items():
        if key in ("gold_orders", "platinum_orders"):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000:
                errors.append(FieldError(key, "must be a whole number from 1 to 10000"))
        elif key in ("gold_spend_minor", "platinum_spend_minor"):
            if value is not None and (not isinstance(value, int) or value < 1):
                errors.append(FieldError(key, "must be a positive whole number or null"))
        elif key == "tier_benefits":
            _parse_benefits(value, errors)
        elif key == "tiers":
            values[key] = _parse_tiers(value, errors)
        elif key in _INT_FIELDS:
            low, high = _INT_FIELDS[key]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                errors.append(FieldError(key, f"must be a whole number from {low} to {high}"))
            else:
                values[key] = value
        elif key in _OPTIONAL_INT_FIELDS:
            if value is not None and (not isinstance(value, int) or value < 1):
                errors.append(FieldError(key, "must be a positive whole number or null"))
            else:
                values[key] = value
        elif key == "coupon_min_order_major":
            if value is not None and (not isinstance(value, int) or value < 0):
                errors.append(FieldError(key, "must be zero, a positive whole number or null"))
            else:
                values[key] = value
        elif key == "grant_on":
            if value not in GRANT_ON:
                errors.append(FieldError(key, f"must be one of {', '.join(GRANT_ON)}"))
            else:
                values[key] = value
        elif key == "repeat_discounts":
            if not isinstance(value, bool):
                errors.append(FieldError(key, "must be true or false"))
            else:
                values[key] = value
        elif key == "repeat_discount_steps":
            if not isinstance(value, list | tuple) or not all(
                isinstance(v, int) and 0 <= v <= 100 for v in value
            ):
                errors.append(FieldError(key, "must be a list of percentages 0-100"))
            else:
                values[key] = tuple(value)
        elif key == "rewards":
            values[key] = _parse_rewards(value, errors, stored=stored)
        else:
            errors.append(FieldError(key, "unknown loyalty setting"))
    if legacy and not errors:
        values["tiers"] = _parse_tiers(legacy_tiers(raw), errors, ordered=False)
    if errors:
        raise ValidationFailed(errors)
    return replace(ProgramConfig(), **values)


def _parse_tiers(value: Any, errors: list[FieldError], *, ordered: bool = True) -> tuple[Tier, ...]:
    """The tier list: 1-8 tiers, unique slug keys, names (both languages for a tier the
    product did not ship), thresholds strictly increasing from the second tier on, known
    privileges. `ordered=False` for settings converted from the old shape, which never
    checked the order of the bars (they must keep loading)."""
    if not isinstance(value, list) or not MIN_TIERS <= len(value) <= MAX_TIERS:
        errors.append(FieldError("tiers", f"must be a list of {MIN_TIERS} to {MAX_TIERS} tiers"))
        return DEFAULT_TIERS
    tiers: list[Tier] = []
    before = len(errors)
    for i, item in enumerate(value):
        where = f"tiers.{i}"
        if not isinstance(item, Mapping):
            errors.append(FieldError(where, "must be an object"))
            continue
        unknown = set(item) - {"key", "name_vi", "name_en", "orders", "spend_minor", "privileges"}
        if unknown:
            errors.append(FieldError(where, f"unknown field(s): {sorted(unknown)}"))
            continue
        key = item.get("key")
        if not isinstance(key, str) or not TIER_KEY.fullmatch(key):
            errors.append(FieldError(f"{where}.key", "must be a slug (a-z, 0-9, _)"))
            continue
        names: dict[str, str | None] = {}
        for lang in ("vi", "en"):
            name = item.get(f"name_{lang}")
            if isinstance(name, str) and name.strip():
                if len(name.strip()) > TIER_NAME_MAX:
                    errors.append(
                        FieldError(f"{where}.name_{lang}", f"at most {TIER_NAME_MAX} characters")
                    )
                names[lang] = name.strip()
            elif name is None or name == "":
                names[lang] = None
                if key not in TIERS:
                    errors.append(FieldError(f"{where}.name_{lang}", "required"))
            else:
                errors.append(FieldError(f"{where}.name_{lang}", "must be text"))
        orders, spend = item.get("orders"), item.get("spend_minor")
        if orders is not None and (
            not isinstance(orders, int) or isinstance(orders, bool) or not 1 <= orders <= 10_000
        ):
            errors.append(FieldError(f"{where}.orders", "must be a whole number from 1 to 10000"))
        if spend is not None and (
            not isinstance(spend, int) or isinstance(spend, bool) or spend < 1
        ):
            errors.append(FieldError(f"{where}.spend_minor", "must be a positive whole number"))
        if i > 0 and orders is None and spend is None and key not in VND_THRESHOLDS:
            errors.append(FieldError(where, "needs orders or spend_minor"))
        privileges = item.get("privileges", [])
        if not isinstance(privileges, list | tuple) or any(
            p not in ENTITLEMENT_KEYS for p in privileges
        ):
            errors.append(FieldError(f"{where}.privileges", "unknown privilege(s)"))
            privileges = []
        first = i == 0
        tiers.append(
            Tier(
                key,
                names["vi"],
                names["en"],
                None if first else orders,
                None if first else spend,
                tuple(dict.fromkeys(privileges)),
            )
        )
    keys = [t.key for t in tiers]
    if len(set(keys)) != len(keys):
        errors.append(FieldError("tiers", "tier keys must be unique"))
    if ordered and len(errors) == before:
        _check_increasing(tiers, errors)
    return tuple(tiers)


def _check_increasing(tiers: list[Tier], errors: list[FieldError]) -> None:
    """Each bar above the last one set (the first tier has none: any purchase)."""
    for part in ("orders", "spend_minor"):
        last: int | None = None
        for i, tier in enumerate(tiers[1:], start=1):
            bar = getattr(tier, part)
            if bar is None:
                continue
            if last is not None and bar <= last:
                errors.append(FieldError(f"tiers.{i}.{part}", "must be above the tier below"))
            last = bar


def tier_to_json(tier: Tier) -> dict[str, Any]:
    data = asdict(tier)
    data["privileges"] = list(tier.privileges)
    return data


def _parse_benefits(value: Any, errors: list[FieldError]) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        errors.append(FieldError("tier_benefits", "must map tier -> list of entitlement keys"))
        return dict(DEFAULT_TIER_BENEFITS)
    result: dict[str, tuple[str, ...]] = {}
    for tier, keys in value.items():
        if tier not in TIERS:
            errors.append(FieldError(f"tier_benefits.{tier}", "unknown tier"))
            continue
        bad = [k for k in keys if k not in ENTITLEMENT_KEYS]
        if bad:
            errors.append(FieldError(f"tier_benefits.{tier}", f"unknown privilege(s): {bad}"))
            continue
        result[tier] = tuple(keys)
    return result


def min_tier_errors(config: ProgramConfig) -> list[FieldError]:
    """Rewards whose minimum tier the programme does not have (removed or mistyped): a
    change that leaves one is refused, naming the reward's field."""
    keys = set(config.tier_keys)
    return [
        FieldError(f"rewards.{i}.min_tier", f"no tier {reward.min_tier!r} in the programme")
        for i, reward in enumerate(config.rewards)
        if reward.min_tier and reward.min_tier not in keys
    ]


def _parse_rewards(
    value: Any, errors: list[FieldError], *, stored: bool = False
) -> tuple[Reward, ...]:
    if not isinstance(value, list):
        errors.append(FieldError("rewards", "must be a list"))
        return DEFAULT_REWARDS
    rewards: list[Reward] = []
    for i, item in enumerate(value):
        where = f"rewards.{i}"
        try:
            reward = Reward(**item)
        except TypeError as exc:
            errors.append(FieldError(where, f"bad reward: {exc}"))
            continue
        if stored and reward.kind in ("percent", "fixed") and promise_errors(reward, where):
            reward = replace(reward, free_shipping=_names_free_shipping(reward))
        if reward.kind not in ("entitlement", "percent", "fixed", "free_shipping"):
            errors.append(
                FieldError(f"{where}.kind", "must be entitlement/percent/fixed/free_shipping")
            )
        elif reward.kind == "entitlement" and reward.entitlement not in ENTITLEMENT_KEYS:
            errors.append(FieldError(f"{where}.entitlement", "unknown privilege"))
        elif reward.kind == "percent" and not 1 <= (reward.percent_off or 0) <= 100:
            errors.append(FieldError(f"{where}.percent_off", "must be 1-100"))
        elif reward.kind == "fixed" and (reward.amount_off_major or 0) < 1:
            errors.append(FieldError(f"{where}.amount_off_major", "must be positive"))
        elif reward.cost < 1:
            errors.append(FieldError(f"{where}.cost", "must be at least 1 point"))
        elif economics := _economics_errors(reward, where):
            errors.extend(economics)
        elif (promised := promise_errors(reward, where)) and not stored:
            errors.extend(promised)
        else:
            rewards.append(reward)
    keys = [r.key for r in rewards]
    if len(set(keys)) != len(keys):
        errors.append(FieldError("rewards", "reward keys must be unique"))
    return tuple(rewards)


def _economics_errors(reward: Reward, where: str) -> list[FieldError]:
    errors = []
    if reward.max_discount_major is not None and (
        not isinstance(reward.max_discount_major, int) or reward.max_discount_major < 1
    ):
        errors.append(FieldError(f"{where}.max_discount_major", "must be a positive number"))
    if reward.min_order_major is not None and (
        not isinstance(reward.min_order_major, int) or reward.min_order_major < 0
    ):
        errors.append(FieldError(f"{where}.min_order_major", "must not be negative"))
    if not isinstance(reward.free_shipping, bool):
        errors.append(FieldError(f"{where}.free_shipping", "must be true or false"))
    return errors


def config_to_json(config: ProgramConfig) -> dict[str, Any]:
    """Every setting, for showing the program's effective settings."""
    data = asdict(config)
    data["rewards"] = [asdict(r) for r in config.rewards]
    data["tiers"] = [tier_to_json(t) for t in config.tiers]
    data["repeat_discount_steps"] = list(config.repeat_discount_steps)
    return data


# What a name promises, in Vietnamese and English (accents folded, lower case).
_FREE_SHIPPING_WORDS: Final = (
    "mien phi giao hang",
    "mien phi van chuyen",
    "mien phi ship",
    "freeship",
    "free ship",
    "free delivery",
    "free shipping",
    "free express",
)
_PERCENT: Final = re.compile(r"(\d{1,3})\s*%")


def _fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _names_free_shipping(reward: Reward) -> bool:
    names = _fold(reward.name_vi + " " + reward.name_en)
    return reward.free_shipping or any(w in names for w in _FREE_SHIPPING_WORDS)


def gives_free_shipping(reward: Reward) -> bool:
    return (
        reward.kind == "free_shipping"
        or reward.free_shipping
        or (reward.entitlement in (FREE_SHIPPING, FREE_EXPRESS_SHIPPING))
    )


def promise_errors(reward: Reward, where: str) -> list[FieldError]:
    """A name that promises free shipping or a percent the reward does not give is refused
    (the customer reads the name; the store applies what the code gives)."""
    errors: list[FieldError] = []
    for field_name, name in (("name_vi", reward.name_vi), ("name_en", reward.name_en)):
        folded = _fold(name)
        if any(w in folded for w in _FREE_SHIPPING_WORDS) and not gives_free_shipping(reward):
            errors.append(
                FieldError(
                    f"{where}.{field_name}",
                    f"{name!r} promises free shipping but the reward does not give it "
                    "(set free_shipping: true or change the name)",
                )
            )
        for percent in {int(p) for p in _PERCENT.findall(folded)}:
            if reward.kind != "percent" or reward.percent_off != percent:
                errors.append(
                    FieldError(
                        f"{where}.{field_name}",
                        f"{name!r} promises {percent}% off but the reward gives "
                        + (
                            f"{reward.percent_off}% off"
                            if reward.kind == "percent"
                            else f"a {reward.kind.replace('_', ' ')}"
                        ),
                    )
                )
    return errors
