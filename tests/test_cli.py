from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.shops.models import Shop
from tests.cli_runner import careloop


def test_help_lists_the_foundation_commands(db_url: str) -> None:
    out = careloop(db_url, "--help").stdout
    for command in (
        "init",
        "shop",
        "apikey",
        "user",
        "demo",
        "import",
        "export",
        "serve",
        "worker",
    ):
        assert command in out


def test_a_shop_is_created_once_and_a_second_time_is_a_clear_error(db_url: str) -> None:
    assert careloop(db_url, "shop", "create", "pho-24", "--name", "Phở 24").returncode == 0
    again = careloop(db_url, "shop", "create", "pho-24")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert "pho-24" in careloop(db_url, "shop", "list").stdout


def test_a_bad_time_zone_is_refused_naming_the_field(db_url: str) -> None:
    result = careloop(db_url, "shop", "create", "x-shop", "--timezone", "Nowhere/City")
    assert result.returncode == 1
    assert "timezone" in result.stderr


def test_an_unknown_shop_is_named_in_the_error(db_url: str) -> None:
    result = careloop(db_url, "apikey", "create", "--shop", "ghost")
    assert result.returncode == 1
    assert "'ghost' not found" in result.stderr


def test_an_api_key_is_printed_once_and_works(
    db_url: str, shop: Shop, app_client: TestClient
) -> None:
    result = careloop(db_url, "apikey", "create", "--shop", shop.slug)
    key = result.stdout.strip()
    assert key.startswith("cl_")
    response = app_client.get("/api/v1/customers/x", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 404  # authenticated; the customer just does not exist


def test_a_staff_user_is_created_with_a_role(db_url: str, shop: Shop) -> None:
    result = careloop(
        db_url,
        "user",
        "create",
        "--shop",
        shop.slug,
        "--email",
        "an@acme.test",
        "--password",
        "long enough pw",
        "--role",
        "agent",
    )
    assert result.returncode == 0, result.stderr
    assert "agent" in result.stdout


def test_a_short_password_is_refused(db_url: str, shop: Shop) -> None:
    result = careloop(
        db_url,
        "user",
        "create",
        "--shop",
        shop.slug,
        "--email",
        "an@acme.test",
        "--password",
        "short",
    )
    assert result.returncode == 1
    assert "password" in result.stderr


def test_export_customer_prints_everything_held_about_them(
    db_url: str, api: TestClient, make_shop: Callable[..., Shop]
) -> None:
    api.post(
        "/api/v1/orders",
        json={
            "order_id": "O1",
            "customer_id": "C1",
            "customer_name": "Trần Văn Minh",
            "placed_at": "2026-10-01T10:00:00+07:00",
            "total": "99000",
        },
    )
    result = careloop(db_url, "export", "customer", "--shop", "acme", "C1")
    assert result.returncode == 0, result.stderr
    assert "Trần Văn Minh" in result.stdout
    assert '"order.placed"' in result.stdout
    csv_out = careloop(db_url, "export", "orders", "--shop", "acme").stdout
    assert csv_out.splitlines()[0].startswith("order_id,customer_id,placed_at,total")
    assert "O1,C1," in csv_out
