"""Shopify's mandatory privacy webhooks and `app/uninstalled`, acted on as Shopify requires.

shopify.dev, Apps > Privacy law compliance ("Mandatory compliance webhooks"):
- `customers/data_request`: a customer asked the merchant for their data; the app gives the
  merchant what it holds (here: the export, put in front of the owner as a task).
- `customers/redact`: delete the customer's personal data (here: the customer erasure that
  reaches every capability, `careloop.customers.erasure.erase_customer`).
- `shop/redact`: sent 48 hours after the app is uninstalled; erase the shop's data (here: the
  deletion is recorded as due 48 hours later and the worker carries it out, see
  `connectors.tasks`, so a restart loses nothing).
- `app/uninstalled` (a webhook topic of the Admin API, and of Haravan's Partner apps): the
  connector is disabled and the owner is told.
Every one of them is written to the audit log."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from careloop.audit.service import audit
from careloop.connectors.models import Connector
from careloop.core.catalogue import catalogue_texts
from careloop.core.clock import Clock
from careloop.core.errors import FieldError, NotFound, ValidationFailed
from careloop.customers.erasure import erase_customer
from careloop.customers.export import export_customer_data
from careloop.customers.service import get_customer
from careloop.shops.models import Shop

TOPICS: Final = frozenset(
    {"customers/data_request", "customers/redact", "shop/redact", "app/uninstalled"}
)
# Haravan sends `app/uninstalled` too (its Partner-app webhook topics), nothing else here.
PLATFORM_TOPICS: Final = {"shopify": TOPICS, "haravan": frozenset({"app/uninstalled"})}
SHOP_DATA_GRACE: Final = timedelta(hours=48)
ACTOR: Final = "platform:shopify"

TEXTS: Final = catalogue_texts("connectors.compliance.texts")


def handles(platform: str, topic: str) -> bool:
    return topic in PLATFORM_TOPICS.get(platform, frozenset())


def handle(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    connector: Connector,
    topic: str,
    data: dict[str, Any],
) -> str:
    """Act on one compliance/uninstall delivery; returns what was done (the delivery result)."""
    if topic == "customers/data_request":
        return _data_request(session, clock, shop, data)
    if topic == "customers/redact":
        return _redact_customer(session, clock, shop, data)
    if topic == "shop/redact":
        return _redact_shop(session, clock, shop, connector, data)
    return _uninstalled(session, clock, shop, connector, data)


def _texts(shop: Shop) -> dict[str, str]:
    return TEXTS["vi" if (shop.locale or "vi").startswith("vi") else "en"]


def _known_customer_id(session: Session, shop: Shop, data: dict[str, Any]) -> str | None:
    """The Careloop id of the customer the request names (Shopify id, else email, phone)."""
    customer = data.get("customer") if isinstance(data.get("customer"), dict) else {}
    assert isinstance(customer, dict)
    candidates = [str(customer["id"])] if customer.get("id") not in (None, "") else []
    if customer.get("email"):
        candidates.append(f"email:{str(customer['email']).strip().lower()}")
    for external_id in candidates:
        try:
            get_customer(session, shop, external_id)
        except NotFound:
            continue
        return external_id
    return None


def _require_customer(data: dict[str, Any]) -> dict[str, Any]:
    customer = data.get("customer")
    if not isinstance(customer, dict) or not (customer.get("id") or customer.get("email")):
        raise ValidationFailed([FieldError("customer", "an object with id or email is required")])
    return customer


def _data_request(session: Session, clock: Clock, shop: Shop, data: dict[str, Any]) -> str:
    customer = _require_customer(data)
    request = data.get("data_request") if isinstance(data.get("data_request"), dict) else {}
    assert isinstance(request, dict)
    request_id = str(request.get("id") or "")
    external_id = _known_customer_id(session, shop, data)
    texts = _texts(shop)
    if external_id is None:
        export_text = texts["nothing_held"].format(
            customer=customer.get("id", "-"), email=customer.get("email", "-")
        )
    else:
        export = export_customer_data(session, shop, external_id)
        export_text = json.dumps(export, ensure_ascii=False, indent=2, default=str)
    shown = customer.get("id") or customer.get("email")
    task_id = _tell_owner(
        session,
        clock,
        shop,
        title=texts["data_request"].format(request=request_id or "-", customer=shown),
        body=texts["data_request_body"].format(export=export_text),
        source="shopify:customers/data_request",
        key=f"shopify:data_request:{request_id or shown}",
        action="customer.data_requested",
        target=f"customer:{external_id or shown}",
        detail={"data_request": request_id, "held": external_id is not None},
    )
    return f"data request {request_id}: export handed to staff as task {task_id}"


def _redact_customer(session: Session, clock: Clock, shop: Shop, data: dict[str, Any]) -> str:
    customer = _require_customer(data)
    external_id = _known_customer_id(session, shop, data)
    orders = data.get("orders_to_redact") if isinstance(data.get("orders_to_redact"), list) else []
    if external_id is None:
        audit(
            session=session,
            clock=clock,
            shop_id=shop.id,
            actor=ACTOR,
            action="customer.redact_requested",
            target=f"shopify-customer:{customer.get('id') or '-'}",
            detail={"held": False, "orders_to_redact": len(orders or [])},
        )
        return "customers/redact: Careloop holds no data about this customer"
    report = erase_customer(
        session=session, clock=clock, shop=shop, external_id=external_id, actor=ACTOR
    )
    audit(
        session=session,
        clock=clock,
        shop_id=shop.id,
        actor=ACTOR,
        action="customer.redact_requested",
        target=f"shopify-customer:{customer.get('id') or '-'}",
        detail={"held": True, "orders_to_redact": len(orders or [])},
    )
    return f"customers/redact: {report}"


def _redact_shop(
    session: Session, clock: Clock, shop: Shop, connector: Connector, data: dict[str, Any]
) -> str:
    due = clock.now() + SHOP_DATA_GRACE
    if connector.data_deletion_due_at is None:
        connector.data_deletion_due_at = due
    audit(
        session=session,
        clock=clock,
        shop_id=shop.id,
        actor=ACTOR,
        action="shop.redact_scheduled",
        target=f"connector:{connector.platform}",
        detail={
            "shop_domain": str(data.get("shop_domain") or "")[:200],
            "due_at": connector.data_deletion_due_at.isoformat(),
        },
    )
    return f"shop/redact: the shop's data will be deleted at {connector.data_deletion_due_at}"


def _uninstalled(
    session: Session, clock: Clock, shop: Shop, connector: Connector, data: dict[str, Any]
) -> str:
    now = clock.now()
    texts = _texts(shop)
    label = connector.platform.capitalize()
    if connector.disabled_at is None:
        connector.disabled_at = now
        connector.disabled_reason = "app/uninstalled"
    task_id = _tell_owner(
        session,
        clock,
        shop,
        title=texts["uninstalled"].format(platform=label),
        body=texts["uninstalled_body"].format(platform=label),
        source=f"{connector.platform}:app/uninstalled",
        key=f"{connector.platform}:app_uninstalled:{connector.disabled_at.isoformat()}",
        action="connector.disabled",
        target=f"connector:{connector.platform}",
        detail={"reason": "app/uninstalled"},
    )
    return f"app/uninstalled: connector disabled, owner told (task {task_id})"


def _tell_owner(
    session: Session,
    clock: Clock,
    shop: Shop,
    *,
    title: str,
    body: str,
    source: str,
    key: str,
    action: str,
    target: str,
    detail: dict[str, Any],
) -> int:
    """A task for the shop's owner, due now, and the audit entry that names it."""
    from careloop.support.worklist import create_task

    task = create_task(
        session=session,
        clock=clock,
        shop=shop,
        customer_id=None,
        kind="other",
        title=title,
        body=body,
        due_at=clock.now(),
        assignee_rule="owner",
        source=source,
        idempotency_key=key,
    )
    session.flush()
    audit(
        session=session,
        clock=clock,
        shop_id=shop.id,
        actor=ACTOR,
        action=action,
        target=target,
        detail={**detail, "task": task.id},
    )
    return task.id
