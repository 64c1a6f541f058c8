"""GET /api/v1/kpis: every KPI of the shop for a period, with targets and cohorts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from careloop.core.errors import ValidationFailed
from careloop.metrics.cohorts import cohorts
from careloop.metrics.periods import period
from careloop.metrics.service import compute_kpis
from careloop.web.deps import ApiShop, Ctx, SessionDep

router = APIRouter(tags=["metrics"])


@router.get("/kpis")
def read_kpis(
    shop: ApiShop,
    session: SessionDep,
    ctx: Ctx,
    start: Annotated[
        date | None, Query(alias="from", description="First day (YYYY-MM-DD), shop time.")
    ] = None,
    end: Annotated[
        date | None, Query(alias="to", description="Last day (YYYY-MM-DD), inclusive.")
    ] = None,
) -> dict[str, Any]:
    """KPIs as DESIGN.md defines them: rates 0-1, NPS -100..100; null values carry a reason."""
    try:
        begin, finish = period(shop, start, end, ctx.clock.now())
    except ValidationFailed as exc:
        detail = [
            {"loc": ["query", e.field], "msg": e.reason, "type": "value_error"} for e in exc.errors
        ]
        raise HTTPException(422, detail) from None
    report = compute_kpis(session=session, shop=shop, start=begin, end=finish)
    out = report.as_dict()
    out["by_cohort"] = [c.as_dict() for c in cohorts(session=session, shop=shop, end=finish)]
    return out
