"""A brand-new shop goes live in the browser: the owner follows the checklist, sets up email
and SMS by their forms against a local SMTP server (aiosmtpd) and a local eSMS server, sends
tests, turns on the Golden Hours, and the Day 0 message of an order posted through the API
arrives at the local SMS provider and shows as sent, then delivered once the provider
reports it; a send the provider refuses shows as failed.

eSMS behaviour replayed by the local server (tests/channels/conftest.py FakeProviders), from
the eSMS API docs (developers.esms.vn, "Gửi tin chăm sóc khách hàng" SendMultipleMessage_V4
_post_json): a success answers {"CodeResult": "100", "CountRegenerate": 0, "SMSID": ...};
bad credentials answer {"CodeResult": "101", "CountRegenerate": 0, "ErrorMessage":
"Authorize Failed"}; delivery reports come as a GET to the request's CallbackUrl carrying
SMSID, SendStatus (5 = delivered) and RequestId.

Every wait is on a condition (Playwright `expect`, or the worker's passes until the
provider has the message), never on time."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect

from careloop.context import AppContext
from careloop.worker import run_once
from tests.channels import conftest as channel_servers
from tests.channels.conftest import FakeProviders, Inbox, free_port

providers = channel_servers.providers  # the local eSMS / Twilio / Zalo server (a fixture)
ESMS_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
AUTHORIZE_FAILED = {"CodeResult": "101", "CountRegenerate": 0, "ErrorMessage": "Authorize Failed"}


def _step(page: Page, key: str, done: str) -> None:
    expect(page.locator(f"[data-testid=step-{key}]")).to_have_attribute("data-done", done)


def _open(page: Page, form: str) -> None:
    details = page.locator(f"[data-testid=channel-{form}] > details")
    if details.get_attribute("open") is None:
        details.locator("> summary").click()


def _sms_requests(fake: FakeProviders) -> list[dict[str, str]]:
    return [json.loads(r.body) for r in fake.requests if r.path == ESMS_PATH]


def _work_until(ctx: AppContext, done: Callable[[], bool], passes: int = 10) -> None:
    """Run the worker pass by pass until `done` (a condition), at most `passes` times."""
    for _ in range(passes):
        if done():
            return
        run_once(ctx)
    assert done(), "the worker did not get there"


def _post_delivered_order(base: str, key: str, order_id: str, customer: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    order = {
        "order_id": order_id,
        "placed_at": "2026-11-02T09:00:00+07:00",
        "total": "450000",
        "currency": "VND",
        **customer,
    }
    with httpx.Client(base_url=base, headers=headers) as api:
        assert api.post("/api/v1/orders", json=order).status_code == 200
        status = api.post(f"/api/v1/orders/{order_id}/status", json={"status": "delivered"})
        assert status.status_code == 200, status.text


def test_a_new_shop_goes_live_through_the_checklist_and_its_day_0_sms_is_delivered(
    page: Page,
    log_in: Callable[..., Page],
    live_server: str,
    ctx: AppContext,
    make_shop: Callable[..., object],
    make_staff: Callable[..., str],
    providers: tuple[FakeProviders, str],
) -> None:
    fake, gateway = providers
    shop = make_shop("newshop", name="Tiệm Mới", timezone="Asia/Ho_Chi_Minh")
    log_in(make_staff(shop, email="owner@newshop.test"))

    # Lands on the checklist: nothing done yet, every step a link.
    _step(page, "channel", "no")
    _step(page, "journeys", "no")
    page.locator("[data-testid=step-channel] a").click()
    expect(page).to_have_url(re.compile(r"/settings/channels$"))

    # Email by the SMTP form, then a test that the local SMTP server receives.
    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        _open(page, "email-smtp")
        form = page.locator("[data-testid=form-email-smtp]")
        form.locator("input[name=host]").fill("127.0.0.1")
        form.locator("input[name=port]").fill(str(port))
        form.locator("select[name=security]").select_option("none")
        form.locator("input[name=from_address]").fill("hello@newshop.test")
        form.locator("button[type=submit]").click()
        expect(page.locator("[data-testid=state-email-smtp]")).to_have_text("In use")
        test = page.locator("[data-testid=test-email-smtp]")
        test.locator("input[name=address]").fill("owner@newshop.test")
        test.locator("button[type=submit]").click()
        expect(page.locator("[data-testid=notice]")).to_contain_text("smtp accepted it")
    finally:
        smtp.stop()
    assert [m["To"] for m in inbox.messages] == ["owner@newshop.test"]

    # SMS by the eSMS form; the secret is never shown back.
    _open(page, "sms-esms")
    form = page.locator("[data-testid=form-sms-esms]")
    form.locator("input[name=api_key]").fill("ek")
    form.locator("input[name=secret_key]").fill("es")
    form.locator("input[name=brandname]").fill("TIEMMOI")
    form.locator("details > summary").click()
    form.locator("input[name=base_url]").fill(gateway)
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=secret-sms-esms-secret_key]")).to_contain_text("set")
    expect(page.locator("[data-testid=form-sms-esms] input[name=secret_key]")).to_have_value("")
    test = page.locator("[data-testid=test-sms-esms]")
    test.locator("input[name=address]").fill("+84901234567")
    test.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=notice]")).to_contain_text("esms accepted it")
    assert _sms_requests(fake)[-1]["Phone"] == "84901234567"

    # The Golden Hours and the other recommended journeys, one click.
    page.goto("/journeys")
    page.locator("[data-testid=turn-on-recommended]").click()
    expect(page.locator("[data-testid=notice]")).to_contain_text("Golden Hours 0-3-7")

    # An API key for the store (the "connect the store" step), shown once.
    page.goto("/settings/api-keys")
    page.locator("[data-testid=key-form] input[name=name]").fill("Website")
    page.locator("[data-testid=key-form] button[type=submit]").click()
    key = page.locator("[data-testid=new-key] code").inner_text().strip()

    page.goto("/get-started")
    for step in ("store", "channel", "journeys"):
        _step(page, step, "yes")

    # An order arrives through the API and is delivered; the worker sends Day 0 by SMS.
    tested = len(_sms_requests(fake))
    _post_delivered_order(
        live_server,
        key,
        "TM-1",
        {"customer_id": "c-lan", "customer_name": "Lan", "phone": "0912345678"},
    )
    _work_until(ctx, lambda: len(_sms_requests(fake)) > tested)
    day0 = _sms_requests(fake)[-1]
    assert day0["Phone"] == "84912345678" and "TM-1" in day0["Content"]
    page.goto("/messages?channel=sms")
    row = page.locator("[data-testid=messages] tbody tr").first
    expect(row).to_contain_text("Thank-you after purchase")  # its name, not its key
    expect(row).to_contain_text("sent", ignore_case=True)

    # eSMS reports delivery to the CallbackUrl the message carried: now it is delivered.
    callback = urlsplit(day0["CallbackUrl"])
    report = (
        f"{callback.path}?{callback.query}&SMSID=esms-{day0['RequestId']}"
        "&SendStatus=5&SendSuccess=1&SendFailed=0"
    )
    assert httpx.get(live_server + report).status_code == 204
    page.reload()
    expect(row).to_contain_text("delivered", ignore_case=True)
    page.goto("/get-started")
    _step(page, "orders", "yes")


def test_a_day_0_sms_the_provider_refuses_is_shown_as_failed_with_its_reason(
    page: Page,
    log_in: Callable[..., Page],
    live_server: str,
    ctx: AppContext,
    make_shop: Callable[..., object],
    make_staff: Callable[..., str],
    make_api_key: Callable[[object], str],
    providers: tuple[FakeProviders, str],
) -> None:
    fake, gateway = providers
    shop = make_shop("newshop", name="Tiệm Mới", timezone="Asia/Ho_Chi_Minh")
    log_in(make_staff(shop, email="owner@newshop.test"))
    page.goto("/settings/channels")
    _open(page, "sms-esms")
    form = page.locator("[data-testid=form-sms-esms]")
    form.locator("input[name=api_key]").fill("ek")
    form.locator("input[name=secret_key]").fill("es")
    form.locator("details > summary").click()
    form.locator("input[name=base_url]").fill(gateway)
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=state-sms-esms]")).to_have_text("In use")
    page.goto("/journeys")
    page.locator("[data-testid=shipped-golden_hours] button[type=submit]").click()
    expect(page.locator("[data-testid=notice]")).to_contain_text("Golden Hours 0-3-7")

    fake.script[ESMS_PATH] = [(200, AUTHORIZE_FAILED)]
    _post_delivered_order(
        live_server,
        make_api_key(shop),
        "TM-2",
        {"customer_id": "c-minh", "customer_name": "Minh", "phone": "0912345679"},
    )
    _work_until(ctx, lambda: bool(_sms_requests(fake)) and not fake.script[ESMS_PATH])
    page.goto("/messages?channel=sms")
    row = page.locator("[data-testid=messages] tbody tr").first
    expect(row).to_contain_text("failed", ignore_case=True)
    # The code, in the reader's words (channels/reason_text.py), never the remote text.
    expect(row).to_contain_text("eSMS refused: code 101")
    expect(row).not_to_contain_text("Authorize Failed")
    expect(row).not_to_contain_text("delivered", ignore_case=True)
