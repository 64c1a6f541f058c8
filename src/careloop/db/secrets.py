"""The installation's signing secret, kept in the database when not configured.

Sessions and signed links (surveys, unsubscribe, preference centre) must stay valid across
restarts and across every process sharing the database, so a per-process random key won't do.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from careloop.db.base import Base
from careloop.db.crypto import EncryptedText
from careloop.db.upsert import insert_ignoring_duplicates

SECRET_NAME = "signing_key"


class InstanceSecret(Base):
    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Encrypted at rest (careloop.db.crypto).
    value: Mapped[str] = mapped_column(EncryptedText)


def instance_secret(engine: Engine) -> str:
    """The stored signing key, created on first use; concurrent first uses agree on one."""
    with Session(engine) as session, session.begin():
        insert_ignoring_duplicates(
            session,
            InstanceSecret.__table__,  # type: ignore[arg-type]
            [{"name": SECRET_NAME, "value": secrets.token_urlsafe(48)}],
            ["name"],
        )
        value = session.scalar(
            select(InstanceSecret.value).where(InstanceSecret.name == SECRET_NAME)
        )
    assert value is not None
    return value
