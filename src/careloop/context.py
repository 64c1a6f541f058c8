"""The composition root: one place that wires settings, clock and database together.

The web app, the CLI and the worker each build one AppContext; tests build one with a
virtual clock and a throwaway database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from careloop.core.clock import Clock, SystemClock
from careloop.core.settings import Settings, get_settings
from careloop.db.engine import make_engine, make_session_factory
from careloop.db.secrets import instance_secret


@dataclass
class AppContext:
    settings: Settings
    clock: Clock
    engine: Engine
    sessions: sessionmaker[Session] = field(init=False)
    # (method, status class) -> count, for /metrics.
    request_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    _secret: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.sessions = make_session_factory(self.engine)

    @property
    def secret_key(self) -> str:
        """The configured signing key, or the installation's own from the database."""
        if self.settings.secret_key:
            return self.settings.secret_key
        if self._secret is None:
            self._secret = instance_secret(self.engine)
        return self._secret


def build_context(settings: Settings | None = None, clock: Clock | None = None) -> AppContext:
    settings = settings or get_settings()
    return AppContext(
        settings=settings, clock=clock or SystemClock(), engine=make_engine(settings.database_url)
    )
