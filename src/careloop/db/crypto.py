"""Secrets at rest: Fernet encryption of credential columns, with the key kept outside the
database.

The key comes from CARELOOP_SECRET_KEY (any string; a Fernet key is used as it is, anything
else is stretched into one with SHA-256), with older keys still accepted from
CARELOOP_PREVIOUS_SECRET_KEYS (comma separated) while `careloop secrets rotate` re-encrypts.
Without it, the key lives in a key file created 0600 next to the SQLite database
(`careloop.key` beside `careloop.db`), or at CARELOOP_KEY_FILE. A copy of the database or of
a backup alone then reveals no credential.

Columns declared `EncryptedText` or `EncryptedJson` are encrypted as they are written and
decrypted as they are read; a value written before encryption existed (plain text) still
reads, and `reencrypt_all` (run by `careloop init` and by the rotation) rewrites every such
value with the newest key. The keys travel with the engine (`attach_keys`), so two databases
in one process never mix keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import JSON, Engine, Text, TypeDecorator, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.types import TypeEngine

from careloop.core.errors import CareloopError
from careloop.core.settings import current_settings

ENV_KEY = "CARELOOP_SECRET_KEY"
ENV_PREVIOUS = "CARELOOP_PREVIOUS_SECRET_KEYS"
ENV_KEY_FILE = "CARELOOP_KEY_FILE"
TEXT_PREFIX = "fernet:"
JSON_MARKER = "$fernet"
_ATTR = "careloop_keys"


def fernet_key(material: str) -> bytes:
    """`material` itself if it is a Fernet key, else a Fernet key derived from it."""
    raw = material.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32 and len(raw) == 44:
            return raw
    except (binascii.Error, ValueError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(b"careloop-secrets:" + raw).digest())


def create_private_file(path: Path, content: bytes = b"") -> bool:
    """Create `path` readable by its owner only (0600); False if it already existed."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as f:
        f.write(content)
    os.chmod(path, 0o600)  # whatever the umask said
    return True


def key_file_for(database_url: str) -> Path:
    """Where the key file of the database at `database_url` is (or will be)."""
    if configured := current_settings().key_file:
        return Path(configured)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_name(Path(url.database).stem + ".key")
    return Path("careloop.key")


class Keys:
    """The keys of one database: the newest encrypts, every one decrypts. Loaded on first
    use; loaded again once when a value does not decrypt (another process rotated)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._fernet: MultiFernet | None = None
        self._lock = threading.Lock()

    @property
    def from_environment(self) -> bool:
        return bool(current_settings().secret_key)

    def key_file(self) -> Path:
        return key_file_for(self.database_url)

    def load(self) -> list[bytes]:
        if self.from_environment:
            settings = current_settings()
            previous = settings.previous_secret_keys
            return [fernet_key(settings.secret_key or "")] + [
                fernet_key(k) for k in previous.split(",") if k.strip()
            ]
        path = self.key_file()
        create_private_file(path, Fernet.generate_key() + b"\n")
        keys = [line.strip().encode() for line in path.read_text().splitlines() if line.strip()]
        if not keys:
            raise CareloopError(f"{path}: the key file is empty")
        return keys

    def use(self, keys: list[bytes]) -> None:
        with self._lock:
            self._fernet = MultiFernet([Fernet(k) for k in keys])

    def _current(self, reload: bool = False) -> MultiFernet:
        with self._lock:
            if self._fernet is None or reload:
                self._fernet = MultiFernet([Fernet(k) for k in self.load()])
            return self._fernet

    def encrypt(self, plain: str) -> str:
        return self._current().encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._current().decrypt(token.encode()).decode()
        except InvalidToken:
            pass
        try:
            return self._current(reload=True).decrypt(token.encode()).decode()
        except InvalidToken:
            raise CareloopError(
                "a stored secret does not decrypt with the configured key "
                f"({ENV_KEY} or {self.key_file()}); restore the key that encrypted it"
            ) from None


def attach_keys(engine: Engine) -> Keys:
    """Give `engine` the keys of its database (done by make_engine)."""
    keys = Keys(engine.url.render_as_string(hide_password=False))
    setattr(engine.dialect, _ATTR, keys)
    return keys


def keys_of(engine_or_dialect: Engine | Dialect) -> Keys:
    dialect = (
        engine_or_dialect.dialect if isinstance(engine_or_dialect, Engine) else engine_or_dialect
    )
    keys = getattr(dialect, _ATTR, None)
    if not isinstance(keys, Keys):
        raise CareloopError("this engine has no secret keys: create it with make_engine")
    return keys


class EncryptedText(TypeDecorator[str]):
    """A text column stored as `fernet:<token>`; plain text written before still reads."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return TEXT_PREFIX + keys_of(dialect).encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or not value.startswith(TEXT_PREFIX):
            return value
        return keys_of(dialect).decrypt(value.removeprefix(TEXT_PREFIX))


class EncryptedJson(TypeDecorator[Any]):
    """A JSON column stored as `{"$fernet": <token of the JSON text>}`; a plain JSON value
    written before still reads."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return {JSON_MARKER: keys_of(dialect).encrypt(json.dumps(value, sort_keys=True))}

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, dict) and set(value) == {JSON_MARKER}:
            return json.loads(keys_of(dialect).decrypt(str(value[JSON_MARKER])))
        return value


def is_encrypted(raw: Any) -> bool:
    """True if a raw stored value (read without the column type) is encrypted."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.startswith("{") else raw
        except ValueError:
            return False
    if isinstance(raw, dict):
        return set(raw) == {JSON_MARKER}
    return isinstance(raw, str) and raw.startswith(TEXT_PREFIX)


def reencrypt_all(engine: Engine) -> int:
    """Rewrite every encrypted column of every row with the newest key (plain values from
    before encryption included); returns how many values were written."""
    from careloop.db.models import Base

    written = 0
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [
                c for c in table.columns if isinstance(c.type, EncryptedText | EncryptedJson)
            ]
            if not columns:
                continue
            pk = list(table.primary_key.columns)
            for row in conn.execute(select(*pk, *columns)):
                values = {c.name: row._mapping[c] for c in columns}
                if all(v is None for v in values.values()):
                    continue
                where = [col == row._mapping[col] for col in pk]
                conn.execute(update(table).where(*where).values(**values))
                written += 1
    return written


def rotate(engine: Engine) -> tuple[int, str]:
    """Re-encrypt every secret with a new key; returns (values written, where the key is).

    Key file: a new key is put first (the old ones still decrypt), everything is rewritten,
    then the old keys are dropped from the file. Environment: the operator has already set the
    new CARELOOP_SECRET_KEY and the old one in CARELOOP_PREVIOUS_SECRET_KEYS; everything is
    rewritten with the new one, after which the previous keys can be removed."""
    keys = keys_of(engine)
    if keys.from_environment:
        keys.use(keys.load())
        return reencrypt_all(engine), ENV_KEY
    path = keys.key_file()
    old = keys.load()
    new = Fernet.generate_key()
    _replace_private_file(path, [new, *old])
    keys.use([new, *old])
    written = reencrypt_all(engine)
    _replace_private_file(path, [new])
    keys.use([new])
    return written, str(path)


def _replace_private_file(path: Path, keys: list[bytes]) -> None:
    partial = path.with_name(path.name + ".new")
    partial.unlink(missing_ok=True)
    create_private_file(partial, b"".join(k + b"\n" for k in keys))
    partial.replace(path)
