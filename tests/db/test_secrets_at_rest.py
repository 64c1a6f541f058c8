"""Secrets at rest (issue 20 item 7; OWASP ASVS 4.0.3 V6.4.1 "secrets are managed with a
key vault or outside the database", V6.2.1 "approved cryptography"). Credentials are
encrypted with Fernet (cryptography.io, "Fernet (symmetric encryption)": AES-128-CBC +
HMAC-SHA256, MultiFernet for rotation). The attacks: grep the database file for a
password, read the files as another user, and keep using a key that was rotated out."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, text

from careloop.channels.models import ChannelSettings
from careloop.channels.settings import set_channel_settings
from careloop.connectors.models import Connector
from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.core.errors import CareloopError
from careloop.db.crypto import ENV_KEY, ENV_KEY_FILE, is_encrypted, key_file_for, reencrypt_all
from careloop.db.engine import make_engine
from careloop.db.migrate import upgrade
from careloop.db.secrets import instance_secret
from careloop.ops.backup import backup_sqlite
from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.conftest import PG_URL

SMTP_PASSWORD = "smtp-Pa55word-that-must-not-leak"
WEBHOOK_SECRET = "whsec-must-not-leak-0123456789"
CONNECTOR_SECRET = "shpss-connector-secret-must-not-leak"

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="files of a SQLite database")


def _store_secrets(ctx: AppContext, shop: Shop) -> str:
    with ctx.sessions() as s, s.begin():
        the_shop = s.merge(shop)
        set_channel_settings(
            session=s,
            clock=ctx.clock,
            shop=the_shop,
            channel="email",
            values={
                "host": "smtp.example.com",
                "from_address": "a@b.vn",
                "password": SMTP_PASSWORD,
            },
        )
        set_channel_settings(
            session=s,
            clock=ctx.clock,
            shop=the_shop,
            channel="webhook",
            values={"url": "https://hooks.example.com/in/abc", "secret": WEBHOOK_SECRET},
        )
        add_connector(
            session=s, clock=ctx.clock, shop=the_shop, platform="shopify", secret=CONNECTOR_SECRET
        )
    return instance_secret(ctx.engine)


def _raw(ctx: AppContext, sql: str) -> list[object]:
    with ctx.engine.connect() as conn:
        return [row[0] for row in conn.execute(text(sql))]


def _database_bytes(ctx: AppContext) -> bytes:
    ctx.engine.dispose()  # the last connection checkpoints the WAL into the file
    path = Path(str(ctx.engine.url.database))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_stored_credentials_are_encrypted_and_read_back_in_clear(
    ctx: AppContext, shop: Shop
) -> None:
    signing_key = _store_secrets(ctx, shop)

    for raw in (
        _raw(ctx, "SELECT config FROM channel_settings")
        + _raw(ctx, "SELECT secret FROM connectors")
        + _raw(ctx, "SELECT value FROM instance_secrets")
    ):
        assert is_encrypted(raw), raw
    with ctx.sessions() as s:
        email = s.scalar(select(ChannelSettings).where(ChannelSettings.channel == "email"))
        assert email is not None and email.config["password"] == SMTP_PASSWORD
        assert s.scalar(select(Connector.secret)) == CONNECTOR_SECRET
    assert instance_secret(ctx.engine) == signing_key


@sqlite_only
def test_grepping_the_database_file_finds_no_credential(ctx: AppContext, shop: Shop) -> None:
    signing_key = _store_secrets(ctx, shop)

    content = _database_bytes(ctx)

    assert b"shops" in content  # it is the database, read as bytes
    for secret in (SMTP_PASSWORD, WEBHOOK_SECRET, CONNECTOR_SECRET, signing_key):
        assert secret.encode() not in content


@sqlite_only
def test_database_key_file_and_backup_are_readable_by_their_owner_only(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    os.umask(0o022)  # a typical umask, which would give 0644
    fresh = tmp_path / "new" / "careloop.db"
    fresh.parent.mkdir()
    engine = make_engine(f"sqlite:///{fresh}")
    upgrade(engine)
    engine.dispose()
    _store_secrets(ctx, shop)
    backup = tmp_path / "backup.db"
    backup_sqlite(str(ctx.engine.url), backup)

    key_file = key_file_for(str(ctx.engine.url))
    for path in (fresh, key_file, backup, Path(str(ctx.engine.url.database))):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert Fernet(key_file.read_text().splitlines()[0].encode())  # a real Fernet key


def test_plain_text_secrets_from_before_encryption_are_encrypted_by_init(
    ctx: AppContext, shop: Shop
) -> None:
    with ctx.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO connectors (shop_id, platform, secret, mapping, created_at, "
                "updated_at) VALUES (:s, 'shopify', :secret, '{}', :t, :t)"
            ),
            {"s": shop.id, "secret": CONNECTOR_SECRET, "t": ctx.clock.now()},
        )
        conn.execute(
            text(
                "INSERT INTO channel_settings (shop_id, channel, provider, config, updated_at) "
                "VALUES (:s, 'webhook', 'http', :config, :t)"
            ),
            {
                "s": shop.id,
                "config": json.dumps({"url": "https://h.example.com/x", "secret": WEBHOOK_SECRET}),
                "t": ctx.clock.now(),
            },
        )
    with ctx.sessions() as s:  # the old form still reads before the upgrade
        assert s.scalar(select(Connector.secret)) == CONNECTOR_SECRET

    upgrade(ctx.engine)

    assert is_encrypted(_raw(ctx, "SELECT secret FROM connectors")[0])
    assert is_encrypted(_raw(ctx, "SELECT config FROM channel_settings")[0])
    with ctx.sessions() as s:
        assert s.scalar(select(Connector.secret)) == CONNECTOR_SECRET
        assert s.scalar(select(ChannelSettings.config))["secret"] == WEBHOOK_SECRET


def test_rotation_re_encrypts_everything_and_the_old_key_then_opens_nothing(
    ctx: AppContext, shop: Shop, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`careloop secrets rotate` in a real subprocess, against the key file."""
    if PG_URL:
        monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "rotate.key"))
        ctx.engine.dispose()
        ctx = AppContext(settings=ctx.settings, clock=ctx.clock, engine=make_engine(db_url))
    _store_secrets(ctx, shop)
    key_file = key_file_for(db_url)
    old_key = key_file.read_text().split()[0].encode()
    before = _raw(ctx, "SELECT secret FROM connectors")[0]

    result = careloop(db_url, "secrets", "rotate")

    assert result.returncode == 0, result.stderr
    assert "stored secrets encrypted with the new key" in result.stdout
    new_keys = key_file.read_text().split()
    assert len(new_keys) == 1 and new_keys[0].encode() != old_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    after = str(_raw(ctx, "SELECT secret FROM connectors")[0])
    assert after != before
    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(after.removeprefix("fernet:").encode())
    fresh = make_engine(db_url)
    with fresh.connect() as conn:
        assert conn.execute(select(Connector.secret)).scalar() == CONNECTOR_SECRET
    fresh.dispose()
    # The process that was running all along picks the new key up by itself.
    with ctx.sessions() as s:
        assert s.scalar(select(Connector.secret)) == CONNECTOR_SECRET


def test_a_key_from_the_environment_is_used_and_no_key_file_is_made(
    db_url: str, ctx: AppContext, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_KEY, "an operator's long random key")
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)
    engine = make_engine(db_url)
    env_ctx = AppContext(settings=ctx.settings, clock=ctx.clock, engine=engine)
    _store_secrets(env_ctx, shop)
    if not PG_URL:
        assert not key_file_for(db_url).exists()

    monkeypatch.setenv(ENV_KEY, "some other key")
    wrong = make_engine(db_url)
    with wrong.connect() as conn, pytest.raises(CareloopError, match="does not decrypt"):
        conn.execute(select(Connector.secret)).scalar()
    wrong.dispose()

    monkeypatch.setenv(ENV_KEY, "a new key")
    monkeypatch.setenv("CARELOOP_PREVIOUS_SECRET_KEYS", "an operator's long random key")
    rotated = make_engine(db_url)
    assert reencrypt_all(rotated) == 4
    monkeypatch.delenv("CARELOOP_PREVIOUS_SECRET_KEYS")
    only_new = make_engine(db_url)
    with only_new.connect() as conn:
        assert conn.execute(select(Connector.secret)).scalar() == CONNECTOR_SECRET
    for e in (engine, rotated, only_new):
        e.dispose()
