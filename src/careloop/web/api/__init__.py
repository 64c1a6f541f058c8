"""The /api/v1 router assembled from the routers the capabilities' manifests name."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from careloop import bootstrap
from careloop.web.api.responses import ERROR_RESPONSES
from careloop.web.audit import record_changes

# Every change made with an API key lands in the audit log (see careloop.web.audit).
api_router = APIRouter(
    prefix="/api/v1",
    responses=ERROR_RESPONSES,
    dependencies=[Depends(record_changes, scope="function")],
)
for _router in bootstrap.api_routers():
    api_router.include_router(_router)
