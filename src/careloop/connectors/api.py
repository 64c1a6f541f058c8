"""`POST /api/v1/webhooks/{platform}/{shop}`: authenticated by the platform's signature.

Answers: 200 for every correctly signed delivery (applied, duplicate, parked for staff, or
queued in the ingest inbox for the worker: careloop.connectors.ingest), 401 bad signature,
404 unknown shop or connector, 413 oversized body. Never a 4xx for what a delivery says:
platforms switch off webhooks that keep failing."""

from __future__ import annotations

import re
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

from careloop.connectors.ingest import accept_webhook
from careloop.connectors.service import (
    BodyTooLarge,
    Receipt,
    SignatureRejected,
    verify_subscription,
)
from careloop.context import AppContext
from careloop.core.errors import CareloopError
from careloop.web.asgi import database_turn_of, register_fast_accept
from careloop.web.deps import Ctx, DatabaseTurn, SessionDep
from careloop.web.prefer import prefers_async

router = APIRouter(tags=["connectors"])


async def raw_body(request: Request) -> bytes:
    """The exact bytes the platform signed (a parsed and re-encoded body would not match)."""
    return await request.body()


@router.post("/webhooks/{platform}/{shop}")
def post_webhook(
    platform: str,
    shop: str,
    request: Request,
    body: Annotated[bytes, Depends(raw_body)],
    _turn: DatabaseTurn,
    ctx: Ctx,
) -> JSONResponse:
    """One delivery from a shop platform, stored in the ingest inbox before it is answered;
    the same delivery twice is stored once."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        receipt, inbox_id = accept_webhook(
            sessions=ctx.sessions,
            clock=ctx.clock,
            shop_slug=shop,
            platform=platform,
            headers=headers,
            body=body,
            respond_async=prefers_async(request.headers.get("prefer")),
        )
    except SignatureRejected as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    except BodyTooLarge as exc:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, str(exc)) from None
    return _answer(receipt, inbox_id)


def _answer(receipt: Receipt, inbox_id: int | None) -> JSONResponse:
    answer: dict[str, str | int | None] = {
        "status": receipt.status,
        "delivery_id": receipt.delivery_id,
        "result": receipt.result,
        "inbox_id": inbox_id,
    }
    return JSONResponse(answer, status_code=receipt.http_status)


async def fast_accept_webhook(
    ctx: AppContext, scope: Scope, match: re.Match[str], body: bytes
) -> Response | None:
    """`post_webhook` without the framework's per-request work (careloop.web.asgi.FastAccept):
    the same signature check, inbox append and answer, in the same database turn. A delivery
    refused before anything is stored (unknown platform, shop or connector, bad signature,
    oversized body) is left to `post_webhook`, which refuses it as it always has."""
    platform, shop = match.group("platform"), match.group("shop")
    headers = {k.lower(): v for k, v in Headers(scope=scope).items()}

    def accept() -> tuple[Receipt, int | None] | None:
        try:
            return accept_webhook(
                sessions=ctx.sessions,
                clock=ctx.clock,
                shop_slug=shop,
                platform=platform,
                headers=headers,
                body=body,
                respond_async=prefers_async(headers.get("prefer")),
            )
        except CareloopError:  # raised by the checks, before the one commit that stores it
            return None

    async with database_turn_of(ctx):
        accepted = await to_thread.run_sync(accept)
    return None if accepted is None else _answer(*accepted)


register_fast_accept(
    "POST", r"/api/v1/webhooks/(?P<platform>[^/]+)/(?P<shop>[^/]+)", fast_accept_webhook
)


@router.get("/webhooks/{platform}/{shop}", response_class=PlainTextResponse)
def verify_webhook_subscription(
    platform: str,
    shop: str,
    session: SessionDep,
    mode: Annotated[str, Query(alias="hub.mode")],
    verify_token: Annotated[str, Query(alias="hub.verify_token")],
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=500)],
) -> PlainTextResponse:
    """Haravan's webhook registration check: answer `hub.challenge` when the verify token is
    the connector's (docs.haravan.com, Connect webhook, Step 3)."""
    if mode != "subscribe":
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "hub.mode: must be subscribe")
    try:
        answer = verify_subscription(
            session=session,
            shop_slug=shop,
            platform=platform,
            verify_token=verify_token,
            challenge=challenge,
        )
    except SignatureRejected as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    return PlainTextResponse(answer)
