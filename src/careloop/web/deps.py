"""Request dependencies as Annotated aliases: SessionDep, ApiShop, Ctx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.shops.service import shop_for_api_key


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def get_session(ctx: Ctx) -> Iterator[Session]:
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
