"""`POST /api/v1/webhooks/{platform}/{shop}`: authenticated by the platform's signature.

Answers: 200 for every correctly signed delivery (applied, duplicate, parked for staff, or
queued in the ingest inbox for the worker: careloop.connectors.ingest), 401 bad signature,
404 unknown shop or connector, 413 oversized body. Never a 4xx for what a delivery says:
platforms switch off webhooks that keep failing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, PlainTextResponse

from careloop.connectors.ingest import accept_webhook
from careloop.connectors.service import BodyTooLarge, SignatureRejected, verify_subscription
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
    answer: dict[str, str | int | None] = {
        "status": receipt.status,
        "delivery_id": receipt.delivery_id,
        "result": receipt.result,
        "inbox_id": inbox_id,
    }
    return JSONResponse(answer, status_code=receipt.http_status)


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
