"""Read-only sessions for long figure computations.

On SQLite every Careloop transaction begins IMMEDIATE (it takes the single write lock up
front), so a refresh that reads for seconds in one would hold every staff page and API
write back. A reader connection begins a plain (deferred) transaction instead: under WAL
it sees one consistent snapshot without blocking writers or being blocked by them.
PostgreSQL needs none of this: its sessions are used as they are."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from careloop.db.engine import SQLITE_BUSY_TIMEOUT_MS

_readers: weakref.WeakKeyDictionary[Engine, sessionmaker[Session]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA query_only=ON")  # a reader never writes, even by mistake
    cur.close()


def _begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def read_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions for reading the database behind `sessions` without taking its write lock."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        return sessions
    with _lock:
        found = _readers.get(engine)
        if found is None:
            reader = create_engine(engine.url, connect_args={"check_same_thread": False})
            event.listen(reader, "connect", _pragmas)
            event.listen(reader, "begin", _begin)
            found = _readers[engine] = sessionmaker(reader, expire_on_commit=False)
        return found
