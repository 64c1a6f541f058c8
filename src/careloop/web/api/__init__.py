"""The /api/v1 router assembled from each capability's router."""

from __future__ import annotations

from fastapi import APIRouter

from careloop.connectors.api import router as connectors_router
from careloop.customers.api import router as customers_router
from careloop.loyalty.api import router as loyalty_router
from careloop.metrics.api import router as metrics_router
from careloop.orders.api import router as orders_router

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(customers_router)
api_router.include_router(orders_router)
api_router.include_router(connectors_router)
api_router.include_router(loyalty_router)
api_router.include_router(metrics_router)
