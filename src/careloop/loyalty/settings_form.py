"""The loyalty settings form (pure): every programme setting as a field an owner fills in,
what they typed read back into settings, and errors that name the field in vi/en.

Why a module of its own: the page shows and keeps strings (what the owner typed, "1.250.000"),
the programme stores numbers in its own units (major units, minor for tier spend); this is the
one place that converts between them, so the form and the stored JSON cannot drift apart."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from careloop.core.money import exponent
from careloop.loyalty.config import (
    _INT_FIELDS as INT_BOUNDS,
)
from careloop.loyalty.config import (
    ENTITLEMENT_KEYS,
    GRANT_ON,
    MAX_TIERS,
    MIN_TIERS,
    TIER_KEY,
    TIER_NAME_MAX,
    TIERS,
    ProgramConfig,
    Reward,
    config_to_json,
    default_spend,
    promise_errors,
)

# Field kinds: a whole number within the config's bounds, an amount in major units (blank:
# the default), an amount that may be zero, a choice, a yes/no, a list of percentages.
SECTIONS: Final = {
    "earn": (
        ("points_per_unit", "int"),
        ("earn_unit_major", "money"),
        ("grant_on", "choice"),
        ("expiry_months", "int"),
        ("expiry_warning_days", "int"),
    ),
    "bonus": (
        ("bonus_survey", "int"),
        ("bonus_review", "int"),
        ("bonus_referral", "int"),
        ("bonus_birthday", "int"),
    ),
    "tiers": (("tier_window_months", "int"), ("tier_grace_days", "int")),
    "occasions": (
        ("birthday_percent", "int"),
        ("anniversary_percent", "int"),
        ("coupon_valid_days", "int"),
        ("coupon_max_discount_major", "money"),
        ("coupon_min_order_major", "money0"),
        ("repeat_discounts", "bool"),
        ("repeat_discount_steps", "steps"),
    ),
    "referral": (
        ("referral_friend_percent", "int"),
        ("referral_advocate_percent", "int"),
        ("referral_burst_per_week", "int"),
    ),
}
FIELD_KINDS: Final = {name: kind for fields in SECTIONS.values() for name, kind in fields}
REWARD_KINDS: Final = ("percent", "fixed", "free_shipping", "entitlement")
REWARD_FIELDS: Final = (
    "key",
    "name_vi",
    "name_en",
    "cost",
    "kind",
    "value",
    "entitlement",
    "max_discount",
    "min_order",
    "valid_days",
    "min_tier",
    "free_shipping",
    "remove",
)
TIER_FIELDS: Final = ("key", "name_vi", "name_en", "orders", "spend")
ORDERS_MAX: Final = 10_000
COST_MAX: Final = 1_000_000
VALID_DAYS_MAX: Final = 3650
MONEY_MAX_MAJOR: Final = 10**12


@dataclass
class FormErrors:
    """Problems as (field name, reason key, params); the page words them in vi/en."""

    items: dict[str, tuple[str, dict[str, object]]] = field(default_factory=dict)

    def add(self, name: str, reason: str, /, **params: object) -> None:
        self.items.setdefault(name, (reason, params))


# -- showing ------------------------------------------------------------------------------


def _amount(value: int | None, locale: str) -> str:
    """A whole amount as the owner reads it: 1.250.000 (vi) or 1,250,000 (en)."""
    if value is None:
        return ""
    sep = "." if locale == "vi" else ","
    return f"{value:,}".replace(",", sep)


def shown_values(config: ProgramConfig, currency: str, locale: str) -> dict[str, Any]:
    """The form's strings for the programme as it is (blank: the default, shown as a hint)."""
    data = config_to_json(config)
    values: dict[str, Any] = {}
    for name, kind in FIELD_KINDS.items():
        raw = data[name]
        if kind in ("money", "money0"):
            values[name] = _amount(raw, locale)
        elif kind == "bool":
            values[name] = "1" if raw else ""
        elif kind == "steps":
            values[name] = ", ".join(str(v) for v in raw)
        else:
            values[name] = str(raw)
    scale = 10 ** exponent(currency)
    values["tiers"] = [
        {
            "key": tier.key,
            "name_vi": tier.name_vi or _catalogue_name(tier.key, "vi"),
            "name_en": tier.name_en or _catalogue_name(tier.key, "en"),
            "orders": str(tier.orders) if tier.orders is not None else "",
            "spend": _amount(tier.spend_minor // scale if tier.spend_minor else None, locale),
            "privileges": set(tier.privileges),
        }
        for tier in config.tiers
    ]
    values["rewards"] = [_reward_values(r, locale) for r in config.rewards]
    return values


def _reward_values(reward: Reward, locale: str) -> dict[str, str]:
    value = reward.percent_off if reward.kind == "percent" else reward.amount_off_major
    return {
        "key": reward.key,
        "name_vi": reward.name_vi,
        "name_en": reward.name_en,
        "cost": str(reward.cost),
        "kind": reward.kind,
        "value": _amount(value, locale) if value is not None else "",
        "entitlement": reward.entitlement or "",
        "max_discount": _amount(reward.max_discount_major, locale),
        "min_order": _amount(reward.min_order_major, locale),
        "valid_days": str(reward.valid_days),
        "min_tier": reward.min_tier or "",
        "free_shipping": "1" if reward.free_shipping else "",
        "remove": "",
    }


def _catalogue_name(key: str, locale: str) -> str:
    """The shipped name of silver/gold/platinum (blank for a shop's own tier)."""
    from careloop.core.catalogue import t

    return t(f"tier.{key}", locale) if key in TIERS else ""


def blank_tier() -> dict[str, Any]:
    return {name: "" for name in TIER_FIELDS} | {"privileges": set()}


def tier_spend_hints(rows: list[dict[str, Any]], currency: str, locale: str) -> list[str]:
    """Per row, the spend a blank field means (the shipped bar of gold/platinum), as a hint."""
    scale = 10 ** exponent(currency)
    hints = []
    for row in rows:
        bar = default_spend(row["key"], currency) if row["key"] else None
        hints.append(_amount(bar // scale, locale) if bar else "")
    return hints


def blank_reward() -> dict[str, str]:
    return {name: "" for name in REWARD_FIELDS} | {"kind": "percent", "valid_days": "90"}


# -- reading what was typed --------------------------------------------------------------


def submitted_values(
    form: Mapping[str, Any], benefit_keys: list[tuple[str, str]]
) -> dict[str, Any]:
    """What the owner typed, as strings (kept to show again on an error). `benefit_keys`:
    the (tier row, privilege) pairs whose boxes were ticked."""
    values: dict[str, Any] = {n: str(form.get(n, "")).strip() for n in FIELD_KINDS}
    tier_count = min(_whole(str(form.get("tier_count", "0"))) or 0, MAX_TIERS + 1)
    tiers = []
    for i in range(tier_count):
        row: dict[str, Any] = {n: str(form.get(f"tier.{i}.{n}", "")).strip() for n in TIER_FIELDS}
        row["privileges"] = {k for where, k in benefit_keys if where == str(i)}
        tiers.append(row)
    values["tiers"] = tiers
    count = _whole(str(form.get("reward_count", "0"))) or 0
    rewards = []
    for i in range(min(count, 100) + 1):  # the last row is the blank "new reward" row
        row = {n: str(form.get(f"reward.{i}.{n}", "")).strip() for n in REWARD_FIELDS}
        if i == count and not (row["name_vi"] or row["name_en"]):
            continue
        rewards.append(row)
    values["rewards"] = rewards
    return values


def _whole(text: str) -> int | None:
    cleaned = re.sub(r"[\s.,₫đ]", "", text.replace("VND", "").replace("vnd", ""))
    return int(cleaned) if cleaned.isdigit() else None


def _bounded(text: str, name: str, low: int, high: int, errors: FormErrors) -> int | None:
    number = _whole(text)
    if number is None or not low <= number <= high:
        errors.add(name, "whole_number", low=low, high=high)
        return None
    return number


def _money(text: str, name: str, errors: FormErrors, *, zero: bool = False) -> int | None:
    if not text:
        return None
    number = _whole(text)
    if number is None or number > MONEY_MAX_MAJOR or (number == 0 and not zero):
        errors.add(name, "money0" if zero else "money")
        return None
    return number


def _scalar(name: str, kind: str, text: str, errors: FormErrors) -> Any:
    if kind == "int":
        low, high = INT_BOUNDS[name]
        return _bounded(text, name, low, high, errors)
    if kind in ("money", "money0"):
        return _money(text, name, errors, zero=kind == "money0")
    if kind == "bool":
        return text == "1"
    if kind == "choice":
        if text not in GRANT_ON:
            errors.add(name, "choose")
        return text
    parts = [p for p in re.split(r"[\s,;]+", text) if p]
    steps = [int(p) for p in parts if p.isdigit() and int(p) <= 100]
    if len(steps) != len(parts):
        errors.add(name, "steps")
    return steps


def read_settings(
    values: Mapping[str, Any], config: ProgramConfig, currency: str
) -> tuple[dict[str, Any], FormErrors]:
    """The settings the owner submitted, in the programme's units, and what is wrong."""
    errors = FormErrors()
    settings: dict[str, Any] = {
        name: _scalar(name, kind, values[name], errors) for name, kind in FIELD_KINDS.items()
    }
    settings["tiers"] = _read_tiers(values["tiers"], currency, errors)
    tier_keys = {tier["key"] for tier in settings["tiers"]}
    settings["rewards"] = _read_rewards(values["rewards"], errors, tier_keys)
    return settings, errors


def _read_tiers(
    rows: list[dict[str, Any]], currency: str, errors: FormErrors
) -> list[dict[str, Any]]:
    """The tier table as the programme's `tiers` list. A shipped tier whose name is the
    catalogue's keeps no name of its own (it follows the catalogue); a new row gets a key
    from its name. Bars must rise from row to row (a blank gold/platinum spend means the
    shipped bar, as the hint shows)."""
    if not MIN_TIERS <= len(rows) <= MAX_TIERS:
        errors.add("tiers", "tier_count", low=MIN_TIERS, high=MAX_TIERS)
    scale = 10 ** exponent(currency)
    keys = {row["key"] for row in rows if TIER_KEY.fullmatch(row["key"] or "")}
    tiers: list[dict[str, Any]] = []
    last_orders: tuple[int, int] | None = None  # (bar, row) of the last row with one
    last_spend: tuple[int, int] | None = None
    for i, row in enumerate(rows):
        where = f"tier.{i}"
        names: dict[str, str | None] = {}
        for lang in ("vi", "en"):
            name = row[f"name_{lang}"]
            if not name:
                errors.add(f"{where}.name_{lang}", "name_required")
            elif len(name) > TIER_NAME_MAX:
                errors.add(f"{where}.name_{lang}", "too_long", max=TIER_NAME_MAX)
            names[lang] = None if name == _catalogue_name(row["key"], lang) else name or None
        key = row["key"] if TIER_KEY.fullmatch(row["key"] or "") else ""
        if not key:
            key = _slug(row["name_en"] or row["name_vi"], "tier")[:40]
            while key in keys:
                key += "_2"
            keys.add(key)
        orders: int | None = None
        spend: int | None = None
        if i > 0:
            if row["orders"]:
                orders = _bounded(row["orders"], f"{where}.orders", 1, ORDERS_MAX, errors)
            amount = _money(row["spend"], f"{where}.spend", errors)
            spend = amount * scale if amount is not None else None
            bar = spend if spend is not None else default_spend(key, currency)
            if not row["orders"] and not row["spend"] and bar is None:
                errors.add(f"{where}.orders", "needs_bar")
            if orders is not None:
                if last_orders is not None and orders <= last_orders[0]:
                    errors.add(f"{where}.orders", "higher_tier", lower=_row_name(rows, i - 1))
                last_orders = (orders, i)
            if bar is not None and f"{where}.spend" not in errors.items:
                if last_spend is not None and bar <= last_spend[0]:
                    errors.add(f"{where}.spend", "higher_tier", lower=_row_name(rows, i - 1))
                last_spend = (bar, i)
        tiers.append(
            {
                "key": key,
                "name_vi": names["vi"],
                "name_en": names["en"],
                "orders": orders,
                "spend_minor": spend,
                "privileges": [k for k in ENTITLEMENT_KEYS if k in row["privileges"]],
            }
        )
    return tiers


def _row_name(rows: list[dict[str, Any]], i: int) -> str:
    row = rows[i]
    return str(row["name_vi"] or row["name_en"] or f"#{i + 1}")


def _slug(text: str, fallback: str = "reward") -> str:
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:60] or fallback


def _read_rewards(
    rows: list[dict[str, str]], errors: FormErrors, tier_keys: set[str]
) -> list[dict[str, Any]]:
    rewards: list[dict[str, Any]] = []
    keys: set[str] = set()
    for i, row in enumerate(rows):
        if row["remove"] == "1":
            continue
        where = f"reward.{i}"
        for name in ("name_vi", "name_en"):
            if not row[name]:
                errors.add(f"{where}.{name}", "required")
        kind = row["kind"] if row["kind"] in REWARD_KINDS else "percent"
        key = row["key"] or _slug(row["name_en"] or row["name_vi"])
        while key in keys:
            key += "_2"
        keys.add(key)
        item: dict[str, Any] = {
            "key": key,
            "name_vi": row["name_vi"],
            "name_en": row["name_en"],
            "cost": _bounded(row["cost"], f"{where}.cost", 1, COST_MAX, errors),
            "kind": kind,
            "percent_off": None,
            "amount_off_major": None,
            "entitlement": None,
            "valid_days": _bounded(
                row["valid_days"], f"{where}.valid_days", 0, VALID_DAYS_MAX, errors
            ),
            "min_tier": row["min_tier"] or None,
            "max_discount_major": _money(row["max_discount"], f"{where}.max_discount", errors),
            "min_order_major": _money(row["min_order"], f"{where}.min_order", errors, zero=True),
            "free_shipping": row["free_shipping"] == "1",
        }
        if kind == "percent":
            item["percent_off"] = _bounded(row["value"], f"{where}.value", 1, 100, errors)
        elif kind == "fixed":
            item["amount_off_major"] = _money(row["value"], f"{where}.value", errors)
            if item["amount_off_major"] is None:
                errors.add(f"{where}.value", "money")
        elif kind == "entitlement":
            if row["entitlement"] not in ENTITLEMENT_KEYS:
                errors.add(f"{where}.entitlement", "choose")
            item["entitlement"] = row["entitlement"] or None
        if item["min_tier"] and item["min_tier"] not in tier_keys:
            errors.add(f"{where}.min_tier", "tier_gone")
        _promises(item, where, errors)
        rewards.append(item)
    return rewards


def _promises(item: dict[str, Any], where: str, errors: FormErrors) -> None:
    """A name promising free shipping or a percent the reward does not give is refused."""
    if any(v is None for k, v in item.items() if k in ("cost", "valid_days")):
        return
    for problem in promise_errors(Reward(**item), where):
        name = problem.field.replace("rewards.", "reward.")
        percent = re.search(r"promises (\d+)% off", problem.reason)
        if percent:
            errors.add(name, "promise_percent", percent=percent.group(1))
        else:
            errors.add(name, "promise_free_shipping")


def changed_settings(settings: Mapping[str, Any], config: ProgramConfig) -> dict[str, Any]:
    """Only what differs from the programme as it is (unchanged defaults stay defaults)."""
    current = config_to_json(config)
    current["rewards"] = [asdict(r) for r in config.rewards]
    return {k: v for k, v in settings.items() if _normal(v) != _normal(current.get(k))}


def _normal(value: Any) -> Any:
    if isinstance(value, dict) and all(isinstance(v, list | tuple) for v in value.values()):
        return {k: sorted(v) for k, v in value.items()}  # privileges: a set per tier
    if isinstance(value, tuple | list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):  # a tier: its privileges are a set
        return {k: sorted(v) if k == "privileges" else _normal(v) for k, v in value.items()}
    return value


# -- wording -------------------------------------------------------------------------------


def worded(errors: FormErrors, locale: str) -> dict[str, str]:
    """{field name: "<where> · <field>: <reason>"} in the staff's language; a tier row's
    problem reads "Hạng 2 — Tên (tiếng Việt): bắt buộc"."""
    from careloop.core.catalogue import t

    out = {}
    for name, (reason, params) in errors.items.items():
        text = t(f"loyalty.form.error.{reason}", locale, **params)
        parts = name.split(".")
        if name == "tiers":
            label = t("loyalty.form.section.tiers", locale)
        elif parts[0] == "tier":
            where = t("loyalty.form.tier_row", locale, n=int(parts[1]) + 1)
            label = f"{where} — {t(f'loyalty.form.tier.{parts[2]}', locale)}"
        elif parts[0] == "reward":
            where = t("loyalty.form.reward_where", locale, n=int(parts[1]) + 1)
            label = f"{where} · {t(f'loyalty.form.reward.{parts[2]}', locale)}"
        else:
            label = t(f"loyalty.form.field.{name}", locale)
        out[name] = f"{label}: {text}"
    return out
