"""The loyalty programme settings form: an owner changes the earn rate, tier thresholds and
privileges, and the rewards catalogue without typing JSON; errors name the field in the
staff's language, nothing is saved on an error and the form keeps what was typed."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.audit.models import AuditEntry
from careloop.context import AppContext
from careloop.loyalty.config import DOUBLE_WARRANTY, FREE_SHIPPING, PRIORITY_SUPPORT
from careloop.loyalty.models import LoyaltyProgram
from careloop.loyalty.program import program_config
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in


class _FormFields(HTMLParser):
    """The fields of the settings form as a browser would submit them untouched."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._inside = False
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._inside = a.get("data-testid") == "settings-form"
        if not self._inside:
            return
        if tag == "input" and "name" in a:
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            else:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        if tag == "select" and self._select is not None:
            chosen = next((v for v, s in self._options if s), self._options[0][0])
            self.fields.append((self._select, chosen))
            self._select = None


def as_data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for key, value in fields:
        data.setdefault(key, []).append(value)
    return data


def form_fields(html: str) -> list[tuple[str, str]]:
    parser = _FormFields()
    parser.feed(html)
    assert parser.fields, "the page has no settings form"
    return parser.fields


def changed(
    fields: list[tuple[str, str]],
    set_: dict[str, str] | None = None,
    tick: list[tuple[str, str]] | None = None,
    untick: list[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    out = [(k, (set_ or {}).get(k, v)) for k, v in fields if (k, v) not in (untick or [])]
    return out + list(tick or [])


def _program_config(ctx: AppContext, shop: Shop) -> dict[str, object]:
    with ctx.sessions() as s:
        program = s.scalar(select(LoyaltyProgram).where(LoyaltyProgram.shop_id == shop.id))
        return dict(program.config) if program else {}


def test_the_owner_sets_earning_tiers_and_a_new_reward_in_the_form(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/loyalty")
    assert 'data-testid="settings-form"' in page.text
    fields = changed(
        form_fields(page.text),
        set_={
            "points_per_unit": "2",
            "expiry_months": "18",
            "tier.1.spend": "10.000.000",
            "tier.2.orders": "12",
            "reward.8.name_vi": "Giảm 50.000 ₫",
            "reward.8.name_en": "50,000 ₫ off",
            "reward.8.cost": "300",
            "reward.8.kind": "fixed",
            "reward.8.value": "50.000",
            "reward.8.min_order": "300.000",
        },
        tick=[("benefit.1", PRIORITY_SUPPORT)],
    )

    saved = app_client.post("/loyalty/settings/form", data=as_data(fields))

    assert saved.status_code == 200 and saved.url.path == "/loyalty"
    with ctx.sessions() as s:
        config = program_config(s, shop.id)
        actions = s.scalars(select(AuditEntry.action)).all()
    assert config.points_per_unit == 2 and config.expiry_months == 18
    assert config.spend_threshold("gold", "VND") == 10_000_000
    assert config.tiers[2].orders == 12
    assert PRIORITY_SUPPORT in config.tier_benefits["gold"]
    new = config.rewards[-1]
    assert (new.key, new.kind, new.amount_off_major, new.min_order_major, new.cost) == (
        "50_000_off",
        "fixed",
        50_000,
        300_000,
        300,
    )
    assert actions == ["loyalty.settings_changed"]
    stored = _program_config(ctx, shop)
    assert "bonus_review" not in stored  # what the owner left alone stays a default
    assert 'value="10.000.000"' in saved.text  # money is shown as the shop writes it
    assert csrf_from(saved)


def test_a_platinum_threshold_below_gold_is_named_in_vietnamese_and_nothing_is_saved(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/loyalty")
    fields = changed(
        form_fields(page.text),
        set_={"tier.1.orders": "5", "tier.2.orders": "4", "points_per_unit": "3"},
    )

    bad = app_client.post("/loyalty/settings/form", data=as_data(fields))

    assert bad.status_code == 422
    assert "Hạng 3 — Số đơn: phải lớn hơn hạng Vàng" in bad.text
    assert 'name="tier.2.orders" value="4"' in bad.text  # what was typed stays
    assert 'name="points_per_unit" value="3"' in bad.text
    assert _program_config(ctx, shop) == {}
    with ctx.sessions() as s:
        assert s.scalars(select(AuditEntry)).all() == []


def test_a_reward_named_free_shipping_that_gives_none_is_refused_in_english(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/loyalty")
    fields = changed(
        form_fields(page.text),
        set_={
            "reward.8.name_vi": "Giảm 30% và miễn phí giao hàng",
            "reward.8.name_en": "30% off and free shipping",
            "reward.8.cost": "400",
            "reward.8.value": "30",
            "reward.1.cost": "không",
        },
    )
    bad = app_client.post("/loyalty/settings/form", data=as_data(fields))
    assert bad.status_code == 422
    assert "Reward 9 · Name (English): the name promises free shipping" in bad.text
    assert "Reward 2 · Points: must be a whole number from 1 to 1000000" in bad.text
    assert _program_config(ctx, shop) == {}


def test_the_owner_removes_a_reward_and_a_privilege(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/loyalty")
    fields = changed(
        form_fields(page.text),
        tick=[("reward.1.remove", "1")],
        untick=[("benefit.1", FREE_SHIPPING)],
    )
    saved = app_client.post("/loyalty/settings/form", data=as_data(fields))
    assert saved.status_code == 200
    with ctx.sessions() as s:
        config = program_config(s, shop.id)
    assert DOUBLE_WARRANTY not in [r.entitlement for r in config.rewards]
    assert len(config.rewards) == 7
    assert FREE_SHIPPING not in config.tier_benefits["gold"]
    assert set(_program_config(ctx, shop)) == {"rewards", "tiers"}


def test_saving_the_form_untouched_changes_nothing(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/loyalty")
    saved = app_client.post("/loyalty/settings/form", data=as_data(form_fields(page.text)))
    assert saved.status_code == 200
    assert _program_config(ctx, shop) == {}
    with ctx.sessions() as s:
        assert s.scalars(select(AuditEntry)).all() == []


def test_a_viewer_sees_the_settings_but_cannot_save_the_form(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, role="viewer"), shop)
    page = app_client.get("/loyalty")
    assert 'data-testid="settings-form"' in page.text
    assert 'data-testid="settings-save"' not in page.text
    answer = app_client.post(
        "/loyalty/settings/form", data={"csrf_token": csrf_from(page), "points_per_unit": "9"}
    )
    assert answer.status_code == 403
    assert _program_config(ctx, shop) == {}
