from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from careloop import bootstrap
from careloop.core import events
from careloop.web.i18n import (
    MESSAGES,
    catalogue_messages,
    event_label,
    normalise_locale,
    register_messages,
    t,
)
from careloop.web.security import LoginRateLimiter, RateLimit, safe_next_path
from careloop.web.ui import nav
from careloop.web.ui.nav import nav_item, nav_items

T0 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def test_nav_shows_entries_by_minimum_role_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # On a copy of the built nav: the test's entry must not reach later tests' apps.
    shipped = bootstrap.nav_items(bootstrap.manifests())
    extra = nav_item("zz-settings-test", "Settings", "Cài đặt", "/zz-settings", "owner", 999)
    monkeypatch.setattr(nav, "_ITEMS", (*shipped, extra))

    owner = [i.key for i in nav_items("owner")]
    viewer = [i.key for i in nav_items("viewer")]

    assert owner[:2] == ["home", "customers"]
    assert owner[-1] == "zz-settings-test"
    assert "zz-settings-test" not in viewer


def test_nav_rejects_an_unknown_role() -> None:
    with pytest.raises(ValueError, match="nav entry 'x': min_role"):
        nav_item("x", "X", "X", "/x", min_role="admin")


def test_limiter_blocks_after_five_failures_per_account_and_forgets_after_the_window() -> None:
    limiter = LoginRateLimiter()
    for minute in range(5):
        assert limiter.retry_after("1.2.3.4", "a@x.vn", T0 + timedelta(minutes=minute)) is None
        limiter.record_failure("1.2.3.4", "a@x.vn", T0 + timedelta(minutes=minute))

    wait = limiter.retry_after("1.2.3.4", "A@x.vn ", T0 + timedelta(minutes=5))

    assert wait == timedelta(minutes=10)
    assert limiter.retry_after("5.6.7.8", "a@x.vn", T0) is None
    assert limiter.retry_after("1.2.3.4", "a@x.vn", T0 + timedelta(minutes=15)) is None


def test_limiter_blocks_an_ip_spraying_many_accounts() -> None:
    limiter = LoginRateLimiter(per_ip=RateLimit(max_failures=3, window=timedelta(minutes=15)))
    for n in range(3):
        limiter.record_failure("1.2.3.4", f"user{n}@x.vn", T0)

    assert limiter.retry_after("1.2.3.4", "someone-new@x.vn", T0) is not None


@pytest.mark.parametrize(
    ("asked", "safe"),
    [
        ("/customers?q=1", "/customers?q=1"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/logout", "/"),
        ("", "/"),
    ],
)
def test_after_login_only_local_paths_are_followed(asked: str, safe: str) -> None:
    assert safe_next_path(asked) == safe


def test_translation_falls_back_to_english_then_to_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The registration is undone after the test: the catalogue test must never see it.
    monkeypatch.setattr("careloop.core.catalogue.MESSAGES", dict(MESSAGES))
    register_messages({"test.only_en": {"en": "Hello {name}"}})

    assert t("nav.customers", "vi-VN") == "Khách hàng"
    assert t("test.only_en", "vi", name="Lan") == "Hello Lan"
    assert t("no.such.key", "en") == "no.such.key"
    assert normalise_locale("zh") == "en"


def test_every_vietnamese_event_label_is_for_a_known_event_type() -> None:
    assert event_label("order.delivered", "vi") == "Đã giao hàng"
    assert event_label("order.delivered", "en") == "Order delivered"
    assert event_label("app.wishlist_added", "vi") == "app.wishlist_added"
    labelled = [
        key.removeprefix("event.") for key in catalogue_messages() if key.startswith("event.")
    ]
    assert labelled and all(events.is_valid_type(key) for key in labelled)
