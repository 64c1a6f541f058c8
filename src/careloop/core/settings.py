"""Configuration from CARELOOP_* environment variables or careloop.toml.

This is the one place that reads the environment (tests/core/test_settings_only.py checks):
everything else asks the settings object. `get_settings()` is read once per process;
`current_settings()` follows the environment, for the few instance switches a test or an
operator may flip while the process runs (leases, the private-network switch, the password
hash cost).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from careloop.core.errors import FieldError, ValidationFailed

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
ENV_PREFIX = "CARELOOP_"
TOML_FILE = "careloop.toml"


def base_url_problem(base_url: str) -> str | None:
    """Why `base_url` must not be used in customers' links, or None. Links leave the
    machine in emails and SMS: in production they must be https, or a signed unsubscribe or
    survey token travels in clear (and Gmail/Yahoo's one-click rules expect https). Plain
    http is accepted only for a local address (development, tests)."""
    parts = urlsplit(base_url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and (host in LOCAL_HOSTS or host.endswith(".localhost")):
        return None
    return (
        f"CARELOOP_BASE_URL must be an https:// address (got {base_url!r}); "
        "plain http is allowed only for localhost"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX)

    database_url: str = "sqlite:///./careloop.db"
    # Signs session cookies and links. Unset: a random key kept in the database is used,
    # shared by every process on that database.
    secret_key: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    secure_cookies: bool = False
    max_body_bytes: int = 10 * 1024 * 1024
    # Staff sessions (OWASP ASVS 3.3.2, level 2): signed out after this long without a
    # request, and after this long in any case.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # Addresses (or CIDR networks, comma separated) of reverse proxies whose
    # X-Forwarded-For is believed; from anyone else the header is ignored.
    trusted_proxies: str = ""
    # The instance's own mail server, for password-reset links and staff invitations
    # (not a shop's channel settings).
    mail_host: str = ""
    mail_port: int = 25
    mail_security: str = "starttls"  # starttls | tls | none
    mail_username: str = ""
    mail_password: str = ""
    mail_from: str = ""
    # Queue leases (core/queue.py): a worker that dies holding a claim is replaced after
    # this many seconds (docs/decisions/0023).
    journey_lease_seconds: int = 60
    channel_lease_seconds: int = 120
    # Outbound webhooks and providers may reach private addresses (an instance setting for
    # a closed network, never a shop's: channels/netguard.py).
    allow_private_network: bool = False
    # "fast": the cheapest argon2 parameters, for the test suite only (shops/passwords.py).
    password_hash: str = ""
    # Secrets at rest (db/crypto.py): the key is CARELOOP_SECRET_KEY (`secret_key`) when
    # set, else a key file (`key_file`, default next to the SQLite file); older keys that
    # still decrypt, comma separated.
    previous_secret_keys: str = ""
    key_file: str = ""
    # "json": one JSON object per log line (logging.py).
    log_format: str = ""
    # The language of what the CLI tells a person when `--lang` is not given and the command
    # is not about a shop with a staff language: "vi" or "en" (core/cli_language.py,
    # docs/decisions/0030-cli-language.md). Vietnamese first.
    cli_locale: str = "vi"
    # Applied rows of the ingest inbox are deleted after this many days (orders/inbox.py,
    # docs/decisions/0027-fast-accept-path.md); failed rows stay until staff deal with them.
    inbox_keep_days: int = 14

    @field_validator("journey_lease_seconds", "channel_lease_seconds")
    @classmethod
    def _lease_is_positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"must be a whole number of seconds >= 1, got {value!r}")
        return value

    @field_validator("inbox_keep_days")
    @classmethod
    def _keep_days_is_positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"must be a whole number of days >= 1, got {value!r}")
        return value

    @field_validator("base_url")
    @classmethod
    def _public_links_are_https(cls, value: str) -> str:
        # Customers' links (unsubscribe, surveys) are built on it: refuse to start on http
        # outside localhost (base_url_problem says why).
        problem = base_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if Path(TOML_FILE).exists():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=TOML_FILE))
        return tuple(sources)


@lru_cache
def get_settings() -> Settings:
    return Settings()


# The inputs `current_settings()` last read and the settings they made (one entry: a process
# runs with one configuration, a test flips a switch and flips it back).
_last_read: tuple[tuple[object, ...], Settings] | None = None


def _inputs() -> tuple[object, ...] | None:
    """Everything `Settings()` reads: the CARELOOP_* variables (pydantic-settings matches
    the prefix in any case unless `case_sensitive`: documentation "Settings Management",
    Case-sensitivity) and careloop.toml in the working directory, or None when the file
    cannot be read (then nothing is cached)."""
    variables = tuple(
        sorted((k, v) for k, v in os.environ.items() if k[: len(ENV_PREFIX)].upper() == ENV_PREFIX)
    )
    toml: bytes | None = None
    if os.path.exists(TOML_FILE):
        try:
            toml = Path(TOML_FILE).read_bytes()
        except OSError:
            return None
    return variables, os.getcwd(), toml


def current_settings() -> Settings:
    """The settings as the environment and careloop.toml say now. Validating them costs
    about half a millisecond and some checks run per message or per request, so they are
    made again only when what they are read from has changed (the variables, the working
    directory, the file's bytes); each caller gets its own copy. A bad value is a
    ValidationFailed naming its environment variable (CARELOOP_<FIELD>)."""
    global _last_read
    inputs = _inputs()
    last = _last_read
    if inputs is not None and last is not None and last[0] == inputs:
        return last[1].model_copy()
    settings = _read()
    if inputs is not None:
        _last_read = (inputs, settings)
    return settings.model_copy()


def _read() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise ValidationFailed(
            [
                FieldError(
                    "CARELOOP_" + "_".join(str(part) for part in error["loc"]).upper(),
                    f"{error['msg']}, got {error.get('input')!r}",
                )
                for error in exc.errors()
            ]
        ) from None
