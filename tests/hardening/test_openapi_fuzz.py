"""Schemathesis over the whole OpenAPI spec: no 5xx, and every answer matches the schema."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import SystemClock
from careloop.core.settings import Settings
from careloop.db.engine import make_engine
from careloop.shops.models import Shop
from careloop.web.app import create_app

# The spec does not depend on the database: load it once from an app on an unused engine,
# then send each case to an app on the test's own database.
_SPEC_APP = create_app(
    AppContext(
        settings=Settings(database_url="sqlite://", secret_key="spec-only"),
        clock=SystemClock(),
        engine=make_engine("sqlite://"),
    )
)
schema = schemathesis.openapi.from_asgi("/openapi.json", _SPEC_APP)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Bugs found by this run that are not fixed yet: (operation label contains, symptom in the
# failure text). Only that symptom is tolerated there; any other failure still fails. The
# ones found so far (coupon amounts, ticket ids beyond 64 bits, the KPI 422 shape) are fixed
# and pinned by test_input_bounds.py.
KNOWN_BUGS: list[tuple[str, str]] = []


def is_known_bug(label: str, failure: BaseException) -> bool:
    text = f"{failure!r} {failure}"
    for note in getattr(failure, "__notes__", []):
        text += note
    for inner in getattr(failure, "exceptions", []):
        text += f"{inner!r} {inner}"
    # The integer overflow reads differently on SQLite and PostgreSQL.
    text = text.replace("too large to convert", "out of range")
    return any(where in label and symptom in text for where, symptom in KNOWN_BUGS)


@pytest.fixture
def fuzz_target(
    ctx: AppContext, shop: Shop, make_api_key: Callable[[Shop], str], session: Session
) -> tuple[FastAPI, str]:
    """An app on the test database, with a customer and an order to find."""
    from careloop.orders.schemas import OrderIn
    from careloop.orders.service import upsert_order

    with session.begin():
        upsert_order(
            session=session,
            clock=ctx.clock,
            shop=session.merge(shop),
            data=OrderIn(
                order_id="O1",
                customer_id="C1",
                placed_at=datetime(2026, 10, 1, tzinfo=UTC),
                total=100_000,
            ),
        )
    return create_app(ctx), make_api_key(shop)


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_within_its_schema_and_never_5xx(
    case: schemathesis.Case, fuzz_target: tuple[FastAPI, str]
) -> None:
    app, key = fuzz_target
    try:
        case.call_and_validate(app=app, headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
    except (Exception, BaseExceptionGroup) as failure:  # schemathesis' FailureGroup is the latter
        if not is_known_bug(case.operation.label, failure):
            raise
