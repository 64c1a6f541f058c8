"""Links customers click lead where the shop said (issue 16 item 5): the store URL and the
review page per platform are shop settings; reorder / "visit us" and review links resolve to
them with the click tracked; a link with nowhere to go, or an invalid one, gets a page for
the customer with the shop's name, never the staff login."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.channels import links
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

from .factories import make_customer
from .helpers import enqueue, message

STORE = "https://acme-coffee.example/shop"
GOOGLE = "https://g.page/r/acme-coffee/review"


def _link(ctx: AppContext, kind: str, shop: Shop, customer_id: int, message_id: int) -> str:
    token = links.sign(ctx.secret_key, kind, {"s": shop.id, "c": customer_id, "m": message_id})
    return links.PATHS[kind].format(token=token)


def _set_links(client: TestClient, **values: str) -> str:
    page = client.get("/settings")
    answer = client.post("/settings/links", data={"csrf_token": csrf_from(page), **values})
    return answer.text


def _customer_and_message(ctx: AppContext, shop: Shop, locale: str = "en") -> tuple[int, int]:
    customer = make_customer(ctx, shop, locale=locale)
    return customer.id, enqueue(ctx, shop, customer.id, channels=["email"])


def test_the_owner_sets_the_store_and_review_links_and_a_bad_one_is_refused_by_name(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    refused = _set_links(app_client, store_url="acme-coffee.example", google=GOOGLE)
    assert "a full web address starting with https://" in refused
    assert 'value="acme-coffee.example"' in refused
    with ctx.sessions() as s:
        assert "store_url" not in (s.get_one(Shop, shop.id).settings or {})

    _set_links(app_client, store_url=STORE, google=GOOGLE)

    page = app_client.get("/settings").text
    assert f'value="{STORE}"' in page and f'value="{GOOGLE}"' in page


def test_a_reorder_link_goes_to_the_store_and_counts_the_click(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer_id, message_id = _customer_and_message(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    _set_links(app_client, store_url=STORE)
    app_client.cookies.clear()  # the customer is not signed in

    answer = app_client.get(
        _link(ctx, "reorder", shop, customer_id, message_id), follow_redirects=False
    )

    assert answer.status_code == 302 and answer.headers["location"] == STORE
    assert message(ctx, message_id).clicked_at is not None


def test_a_review_link_goes_to_the_shops_review_page_and_counts_the_click(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer_id, message_id = _customer_and_message(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    _set_links(app_client, store_url=STORE, google=GOOGLE)
    app_client.cookies.clear()

    answer = app_client.get(
        _link(ctx, "review", shop, customer_id, message_id), follow_redirects=False
    )

    assert answer.status_code == 302 and answer.headers["location"] == GOOGLE
    assert message(ctx, message_id).clicked_at is not None


def test_a_review_link_with_no_review_page_set_shows_the_customer_a_page_not_the_login(
    app_client: TestClient, ctx: AppContext, shop: Shop
) -> None:
    customer_id, message_id = _customer_and_message(ctx, shop, locale="vi")

    answer = app_client.get(_link(ctx, "review", shop, customer_id, message_id))

    assert answer.status_code == 200 and "/login" not in str(answer.url)
    assert "Cảm ơn bạn đã muốn đánh giá Acme Coffee" in answer.text
    assert ">Acme Coffee</strong>" in answer.text and 'data-testid="shop-name"' in answer.text
    assert "Careloop" not in answer.text and "nav" not in answer.text


def test_a_tampered_link_gets_a_customer_page_with_the_shops_name(
    app_client: TestClient, ctx: AppContext, shop: Shop
) -> None:
    customer_id, message_id = _customer_and_message(ctx, shop)
    good = _link(ctx, "reorder", shop, customer_id, message_id)

    answer = app_client.get(good[:-3] + "xyz")

    assert answer.status_code == 404
    assert "Liên kết không còn hiệu lực" in answer.text  # the shop's language (vi)
    assert ">Acme Coffee</strong>" in answer.text and 'data-testid="shop-name"' in answer.text
    assert "Careloop" not in answer.text and "/login" not in answer.text
