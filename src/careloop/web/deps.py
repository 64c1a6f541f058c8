"""Request dependencies as Annotated aliases: SessionDep, ApiShop, Ctx."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.shops.service import shop_for_api_key


async def get_ctx(request: Request) -> AppContext:
    """The app's context. `async` so that FastAPI calls it in the event loop: a plain `def`
    dependency is run in a worker thread, a hop that cost more than the lookup itself."""
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


# Per event loop and engine: asyncio primitives belong to the loop they were first used in.
_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)
# Below anyio's 40 worker threads, so a request holding a session always finds a thread.
MAX_CONCURRENT_SESSIONS = 30


def session_capacity(ctx: AppContext) -> int:
    """How many requests may hold a database session at once: one on SQLite (every
    transaction there is a writer), else what the connection pool can give."""
    if ctx.engine.dialect.name == "sqlite":
        return 1
    pool = ctx.engine.pool
    size = pool.size() if hasattr(pool, "size") else MAX_CONCURRENT_SESSIONS
    overflow = max(0, getattr(pool, "_max_overflow", 0))
    return max(1, min(MAX_CONCURRENT_SESSIONS, size + overflow))


async def database_turn(ctx: Ctx) -> AsyncIterator[None]:
    """Requests wait for a database session in the event loop, in arrival order.

    Waiting in a worker thread instead went wrong two ways (bench/load.py and
    tests/hardening/test_concurrent_requests.py): on SQLite, whose busy handler polls with
    growing sleeps, some requests waited past the busy timeout ("database is locked", 500);
    on PostgreSQL, threads blocked on an exhausted connection pool while the requests
    holding the connections waited for a free thread, until the pool timed out (500)."""
    turns = _TURNS.setdefault(asyncio.get_running_loop(), {})
    turn = turns.get(id(ctx.engine))
    if turn is None:
        turn = turns[id(ctx.engine)] = asyncio.Semaphore(session_capacity(ctx))
    async with turn:
        yield


# A request's turn at the database, for routes that open their own short transactions.
DatabaseTurn = Annotated[None, Depends(database_turn, scope="function")]


def get_session(
    ctx: Ctx, _turn: Annotated[None, Depends(database_turn, scope="function")]
) -> Iterator[Session]:
    """One transaction per request, committed when the route returns (before the response
    is sent, so a failed commit is a 5xx, never a false 200)."""
    with ctx.sessions() as session, session.begin():
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def api_shop(request: Request, session: SessionDep) -> Shop:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing header 'Authorization: Bearer <api key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    shop = shop_for_api_key(session, key.strip())
    if shop is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or revoked API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return shop


ApiShop = Annotated[Shop, Depends(api_shop)]
