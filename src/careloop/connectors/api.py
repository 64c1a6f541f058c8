"""`POST /api/v1/webhooks/{platform}/{shop}`: authenticated by the platform's signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse

from careloop.connectors.service import SignatureRejected, receive_webhook
from careloop.web.deps import Ctx, SessionDep

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
    session: SessionDep,
    ctx: Ctx,
) -> JSONResponse:
    """One delivery from a shop platform; the same delivery twice is stored once."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        receipt = receive_webhook(
            session=session,
            clock=ctx.clock,
            shop_slug=shop,
            platform=platform,
            headers=headers,
            body=body,
        )
    except SignatureRejected as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    return JSONResponse(
        {"status": receipt.status, "delivery_id": receipt.delivery_id, "result": receipt.result},
        status_code=receipt.http_status,
    )
