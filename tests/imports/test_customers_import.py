from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.errors import ValidationFailed
from careloop.customers.models import Customer, TimelineEvent
from careloop.imports import run_import
from careloop.shops.models import Shop
from tests.imports.factories import count, write_csv

HEADER = (
    "customer_id",
    "name",
    "email",
    "phone",
    "birthday",
    "locale",
    "timezone",
    "preferred_channel",
    "zalo_user_id",
    "accepts_marketing",
    "loyalty_notes",  # unknown columns are ignored
)
LAN = {
    "customer_id": "C-1",
    "name": "Nguyễn Thị Lan",
    "email": "Lan@Example.vn",
    "phone": "0912345678",
    "birthday": "1990-05-17",
    "locale": "vi",
    "timezone": "Asia/Ho_Chi_Minh",
    "preferred_channel": "zalo",
    "zalo_user_id": "z-123",
    "accepts_marketing": "yes",
    "loyalty_notes": "VIP",
}
MINH = {"customer_id": "C-2", "name": "Trần Văn Minh", "accepts_marketing": "false"}


def test_customers_import_with_profile_and_consents_as_the_api_shows_them(
    ctx: AppContext, shop: Shop, api: TestClient, tmp_path: Path
) -> None:
    summary = run_import(ctx, shop, "customers", write_csv(tmp_path / "c.csv", [LAN, MINH], HEADER))

    assert (summary.rows, summary.customers_new, summary.customers_updated) == (2, 2, 0)
    lan = api.get("/api/v1/customers/C-1").json()
    assert lan["email"] == "lan@example.vn"
    assert lan["phone"] == "+84912345678"
    assert lan["birthday"] == "1990-05-17"
    assert lan["preferred_channel"] == "zalo"
    assert {c["channel"]: (c["state"], c["source"]) for c in lan["consents"]} == {
        "email": ("granted", "import"),
        "sms": ("granted", "import"),
        "zalo": ("granted", "import"),
    }
    assert lan["consents"][0]["changed_at"].startswith("2026-11-02T03:00")
    minh = api.get("/api/v1/customers/C-2").json()
    assert {c["state"] for c in minh["consents"]} == {"denied"}
    assert minh["email"] is None


def test_a_customer_list_does_not_wake_the_journeys(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    run_import(ctx, shop, "customers", write_csv(tmp_path / "c.csv", [LAN, MINH], HEADER))

    with ctx.sessions() as s:
        events = list(s.scalars(select(TimelineEvent)))
    assert sorted({e.type for e in events}) == ["consent.changed", "customer.created"]
    assert all(e.history for e in events)


def test_bad_customer_rows_are_each_reported_and_nothing_is_imported(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    rows = [
        LAN,
        {"customer_id": "C-2", "email": "nope", "birthday": "31/02/1990"},
        {"customer_id": "C-3", "timezone": "Mars/Olympus", "accepts_marketing": "maybe"},
        {"customer_id": "C-1", "name": "Lan again"},
        {"name": "Nobody"},
    ]
    path = write_csv(tmp_path / "c.csv", rows, HEADER)

    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "customers", path)

    assert [str(e) for e in failed.value.errors] == [
        f"{path}:3: email: not an email address: 'nope'",
        f"{path}:3: birthday: no such date or time: '31/02/1990'",
        f"{path}:4: timezone: unknown time zone 'Mars/Olympus' "
        "(use an IANA name such as Asia/Ho_Chi_Minh)",
        f"{path}:4: accepts_marketing: not yes/no: 'maybe' "
        "(use Có or Không, yes or no, true or false)",
        f"{path}:5: customer_id: 'C-1' is already on line 2",
        f"{path}:6: customer_id: required",
    ]
    assert count(ctx, Customer) == 0


def test_reimporting_customers_updates_only_what_changed(
    ctx: AppContext, shop: Shop, clock: VirtualClock, api: TestClient, tmp_path: Path
) -> None:
    run_import(ctx, shop, "customers", write_csv(tmp_path / "c.csv", [LAN, MINH], HEADER))
    again = run_import(ctx, shop, "customers", write_csv(tmp_path / "c.csv", [LAN, MINH], HEADER))
    assert (again.customers_new, again.customers_updated) == (0, 0)

    changed = [{**LAN, "name": "", "phone": "0987654321", "accepts_marketing": "no"}, MINH]
    summary = run_import(ctx, shop, "customers", write_csv(tmp_path / "c2.csv", changed, HEADER))

    assert (summary.customers_new, summary.customers_updated) == (0, 1)
    lan = api.get("/api/v1/customers/C-1").json()
    assert lan["name"] == "Nguyễn Thị Lan"  # a blank cell keeps what is known
    assert lan["phone"] == "+84987654321"
    assert {c["state"] for c in lan["consents"]} == {"denied"}
