"""Issue 17 walked in the BROWSER, in Vietnamese: a shop created empty (no demo data) whose owner
reads the staff UI in Vietnamese goes live (the get-started checklist), sets up email against
a local SMTP server (aiosmtpd), imports a small Vietnamese CSV (Excel's BOM, dd/mm/yyyy,
1.250.000, Có/Không, one bad line: named by line and field, then "import the good rows"),
fills the loyalty settings form, moves a journey's message from Day 3 to Day 4, writes a
campaign (live SMS counter, live audience count, a confirm dialog), builds a survey, answers
a ticket, and reads the customer page, the monthly review and Needs attention.

On every page the visible text (`inner_text("body")`, read once the page's HTMX swaps and
scripts have produced what the step waits for) and every text JavaScript shows (confirm
dialogs, counters, notices) must hold no English word outside the allow-list of
tests/web/test_page_language.py (its word check, reused), no ISO date, no English-format
number ("1,250,000", "69.2%") and no raw key (`at_risk`, `{{`). The test collects every
problem of the walk and fails once, listing them by page.

SMTP per RFC 5321 with aiosmtpd's Controller (its documented test harness). Every wait is
on a condition (Playwright `expect`, `wait_for_selector`), never on time; the clock is the
test's virtual clock."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Dialog, Page, expect
from sqlalchemy import select

from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.shops.models import Shop
from careloop.support.tickets import open_ticket
from tests.channels.conftest import Inbox, free_port
from tests.web.test_page_language import english_words
from tests.web.test_page_language_empty_shop import ENGLISH_NUMBER, ISO_DATE, RAW_KEY

pytestmark = pytest.mark.e2e

# A Vietnamese shop's orders as Excel saves them ("CSV UTF-8"): a byte order mark, day-first
# dates, dot-grouped amounts with the đồng sign, Có/Không. Line 3 has a day that does not exist.
ORDERS_CSV = (
    "\ufefforder_id,customer_id,placed_at,total,status,currency,product_name,quantity,"
    "unit_price,customer_name,phone,email,accepts_marketing\n"
    "DH-1001,KH-001,01/11/2026 09:30,1.250.000 ₫,delivered,VND,Trà Ô long Bảo Lộc 500g,2,"
    "625.000,Nguyễn Thị Lan,0909 998 877,lan@nhamoc.vn,Có\n"
    "DH-1002,KH-002,31/02/2026,500.000,paid,VND,Cà phê Cầu Đất,1,500.000,Trần Văn Minh,"
    "0909 998 878,minh@nhamoc.vn,Không\n"
    "DH-1003,KH-003,02/11/2026,150.000đ,delivered,VND,Bánh pía,3,50.000,Lê Hoàng Anh,"
    "0909 998 879,anh@nhamoc.vn,Có\n"
)


# "3d 0h", "2h 15m": durations written with English unit letters.
ENGLISH_DURATION = re.compile(r"(?<![\w.,])\d+[dhm](?: \d+[hm])?(?![\w])")


class Reader:
    """Reads each page's visible text and keeps what is not Vietnamese, by page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: dict[str, list[str]] = {}
        self.read: list[str] = []
        self.dialogs: list[str] = []

    def check(self, name: str, text: str, codes: frozenset[str] = frozenset()) -> None:
        problems = [
            *english_words(html.escape(text)),
            *sorted({f"key:{m}" for m in RAW_KEY.findall(text) if m not in codes}),
            *sorted({f"iso:{m}" for m in ISO_DATE.findall(text)}),
            *sorted({f"number:{m}" for m in ENGLISH_NUMBER.findall(text)}),
            *sorted({f"duration:{m}" for m in ENGLISH_DURATION.findall(text)}),
        ]
        self.read.append(name)
        if problems:
            self.found.setdefault(name, []).extend(problems)

    def body(self, name: str, codes: frozenset[str] = frozenset()) -> str:
        """The page's visible text, once the page has loaded and no HTMX request is running."""
        self.page.wait_for_load_state()
        self.page.wait_for_function("!document.querySelector('.htmx-request')")
        text = self.page.inner_text("body")
        # Code shown as code (a journey's key and step ids, a campaign's source) is not words:
        # the page-language test leaves out <code> and <pre> too.
        # Every occurrence goes: the same token elsewhere on the page is the same code, and
        # removing only the first could take a field name followed by ':' and leave the code.
        for shown in self.page.locator("body code, body pre").all_inner_texts():
            if shown.strip():
                text = text.replace(shown, " ")
        self.check(name, text, codes)
        return text

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        self.check("dialog", dialog.message)
        dialog.dismiss()


@pytest.fixture
def mailbox() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _open(page: Page, form: str) -> None:
    details = page.locator(f"[data-testid=channel-{form}] > details")
    if details.get_attribute("open") is None:
        details.locator("> summary").click()


def test_a_new_vietnamese_shop_walks_its_setup_in_the_browser_all_in_vietnamese(
    ctx: AppContext,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
    page: Page,
    log_in: Callable[..., Page],
    mailbox: tuple[Inbox, int],
    tmp_path: Path,
    screenshot: Callable[[Page, str], Path],
) -> None:
    inbox, port = mailbox
    shop = make_shop("nha-moc", name="Nhà Mộc")
    reader = Reader(page)
    page.on("dialog", reader.on_dialog)
    log_in(make_staff(shop, email="chu@nhamoc.vn"), locale="vi")

    # Going live: the home page with its checklist, and the get-started page.
    reader.body("home")
    page.goto("/get-started")
    expect(page.locator("[data-testid=step-channel]")).to_have_attribute("data-done", "no")
    reader.body("get-started")

    # Email through the SMTP form, and a test message the local server receives.
    page.goto("/settings/channels")
    _open(page, "email-smtp")
    form = page.locator("[data-testid=form-email-smtp]")
    form.locator("input[name=host]").fill("127.0.0.1")
    form.locator("input[name=port]").fill(str(port))
    form.locator("select[name=security]").select_option("none")
    form.locator("input[name=from_address]").fill("cskh@nhamoc.vn")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=state-email-smtp]")).not_to_have_text("")
    test = page.locator("[data-testid=test-email-smtp]")
    test.locator("input[name=address]").fill("chu@nhamoc.vn")
    test.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=notice]")).to_be_visible()
    reader.body("settings/channels", frozenset({"sms_opt_out", "staff_alert", "thank_you"}))
    assert [m["To"] for m in inbox.messages] == ["chu@nhamoc.vn"]

    # The CSV import: all-or-nothing names the bad line and field; then the good rows go in.
    csv = tmp_path / "don_hang.csv"
    csv.write_bytes(ORDERS_CSV.encode("utf-8"))
    page.goto("/import")
    page.locator("select[name=kind]").select_option("orders")
    page.locator("input[name=mode][value=all]").check()
    page.locator("input[name=file]").set_input_files(str(csv))
    page.locator("form[action='/import'] button[type=submit]").click()
    report = page.locator("[data-testid=import-report]")
    expect(report).to_contain_text("dòng 3")
    reader.body("import (errors)")
    page.locator("select[name=kind]").select_option("orders")
    page.locator("input[name=mode][value=good_rows]").check()
    page.locator("input[name=file]").set_input_files(str(csv))
    page.locator("form[action='/import'] button[type=submit]").click()
    expect(page.locator("[data-testid=import-skipped]")).to_be_visible()
    reader.body("import (good rows)")
    # The bad rows to download: the shop's own columns, then the reason in Vietnamese.
    href = page.get_by_test_id("import-bad-rows").get_attribute("href") or ""
    bad = base64.b64decode(href.split("base64,", 1)[1]).decode("utf-8-sig").splitlines()
    assert len(bad) == 2 and bad[1].startswith("DH-1002,")
    reader.check("bad rows (reason)", bad[0].rsplit(",", 1)[1] + " " + bad[1].rsplit(",", 1)[1])
    with ctx.sessions() as s:
        lan = s.scalars(select(Customer).where(Customer.external_id == "KH-001")).one()
        lan_id = lan.id

    # The loyalty programme's settings form.
    page.goto("/loyalty")
    form = page.locator("[data-testid=settings-form]")
    form.locator("[name=points_per_unit]").fill("hai")
    form.locator("[data-testid=settings-save]").click()
    expect(page.locator("[data-testid=settings-errors]")).to_be_visible()
    reader.body("loyalty (error)")
    form = page.locator("[data-testid=settings-form]")
    form.locator("[name=points_per_unit]").fill("2")
    form.locator("[data-testid=settings-save]").click()
    expect(page.locator("[data-testid=settings-errors]")).to_have_count(0)
    expect(page.locator("[data-testid=settings-form] [name=points_per_unit]")).to_have_value("2")
    reader.body("loyalty")

    # The recommended journeys on, then the Golden Hours' usage guide moved to Day 4.
    page.goto("/journeys")
    page.locator("[data-testid=turn-on-recommended]").click()
    expect(page.locator("[data-testid=notice]")).to_be_visible()
    reader.body("journeys")
    page.goto("/journeys/golden_hours")
    guide = page.locator("[data-testid=timing-usage_guide]")
    expect(guide.locator("[name='usage_guide.delay']")).to_have_value("3")
    # Email is the only channel set up: the form says where the Zalo and SMS steps go.
    expect(page.get_by_test_id("timing-not-set-up")).to_contain_text("Zalo, SMS")
    reader.body("journey", frozenset({"golden_hours"}))
    page.get_by_test_id("pause").click()  # its confirm dialog is read and dismissed
    expect(page.get_by_test_id("journey-status")).to_be_visible()
    guide.locator("[name='usage_guide.delay']").fill("4")
    page.locator("[data-testid=timing-save]").click()
    expect(page.locator("[name='usage_guide.delay']")).to_have_value("4")
    reader.body("journey (saved)", frozenset({"golden_hours"}))

    # A campaign: the live SMS counter, the live audience count, then its page and a confirm.
    page.goto("/community/campaigns")
    page.locator("input[name=name]").fill("Trà mới về")
    page.locator("textarea[name=body]").fill("Chào {{ customer.first_name }}, trà mới đã về.")
    page.locator("form[action='/community/campaigns'] button[type=submit]").last.click()
    expect(page.get_by_test_id("campaign-error")).to_be_visible()  # no audience picked
    reader.body("campaigns (error)")
    page.locator("input[name=name]").fill("Trà mới về")
    page.locator("input[name=subject]").fill("Trà Ô long vụ xuân đã về")
    page.locator("textarea[name=body]").fill("Chào {{ customer.first_name }}, trà mới đã về.")
    expect(page.get_by_test_id("sms-counter-live")).not_to_have_text("")
    reader.check("campaign counter", page.get_by_test_id("sms-counter-live").inner_text())
    page.locator("[data-testid=audience-picker] input[name=everyone]").check()
    expect(page.get_by_test_id("audience-count-value")).to_be_visible()
    reader.check("campaign audience", page.get_by_test_id("audience-count").inner_text())
    reader.body("campaigns")
    page.locator("form[action='/community/campaigns'] button[type=submit]").last.click()
    expect(page.get_by_test_id("preview")).to_be_visible()
    reader.body("campaign")
    cancel = page.get_by_test_id("cancel-campaign")
    if cancel.count():
        cancel.click()  # the confirm dialog is read and dismissed: nothing is cancelled
        expect(page.get_by_test_id("cancel-campaign")).to_be_visible()

    # A survey built in the form.
    page.goto("/feedback/surveys/build")
    page.get_by_test_id("survey-name").fill("Sau khi giao hàng")
    page.get_by_test_id("q-1-text_vi").fill("Bạn thích điều gì nhất?")
    page.locator("select[name=q-1-type]").select_option("text")
    page.get_by_test_id("save-survey-form").click()
    expect(page.get_by_test_id("survey-form-errors")).to_have_count(0)
    reader.body("survey")
    page.goto("/feedback")
    reader.body("feedback")

    # A ticket from Lan, answered.
    with ctx.sessions() as s, s.begin():
        ticket = open_ticket(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer_id=lan_id,
            subject="Giao thiếu một hộp trà",
            body="Tôi nhận được 1 hộp thay vì 2.",
        )
        ticket_id = ticket.id
    page.goto("/tickets")
    reader.body("tickets")
    page.goto(f"/tickets/{ticket_id}")
    page.locator("form[data-testid=reply-form] textarea").fill("Nhà Mộc gửi bù chị một hộp ngay.")
    page.locator("form[data-testid=reply-form] button[type=submit]").click()
    expect(page.get_by_test_id("conversation")).to_contain_text("gửi bù chị một hộp")
    reader.body("ticket")

    # The message log: the reply to Lan and the test email, with their states.
    page.goto("/messages")
    expect(page.locator("h1")).to_be_visible()
    reader.body("messages")
    page.locator("[data-testid^=message-] a").first.click()
    expect(page.get_by_test_id("history")).to_be_visible()
    # Its state and channels by their Vietnamese names (the word list knows no "queued").
    expect(page.locator(".page-header h1 + p")).to_have_text("Chờ gửi")
    expect(page.get_by_test_id("message-channel")).to_contain_text("Email")
    reader.body("message")

    # The customer page, the monthly review, Needs attention.
    page.goto(f"/customers/{lan_id}")
    expect(page.locator("h1")).to_contain_text("Nguyễn Thị Lan")
    # Her consents came from the file: said so, not as the code "import".
    expect(page.get_by_test_id("consent-source").first).to_have_text("nhập từ tệp")
    reader.body("customer")
    page.goto("/reports")
    expect(page.get_by_test_id("monthly-review")).to_be_visible()
    reader.body("monthly review")
    page.goto("/")
    expect(page.get_by_test_id("needs-attention")).to_be_visible()
    reader.body("needs attention")
    screenshot(page, "home")

    assert len(reader.read) >= 20
    assert reader.dialogs, "no confirm dialog was read"
    assert reader.found == {}, "\n".join(f"{p}: {' | '.join(w)}" for p, w in reader.found.items())
