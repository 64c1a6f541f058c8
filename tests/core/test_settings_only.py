"""All configuration goes through the settings object (careloop/core/settings.py): no
module reads the environment behind its back (issue 22, item 3). Environment variable names
stay `CARELOOP_<FIELD>` (pydantic-settings `env_prefix`, documentation "Settings
Management", Environment variable names), so deployments keep working."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from careloop.core.errors import ValidationFailed
from careloop.core.settings import Settings, current_settings

SRC = Path(__file__).resolve().parents[2] / "src" / "careloop"
READS_ENVIRONMENT = re.compile(r"\bos\.environ\b|\bos\.getenv\b|\bgetenv\(|\benviron\[")
ALLOWED = {SRC / "core" / "settings.py"}


def test_no_module_but_the_settings_object_reads_the_environment() -> None:
    found = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if path not in ALLOWED
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if READS_ENVIRONMENT.search(line)
    ]
    assert found == [], "read these through careloop.core.settings:\n" + "\n".join(found)


def test_former_environment_switches_are_settings_under_their_old_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CARELOOP_JOURNEY_LEASE_SECONDS", "7")
    monkeypatch.setenv("CARELOOP_CHANNEL_LEASE_SECONDS", "9")
    monkeypatch.setenv("CARELOOP_ALLOW_PRIVATE_NETWORK", "1")
    monkeypatch.setenv("CARELOOP_PASSWORD_HASH", "fast")
    monkeypatch.setenv("CARELOOP_KEY_FILE", "/srv/careloop/careloop.key")
    monkeypatch.setenv("CARELOOP_PREVIOUS_SECRET_KEYS", "old-one,older-one")
    monkeypatch.setenv("CARELOOP_LOG_FORMAT", "json")
    settings = current_settings()
    assert (settings.journey_lease_seconds, settings.channel_lease_seconds) == (7, 9)
    assert settings.allow_private_network is True
    assert settings.password_hash == "fast"
    assert settings.key_file == "/srv/careloop/careloop.key"
    assert settings.previous_secret_keys == "old-one,older-one"
    assert settings.log_format == "json"


def test_defaults_are_the_ones_the_modules_had(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARELOOP_JOURNEY_LEASE_SECONDS", raising=False)
    monkeypatch.delenv("CARELOOP_CHANNEL_LEASE_SECONDS", raising=False)
    settings = Settings()
    assert (settings.journey_lease_seconds, settings.channel_lease_seconds) == (60, 120)


def test_a_bad_setting_names_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARELOOP_JOURNEY_LEASE_SECONDS", "0")
    with pytest.raises(ValidationFailed) as caught:
        current_settings()
    assert [e.field for e in caught.value.errors] == ["CARELOOP_JOURNEY_LEASE_SECONDS"]
