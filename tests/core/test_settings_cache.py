"""`current_settings()` is made again only when what it reads has changed (the CARELOOP_*
variables, the working directory, careloop.toml), so a switch flipped while the process
runs is still seen at once (pydantic-settings documentation, "Settings Management":
environment variables with `env_prefix`, matched in any case unless `case_sensitive`; "Other
settings source", TomlConfigSettingsSource)."""

from __future__ import annotations

from pathlib import Path

import pytest

from careloop.core.errors import ValidationFailed
from careloop.core.settings import current_settings


def test_a_variable_set_and_removed_while_running_is_seen_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CARELOOP_JOURNEY_LEASE_SECONDS", raising=False)
    assert current_settings().journey_lease_seconds == 60
    monkeypatch.setenv("CARELOOP_JOURNEY_LEASE_SECONDS", "7")
    assert current_settings().journey_lease_seconds == 7
    monkeypatch.setenv("CARELOOP_JOURNEY_LEASE_SECONDS", "8")
    assert current_settings().journey_lease_seconds == 8
    monkeypatch.delenv("CARELOOP_JOURNEY_LEASE_SECONDS")
    assert current_settings().journey_lease_seconds == 60


def test_a_variable_spelled_in_lower_case_is_seen_as_pydantic_settings_reads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert current_settings().channel_lease_seconds == 120
    monkeypatch.setenv("careloop_channel_lease_seconds", "9")
    assert current_settings().channel_lease_seconds == 9


def test_careloop_toml_written_changed_and_removed_is_seen_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CARELOOP_INBOX_KEEP_DAYS", raising=False)
    monkeypatch.chdir(tmp_path)
    assert current_settings().inbox_keep_days == 14
    toml = tmp_path / "careloop.toml"
    toml.write_text("inbox_keep_days = 3\n")
    assert current_settings().inbox_keep_days == 3
    toml.write_text("inbox_keep_days = 5\n")
    assert current_settings().inbox_keep_days == 5
    toml.unlink()
    assert current_settings().inbox_keep_days == 14


def test_another_working_directory_with_its_own_toml_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CARELOOP_INBOX_KEEP_DAYS", raising=False)
    for days in (4, 6):
        folder = tmp_path / f"instance-{days}"
        folder.mkdir()
        (folder / "careloop.toml").write_text(f"inbox_keep_days = {days}\n")
        monkeypatch.chdir(folder)
        assert current_settings().inbox_keep_days == days


def test_a_caller_changing_its_settings_changes_nobody_elses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CARELOOP_LOG_FORMAT", raising=False)
    mine = current_settings()
    mine.log_format = "json"
    assert current_settings().log_format == ""


def test_a_bad_value_fails_on_every_read_and_names_its_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CARELOOP_CHANNEL_LEASE_SECONDS", "0")
    for _ in range(2):
        with pytest.raises(ValidationFailed) as raised:
            current_settings()
        assert "CARELOOP_CHANNEL_LEASE_SECONDS" in str(raised.value)
    monkeypatch.setenv("CARELOOP_CHANNEL_LEASE_SECONDS", "30")
    assert current_settings().channel_lease_seconds == 30
