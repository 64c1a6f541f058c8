"""Imports every capability's tables so metadata (and Alembic) sees them all."""

from careloop.connectors.models import Connector, WebhookDelivery
from careloop.customers.models import Consent, Customer, TimelineEvent
from careloop.db.base import Base
from careloop.db.secrets import InstanceSecret
from careloop.orders.models import Order, OrderLine, Product
from careloop.shops.models import ApiKey, Membership, Shop, StaffUser

__all__ = [
    "ApiKey",
    "Base",
    "Connector",
    "Consent",
    "Customer",
    "InstanceSecret",
    "Membership",
    "Order",
    "OrderLine",
    "Product",
    "Shop",
    "StaffUser",
    "TimelineEvent",
    "WebhookDelivery",
]
