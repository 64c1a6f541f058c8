"""A shop is made in the browser, never with `careloop shop create`: the first owner of an
empty install sets up their shop and account on /setup, and a signed-in owner adds another
shop on /shops/new. /setup closes for good once anyone has an account."""

from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.shops.models import Membership, Shop, StaffUser
from careloop.web.app import create_app
from careloop.web.ui.shop_setup import shop_slug
from tests.web.helpers import csrf_from, sign_in
from tests.web.test_page_language import english_words

GOOD = {
    "shop_name": "Nhà Mộc",
    "timezone": "Asia/Ho_Chi_Minh",
    "locale": "vi",
    "owner_name": "Nguyễn Thị Lan",
    "email": "Lan@NhaMoc.vn",
    "password": "tra-o-long-500g",
    "password_again": "tra-o-long-500g",
}


def _count(ctx: AppContext, model: type) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_an_empty_install_sends_the_sign_in_page_to_the_set_up_form_in_vietnamese(
    app_client: TestClient,
) -> None:
    page = app_client.get("/login", headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    assert page.url.path == "/setup"
    assert "Tạo cửa hàng của bạn" in page.text
    assert "Tên cửa hàng" in page.text and "Nhập lại mật khẩu" in page.text
    assert "Việt Nam (GMT+7)" in page.text
    assert english_words(page.text) == []


def test_the_first_owner_sets_up_shop_and_account_and_lands_signed_in_on_get_started(
    app_client: TestClient, ctx: AppContext
) -> None:
    form = app_client.get("/setup?lang=vi")
    done = app_client.post("/setup", data={**GOOD, "csrf_token": csrf_from(form)})

    assert done.url.path == "/get-started"
    assert "Nhà Mộc" in done.text and "Bắt đầu" in done.text
    with ctx.sessions() as s:
        shop = s.scalars(select(Shop)).one()
        user = s.scalars(select(StaffUser)).one()
        membership = s.scalars(select(Membership)).one()
    assert (shop.slug, shop.name, shop.timezone, shop.locale) == (
        "nha-moc",
        "Nhà Mộc",
        "Asia/Ho_Chi_Minh",
        "vi",
    )
    assert (user.email, user.name, user.locale) == ("lan@nhamoc.vn", "Nguyễn Thị Lan", "vi")
    assert (membership.shop_id, membership.user_id, membership.role) == (shop.id, user.id, "owner")


def test_a_bad_set_up_names_each_field_in_vietnamese_and_creates_nothing(
    app_client: TestClient, ctx: AppContext
) -> None:
    form = app_client.get("/setup?lang=vi")
    bad = {
        **GOOD,
        "shop_name": " ",
        "timezone": "Mars/Olympus",
        "email": "lan-at-nhamoc",
        "password_again": "something-else",
    }
    page = app_client.post("/setup", data={**bad, "csrf_token": csrf_from(form)})

    assert page.status_code == 422
    for error in (
        "Tên cửa hàng: bắt buộc",
        "Múi giờ: không có múi giờ này",
        "Email: không phải địa chỉ email",
        "Nhập lại mật khẩu: không khớp với mật khẩu",
    ):
        assert error in page.text
    assert english_words(page.text) == []
    assert 'value="lan-at-nhamoc"' in page.text  # what was typed stays in the form
    assert _count(ctx, Shop) == 0 and _count(ctx, StaffUser) == 0

    short = app_client.post(
        "/setup",
        data={**GOOD, "password": "ngan", "password_again": "ngan", "csrf_token": csrf_from(page)},
    )
    assert "Mật khẩu: ít nhất 8 ký tự" in short.text
    assert _count(ctx, Shop) == 0


def test_once_anyone_has_an_account_the_set_up_page_is_closed(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    make_staff(shop)
    form = app_client.get("/login")
    assert form.url.path == "/login"
    assert app_client.get("/setup").url.path == "/login"

    refused = app_client.post(
        "/setup", data={**GOOD, "email": "intruder@evil.test", "csrf_token": csrf_from(form)}
    )
    assert refused.status_code == 404
    assert _count(ctx, Shop) == 1
    with ctx.sessions() as s:
        assert s.scalar(select(StaffUser).where(StaffUser.email == "intruder@evil.test")) is None


def test_a_signed_in_owner_adds_a_shop_of_their_own_and_works_in_it(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    email = make_staff(shop)
    home = sign_in(app_client, ctx, email, shop, locale="vi")
    assert "+ Cửa hàng mới" in home.text

    form = app_client.get("/shops/new")
    assert "Bạn sẽ là chủ của cửa hàng này" in form.text
    fields = {"shop_name": "Nhà Mộc", "timezone": "Asia/Ho_Chi_Minh", "locale": "vi"}
    done = app_client.post("/shops/new", data={**fields, "csrf_token": csrf_from(form)})
    assert done.url.path == "/get-started"
    assert "Nhà Mộc" in done.text

    again = app_client.post(
        "/shops/new", data={**fields, "csrf_token": csrf_from(app_client.get("/shops/new"))}
    )
    assert again.url.path == "/get-started"
    with ctx.sessions() as s:
        slugs = sorted(s.scalars(select(Shop.slug)))
        user_id = s.scalar(select(StaffUser.id).where(StaffUser.email == email))
        roles = set(s.scalars(select(Membership.role).where(Membership.user_id == user_id)))
    assert slugs == ["acme", "nha-moc", "nha-moc-2"]
    assert roles == {"owner"}


def test_a_shop_without_a_name_is_refused_naming_the_field(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    form = app_client.get("/shops/new")
    page = app_client.post(
        "/shops/new",
        data={
            "shop_name": "",
            "timezone": "Asia/Ho_Chi_Minh",
            "locale": "vi",
            "csrf_token": csrf_from(form),
        },
    )
    assert page.status_code == 422
    assert "Tên cửa hàng: bắt buộc" in page.text
    assert _count(ctx, Shop) == 1


def test_an_agent_cannot_add_shops(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    email = make_staff(shop, email="agent@acme.test", role="agent")
    home = sign_in(app_client, ctx, email, shop, locale="vi")
    assert "+ Cửa hàng mới" not in home.text
    assert app_client.get("/shops/new").url.path == "/"
    app_client.post(
        "/shops/new",
        data={
            "shop_name": "Của tôi",
            "timezone": "Asia/Ho_Chi_Minh",
            "locale": "vi",
            "csrf_token": csrf_from(home),
        },
    )
    assert _count(ctx, Shop) == 1


def test_a_shop_address_is_its_name_without_accents_and_never_taken(
    ctx: AppContext, make_shop: Callable[..., Shop]
) -> None:
    with ctx.sessions() as s:
        assert shop_slug(s, "Nhà Mộc") == "nha-moc"
        assert shop_slug(s, "Đồ Gốm Bát Tràng") == "do-gom-bat-trang"
        assert shop_slug(s, "  ") == "shop"
        assert shop_slug(s, "Ư") == "shop-u"
    make_shop("nha-moc")
    with ctx.sessions() as s:
        assert shop_slug(s, "Nhà Mộc") == "nha-moc-2"


def test_two_set_ups_sent_at_the_same_moment_make_one_shop_and_one_owner(
    ctx: AppContext,
) -> None:
    """Two servers (two apps on one database), two owners pressing "create" together: one
    set-up wins, the other finds the install taken (404) and nothing of it is stored."""
    answers: list[int] = []
    together = threading.Barrier(2)

    apps = {email: create_app(ctx) for email in ("a@nhamoc.vn", "b@nhamoc.vn")}

    def set_up(email: str) -> None:
        with TestClient(apps[email]) as client:
            token = csrf_from(client.get("/setup?lang=vi"))
            together.wait()
            form = {**GOOD, "email": email, "csrf_token": token}
            answers.append(client.post("/setup", data=form).status_code)

    threads = [threading.Thread(target=set_up, args=(email,)) for email in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [200, 404]
    assert _count(ctx, Shop) == 1 and _count(ctx, StaffUser) == 1
