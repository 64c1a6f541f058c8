"""`careloop … --help` speaks the CLI's language (docs/decisions/0030-cli-language.md, "Help").

The language is `--lang`, else CARELOOP_CLI_LOCALE, else Vietnamese; the machine's
LANG/LANGUAGE/LC_* never change it. Typer's own words that it routes through the standard
library's `gettext.gettext` (typer/core.py, typer/rich_utils.py of Typer 0.29: "Options",
"Commands", "Arguments", "[default: …]", "[required]") follow the same language. No
COLUMNS is set: the checks read words, not layout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from typer.main import get_command

from careloop import cli, cli_help
from tests.cli_runner import careloop
from tests.english_words import english_words

# Option names, metavars and values a user types, and product names: not English prose.
ALLOWED = {
    "careloop",
    "lang",
    "install",
    "completion",
    "show",
    "help",
    "name",
    "timezone",
    "currency",
    "locale",
    "business",
    "model",
    "retail",
    "services",
    "saas",
    "str",
    "bool",
    "slug",
    "options",
    "command",
    "args",
    "usage",
    "shop",
    "skip",
    "bad",
    "rows",
    "out",
    "error",
    "customers",
    "orders",
    "products",
    "responses",
    "reviews",
    "community",
    "group",
    "platform",
    "activity",
    "entry",
    "key",
    "kind",
    "url",
    "note",
    "customer",
    "joined",
    "readme",
    "api",
    "rest",
    "default",
    "create",
}
ENGLISH_HELP = {
    (): "Careloop: after-sales automation for small businesses.",
    ("import",): "Import CSV files (validated whole first: all or nothing).",
    ("shop", "create"): "Create a shop (a tenant).",
}
LOCALE_ENV = ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")


# Command names are what a user types, in every language.
ALLOWED |= {entry.name for entry in cli.COMMANDS}


def _help(db_url: str, path: tuple[str, ...], lang: str | None) -> str:
    result = careloop(db_url, *path, "--help", lang=lang)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize("path", list(ENGLISH_HELP))
def test_help_without_lang_reads_vietnamese(db_url: str, path: tuple[str, ...]) -> None:
    text = _help(db_url, path, None)
    assert english_words(text, ALLOWED) == [], text
    assert ENGLISH_HELP[path] not in text


@pytest.mark.parametrize("path", list(ENGLISH_HELP))
def test_help_with_lang_en_reads_as_before(db_url: str, path: tuple[str, ...]) -> None:
    text = _help(db_url, path, "en")
    assert ENGLISH_HELP[path] in text
    assert "Usage: careloop" in text
    assert "Options" in text


def test_shop_create_help_in_vietnamese_words_typer_chrome_too(db_url: str) -> None:
    text = _help(db_url, ("shop", "create"), "vi")
    assert "Cách dùng: careloop shop create" in text and "Usage" not in text
    assert "Tạo một cửa hàng mới." in text
    for word in ("Đối số", "Tùy chọn", "[bắt buộc]", "[mặc định: VND]"):
        assert word in text, word
    assert "[required]" not in text
    assert "Hiện hướng dẫn này rồi thoát." in text


def test_cli_locale_setting_en_gives_english_help(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARELOOP_CLI_LOCALE", "en")
    assert ENGLISH_HELP[()] in _help(db_url, (), None)


@pytest.mark.parametrize(
    "machine", [{"LANG": "C"}, {"LANG": "en_US.UTF-8"}, {"LANGUAGE": "fr", "LC_ALL": "fr_FR"}]
)
def test_machine_locale_does_not_change_help_language(
    db_url: str, monkeypatch: pytest.MonkeyPatch, machine: dict[str, str]
) -> None:
    for name in LOCALE_ENV:
        monkeypatch.delenv(name, raising=False)
    vi_before = _help(db_url, ("shop", "create"), "vi")
    en_before = _help(db_url, ("shop", "create"), "en")
    for name, value in machine.items():
        monkeypatch.setenv(name, value)
    assert _help(db_url, ("shop", "create"), "vi") == vi_before
    assert _help(db_url, ("shop", "create"), "en") == en_before
    assert _help(db_url, ("shop", "create"), None) == vi_before


def _tree() -> list[tuple[str, object]]:
    def walk(command: object, path: str) -> list[tuple[str, object]]:
        found = [(path, command)]
        for name, child in (getattr(command, "commands", None) or {}).items():
            found += walk(child, f"{path}.{name}")
        return found

    commands = [(cli_help.ROOT, get_command(cli.app))]
    for entry in cli.COMMANDS:
        commands += walk(cli.load_command(entry.name), entry.name)
    return commands


def test_every_command_and_option_has_a_vietnamese_help_text() -> None:
    missing = []
    for path, command in _tree():
        if cli_help.text(f"cli.help.{path}", "vi") is None:
            missing.append(path)
        for param in getattr(command, "params", []):
            key = f"cli.help.{path}.{param.name}"
            if getattr(param, "help", None) and cli_help.text(key, "vi") is None:
                missing.append(f"{path} {param.name}")
    assert missing == [], f"no Vietnamese help text (cli.help.*) for: {missing}"


def test_real_entry_point_help_is_vietnamese_whatever_lang(tmp_path: Path) -> None:
    """One run of the installed `careloop` script in a new process, LANG=en_US.UTF-8."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_ENV and k != "COLUMNS"}
    env.pop("CARELOOP_CLI_LOCALE", None)
    env.update(
        LANG="en_US.UTF-8",
        CARELOOP_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
    )
    script = Path(sys.executable).with_name("careloop")
    result = subprocess.run(
        [str(script), "import", "--help"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Nhập tệp CSV" in result.stdout
    assert english_words(result.stdout, ALLOWED) == [], result.stdout


def test_dgettext_outside_typer_words_is_untouched() -> None:
    """Only Typer's own sentences are looked up in the catalogue; other text passes through."""
    import gettext

    cli_help.use_language("vi")
    try:
        assert gettext.gettext("Options") == "Tùy chọn"
        assert gettext.gettext("some other library's sentence") == ("some other library's sentence")
    finally:
        cli_help.use_language("en")
    with mock.patch.dict(os.environ, {"LANGUAGE": "vi"}):
        assert gettext.gettext("Options") == "Options"


@pytest.mark.parametrize(
    ("args", "vietnamese"),
    [
        (("import", "orders", "don-hang.csv"), "Lỗi: Thiếu tùy chọn '--shop'."),
        (("shop", "create"), "Lỗi: Thiếu đối số 'slug'."),
        (("shop", "list", "--bogus"), "Lỗi: Không có tùy chọn --bogus."),
        (("nosuch",), "Lỗi: Không có lệnh 'nosuch'."),
        (("shop", "list", "extra", "more"), "Lỗi: Thừa đối số (extra more)."),
        (
            ("simulate", "--shop", "x", "--days", "abc"),
            "Lỗi: Giá trị không hợp lệ cho '--days': cần một số nguyên",
        ),
        (
            ("--lang", "fr", "shop", "list"),
            "Lỗi: Giá trị không hợp lệ cho --lang: chọn một trong vi, en (nhận được 'fr')",
        ),
    ],
)
def test_a_usage_mistake_is_told_in_vietnamese_with_click_s_exit_code(
    db_url: str, args: tuple[str, ...], vietnamese: str
) -> None:
    result = careloop(db_url, *args, lang=None)
    said = result.stdout + result.stderr
    assert result.returncode == 2, said
    assert vietnamese in said
    assert "Cách dùng: careloop" in said and "để được hướng dẫn." in said
    assert (
        english_words(
            said, ALLOWED | {"bogus", "nosuch", "extra", "more", "list", "file", "days", "fr"}
        )
        == []
    )


def test_a_usage_mistake_in_english_reads_as_click_writes_it(db_url: str) -> None:
    result = careloop(db_url, "import", "orders", "don-hang.csv", lang="en")
    said = result.stdout + result.stderr
    assert result.returncode == 2
    assert "Missing option '--shop'" in said
    assert "Usage: careloop import orders" in said


def test_a_vietnamese_run_keeps_each_command_s_exit_code(db_url: str) -> None:
    assert careloop(db_url, "init", lang=None).returncode == 0
    failed = careloop(db_url, "journeys", "list", "--shop", "khong-co", lang=None)
    assert failed.returncode == 1
    assert "Không tìm thấy cửa hàng khong-co" in failed.stdout + failed.stderr


def test_a_command_before_init_says_to_initialise_the_database(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'moi.db'}"
    result = careloop(empty, "journeys", "list", "--shop", "nha-moc", lang=None)
    assert result.returncode == 1
    assert "cơ sở dữ liệu chưa được khởi tạo; chạy `careloop init` trước" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
