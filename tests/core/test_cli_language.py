"""The order in which the CLI picks its language (docs/decisions/0030-cli-language.md):
--lang, else the shop's staff language, else CARELOOP_CLI_LOCALE, else Vietnamese."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from careloop.core import cli_language


@pytest.fixture(autouse=True)
def fresh_run(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("CARELOOP_CLI_LOCALE", raising=False)
    cli_language.start(None)
    yield
    cli_language.start(None)


def test_with_nothing_said_the_cli_speaks_vietnamese() -> None:
    assert cli_language.cli_locale() == "vi"


def test_the_instance_setting_is_used_when_no_shop_is_known(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CARELOOP_CLI_LOCALE", "en-US")
    cli_language.start(None)
    assert cli_language.cli_locale() == "en"


def test_the_shop_staff_language_comes_before_the_instance_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CARELOOP_CLI_LOCALE", "en")
    cli_language.start(None)
    cli_language.use_shop_locale("vi-VN")
    assert cli_language.cli_locale() == "vi"


def test_lang_comes_before_the_shop() -> None:
    cli_language.start("en")
    cli_language.use_shop_locale("vi")
    assert cli_language.cli_locale() == "en"


def test_a_shop_language_the_cli_does_not_speak_falls_through_to_the_next_rule() -> None:
    cli_language.use_shop_locale("zh")
    assert cli_language.cli_locale() == "vi"


def test_a_new_run_forgets_the_previous_run_shop_and_lang() -> None:
    cli_language.start("en")
    cli_language.use_shop_locale("en")
    cli_language.start(None)
    assert cli_language.cli_locale() == "vi"


def test_an_unknown_lang_is_refused_naming_the_option() -> None:
    with pytest.raises(ValueError, match=r"--lang: one of vi, en \(got 'fr'\)"):
        cli_language.start("fr")
