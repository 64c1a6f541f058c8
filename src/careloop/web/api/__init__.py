"""The /api/v1 router assembled from each capability's router."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from careloop.community.api import router as community_router
from careloop.connectors.api import router as connectors_router
from careloop.customers.api import router as customers_router
from careloop.feedback.api import router as feedback_router
from careloop.loyalty.api import router as loyalty_router
from careloop.metrics.api import router as metrics_router
from careloop.metrics.targets_api import router as kpi_targets_router
from careloop.orders.api import router as orders_router
from careloop.products.api import router as products_router
from careloop.support.api import router as support_router
from careloop.web.api.responses import ERROR_RESPONSES
from careloop.web.audit import record_changes

# Every change made with an API key lands in the audit log (see careloop.web.audit).
api_router = APIRouter(
    prefix="/api/v1",
    responses=ERROR_RESPONSES,
    dependencies=[Depends(record_changes, scope="function")],
)
api_router.include_router(customers_router)
api_router.include_router(orders_router)
api_router.include_router(products_router)
api_router.include_router(connectors_router)
api_router.include_router(loyalty_router)
api_router.include_router(metrics_router)
api_router.include_router(kpi_targets_router)
api_router.include_router(feedback_router)
api_router.include_router(support_router)
api_router.include_router(community_router)
