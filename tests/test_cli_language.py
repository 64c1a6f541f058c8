"""The CLI speaks the reader's language (issue 17 item 1, docs/decisions/0030-cli-language.md):
Vietnamese first; `--lang` overrides; else the staff language of the shop the command is
about; else CARELOOP_CLI_LOCALE; else Vietnamese. Every line meant for a person comes from the
one catalogue (locale/*.po, keys "cli.*"), numbers and dates in the reader's format through
Babel (CLDR `vi`: `22,7%`, `1.250.000`, `15/12/2026`); machine output (--json, CSV, keys, ids)
is never translated.

The data are the hand-written Vietnamese spreadsheet exports of tests/fixtures/imports_vi
(SOURCE.md there), imported through the CLI as an owner would.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from careloop.core.clock import VirtualClock
from tests.cli_runner import careloop
from tests.english_words import english_words

VI = Path(__file__).resolve().parent / "fixtures" / "imports_vi"
# After the fixtures' orders (07-09/12/2026), so they are history, not the future.
AFTER_ORDERS = datetime(2026, 12, 15, 3, 0, tzinfo=UTC)
SHOP = "nha-moc"

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(db_url: str) -> Run:
    """`careloop ARGS` as the owner types it: no --lang, on a clock after the orders."""

    def invoke(
        *args: str, lang: str | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        clock = VirtualClock(AFTER_ORDERS)
        return careloop(db_url, *args, clock=clock, lang=lang, input=input)

    return invoke


@pytest.fixture
def vi_shop(run: Run) -> Run:
    """A Vietnamese shop (the default staff language) with the fixtures' customers and orders."""
    assert run("shop", "create", SHOP, "--name", "Nhà Mộc").returncode == 0
    for kind, name in (("customers", "khach_hang.csv"), ("orders", "don_hang.csv")):
        result = run("import", kind, str(VI / name), "--shop", SHOP)
        assert result.returncode == 0, result.stderr
    return run


def test_with_no_shop_and_no_setting_the_cli_speaks_vietnamese(run: Run) -> None:
    result = run("init")
    assert result.returncode == 0, result.stderr
    assert "cơ sở dữ liệu đã ở phiên bản mới nhất" in result.stderr


def test_the_instance_setting_chooses_the_language_of_a_command_about_no_shop(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARELOOP_CLI_LOCALE", "en")
    assert "schema up to date" in run("init").stderr


def test_a_shop_whose_staff_read_english_is_answered_in_english_without_lang(run: Run) -> None:
    created = run("shop", "create", "tea-house", "--locale", "en")
    assert created.stdout.strip() == "created shop tea-house"
    enabled = run("loyalty", "enable", "--shop", "tea-house")
    assert "loyalty program running for tea-house" in enabled.stdout


def test_lang_overrides_the_shop_staff_language_both_ways(vi_shop: Run) -> None:
    assert (
        "loyalty program running" in vi_shop("loyalty", "enable", "--shop", SHOP, lang="en").stdout
    )
    vi_shop("shop", "create", "tea-house", "--locale", "en")
    enabled = vi_shop("loyalty", "enable", "--shop", "tea-house", lang="vi")
    assert "chương trình khách hàng thân thiết của tea-house đang chạy" in enabled.stdout


def test_an_unknown_lang_is_refused_naming_the_option(run: Run) -> None:
    result = run("init", lang="fr")
    assert result.returncode == 2
    assert "--lang" in result.stderr and "'fr'" in result.stderr


def test_creating_a_shop_is_confirmed_in_vietnamese(run: Run) -> None:
    result = run("shop", "create", SHOP, "--name", "Nhà Mộc")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"đã tạo cửa hàng {SHOP}"
    again = run("shop", "create", SHOP)
    assert again.returncode == 1
    assert again.stderr.startswith("lỗi: ")


def test_an_import_with_bad_lines_names_each_line_and_field_in_vietnamese_and_imports_nothing(
    vi_shop: Run,
) -> None:
    bad = VI / "don_hang_loi.csv"
    result = vi_shop("import", "orders", str(bad), "--shop", SHOP)
    assert result.returncode == 1
    assert (
        f"{bad}, dòng 3, cột placed_at: không có ngày hoặc giờ này: '31/02/2026'" in result.stderr
    )
    assert f"{bad}, dòng 4, cột total: không phải số: 'một triệu'" in result.stderr
    assert f"lỗi: 3 lỗi trong {bad}; chưa nhập gì cả" in result.stderr
    orders = vi_shop("export", "orders", "--shop", SHOP).stdout
    assert "DH-2001" not in orders  # the good line of the bad file was not imported either


def test_an_import_summary_counts_in_vietnamese(run: Run) -> None:
    run("shop", "create", SHOP)
    result = run("import", "orders", str(VI / "don_hang.csv"), "--shop", SHOP)
    assert result.returncode == 0, result.stderr
    assert "đã nhập 3 dòng đơn hàng từ" in result.stdout
    assert "khách hàng: 3 mới, 0 cập nhật; đơn hàng: 3 mới, 0 cập nhật; 3 dòng hàng" in (
        result.stdout
    )


def test_skipping_bad_rows_says_what_was_skipped_in_vietnamese(vi_shop: Run) -> None:
    bad = VI / "don_hang_loi.csv"
    result = vi_shop("import", "orders", str(bad), "--shop", SHOP, "--skip-bad-rows")
    assert result.returncode == 0, result.stderr
    assert f"{bad}, dòng 3: bỏ qua: cột placed_at: không có ngày hoặc giờ này" in result.stderr
    assert "đã bỏ qua 2 dòng lỗi" in result.stdout


def test_a_worker_pass_says_how_much_due_work_it_ran_in_vietnamese(vi_shop: Run) -> None:
    vi_shop("journeys", "load", "--shipped", "--activate", "--shop", SHOP)
    result = vi_shop("worker", "--once")
    assert result.returncode == 0, result.stderr
    assert "đã chạy xong một lượt:" in result.stderr and "việc đến hạn đã xử lý" in result.stderr


def test_simulate_tells_its_assumed_rates_in_vietnamese_with_local_percentages(
    vi_shop: Run,
) -> None:
    """The email default is Mailchimp's published benchmark (journeys/engagement.py:
    22.71% opens, 2.91% clicks), written the Vietnamese way (CLDR vi: decimal comma)."""
    vi_shop("journeys", "load", "--shipped", "--activate", "--shop", SHOP)
    result = vi_shop("simulate", "--shop", SHOP, "--days", "30")
    assert result.returncode == 0, result.stderr
    assert "Đã chạy thử từ 15/11/2026 đến 15/12/2026" in result.stdout
    assert "không gửi gì cả" in result.stdout
    assert "Tỷ lệ tương tác giả định" in result.stdout
    assert "Email: mở 22,7%, bấm 2,9% (số liệu chuẩn của Mailchimp" in result.stdout
    assert "sẽ gửi" in result.stdout


def test_segments_are_named_and_counted_in_vietnamese(vi_shop: Run) -> None:
    result = vi_shop("segments", "--shop", SHOP)
    assert result.returncode == 0, result.stderr
    assert f"Phân khúc của {SHOP}: 3 khách hàng đã mua" in result.stdout
    assert "Khách hàng mới" in result.stdout and "Chiến lược chăm sóc" in result.stdout
    assert "Đã ghi nhận" in result.stdout


def test_loyalty_points_are_confirmed_in_vietnamese(vi_shop: Run) -> None:
    enabled = vi_shop("loyalty", "enable", "--shop", SHOP)
    assert f"chương trình khách hàng thân thiết của {SHOP} đang chạy" in enabled.stdout
    adjusted = vi_shop(
        "loyalty", "adjust", "--shop", SHOP, "KH-001", "1500", "--reason", "quà", "--by", "an@x.vn"
    )
    assert adjusted.stdout.strip() == "KH-001: +1.500 điểm; số dư 1.500"


def test_a_ticket_is_opened_listed_and_shown_in_vietnamese_in_the_shop_time_zone(
    vi_shop: Run,
) -> None:
    opened = vi_shop(
        "tickets",
        "open",
        "--shop",
        SHOP,
        "--customer",
        "KH-001",
        "--subject",
        "Hàng bị vỡ",
        "--body",
        "Bình trà bị vỡ",
    )
    assert opened.stdout.strip() == "đã mở phiếu hỗ trợ 1"
    listed = vi_shop("tickets", "list", "--shop", SHOP).stdout
    assert "trạng thái" in listed and "Mới" in listed and "Hàng hỏng hoặc lỗi" in listed
    shown = vi_shop("tickets", "show", "1", "--shop", SHOP).stdout
    assert "Kịch bản xử lý: Sản phẩm bị hỏng hoặc lỗi" in shown
    # Opened at 03:00 UTC = 10:00 in Asia/Ho_Chi_Minh (the shop's zone), day first.
    assert "10:00 15/12/2026" in shown and "Bình trà bị vỡ" in shown


def test_erasing_a_customer_asks_and_reports_in_vietnamese(vi_shop: Run) -> None:
    refused = vi_shop("erase", "customer", "KH-004", "--shop", SHOP, input="n\n")
    assert "Xoá dữ liệu của khách hàng KH-004 thuộc nha-moc? Không thể hoàn tác" in refused.stdout
    assert refused.returncode == 1
    erased = vi_shop("erase", "customer", "KH-004", "--shop", SHOP, "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "đã xoá dữ liệu cá nhân của khách hàng KH-004 (" in erased.stdout
    assert "hồ sơ 1" in erased.stdout


def test_machine_output_is_never_translated(vi_shop: Run) -> None:
    vi_shop("tickets", "open", "--shop", SHOP, "--customer", "KH-001", "--subject", "Hàng bị vỡ")
    rows = json.loads(vi_shop("tickets", "list", "--shop", SHOP, "--json").stdout)
    assert rows[0]["status"] == "new" and rows[0]["problem_type"] == "damaged_defective"
    exported = vi_shop("export", "customers", "--shop", SHOP).stdout
    assert exported.lstrip("\ufeff").startswith("customer_id,")
    key = vi_shop("apikey", "create", "--shop", SHOP)
    assert key.stdout.strip().startswith("cl_")
    assert "Hãy lưu khoá này ngay" in key.stderr


# Each command group's most common command, as an owner runs them in order on one shop.
COMMON = (
    ("init",),
    ("apikey", "create", "--shop", SHOP),
    ("journeys", "load", "--shipped", "--activate", "--shop", SHOP),
    ("journeys", "list", "--shop", SHOP),
    ("worker", "--once"),
    ("simulate", "--shop", SHOP, "--days", "30"),
    ("segments", "--shop", SHOP),
    ("clv", "fit", "--shop", SHOP),
    ("churn", "--shop", SHOP),
    ("loyalty", "enable", "--shop", SHOP),
    ("loyalty", "adjust", "--shop", SHOP, "KH-001", "50", "--reason", "quà", "--by", "an@x.vn"),
    ("tickets", "open", "--shop", SHOP, "--customer", "KH-001", "--subject", "Hàng bị vỡ"),
    ("tickets", "list", "--shop", SHOP),
    ("tickets", "show", "1", "--shop", SHOP),
    ("tickets", "reply", "1", "Shop gửi hàng mới ạ", "--shop", SHOP),
    ("tickets", "resolve", "1", "--shop", SHOP),
    ("tasks", "list", "--shop", SHOP),
    ("kpi", "--shop", SHOP),
    ("kpi", "targets", "--shop", SHOP),
    ("feedback", "reviews", "--shop", SHOP),
    ("feedback", "themes", "--shop", SHOP),
    ("connector", "list", "--shop", SHOP),
    ("campaign", "list", "--shop", SHOP),
    ("community", "ambassadors", "--refresh", "--shop", SHOP),
    ("metrics", "refresh", "--shop", SHOP),
    ("event", "list", "--shop", SHOP),
    ("user", "create", "--shop", SHOP, "--email", "an@x.vn", "--password", "đủ dài rồi nhé"),
    ("erase", "customer", "KH-004", "--shop", SHOP, "--yes"),
    ("import", "orders", str(VI / "don_hang_loi.csv"), "--shop", SHOP),
)
# Brands and codes a Vietnamese terminal shows as they are: the shipped journey "birthday" is
# listed by its key (the id `journeys show` takes), and its trigger is the date field of the
# same name.
CLI_ALLOWED = ("careloop", "zalo", "email", "sms", "csv", "api", "url", "birthday")


def test_each_command_groups_most_common_command_in_vietnamese_shows_no_english_word(
    vi_shop: Run,
) -> None:
    found: dict[str, list[str]] = {}
    for args in COMMON:
        result = vi_shop(*args)
        assert result.returncode == (1 if args[0] == "import" else 0), (args, result.stderr)
        words = english_words(result.stdout + "\n" + result.stderr, CLI_ALLOWED)
        if words:
            found[" ".join(args[:2])] = words
    assert found == {}


def test_a_password_is_asked_twice_in_vietnamese_and_the_change_confirmed(vi_shop: Run) -> None:
    created = vi_shop(
        "user", "create", "--shop", SHOP, "--email", "an@x.vn", input="đủ dài rồi nhé\n" * 2
    )
    assert created.returncode == 0, created.stderr
    assert "Mật khẩu:" in created.stdout and "Nhập lại để xác nhận:" in created.stdout
    changed = vi_shop("user", "password", "an@x.vn", input="mật khẩu mới dài\n" * 2)
    assert changed.returncode == 0, changed.stderr
    assert "Mật khẩu mới:" in changed.stdout
    assert "đã đổi mật khẩu của an@x.vn" in changed.stdout


def test_a_bad_field_is_named_in_vietnamese_and_nothing_is_created(run: Run) -> None:
    result = run("shop", "create", SHOP, "--timezone", "Nowhere/City")
    assert result.returncode == 1
    assert "lỗi: 1 trường không hợp lệ, chưa thay đổi gì:" in result.stderr
    assert "cột timezone:" in result.stderr
    assert SHOP not in run("shop", "list").stdout
