"""Configuration from CARELOOP_* environment variables or careloop.toml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARELOOP_")

    database_url: str = "sqlite:///./careloop.db"
    # Signs session cookies and links. Unset: a random key kept in the database is used,
    # shared by every process on that database.
    secret_key: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    secure_cookies: bool = False
    max_body_bytes: int = 10 * 1024 * 1024

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
        if Path("careloop.toml").exists():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file="careloop.toml"))
        return tuple(sources)


@lru_cache
def get_settings() -> Settings:
    return Settings()
