"""GET/PUT /api/v1/kpis/targets: a shop's KPI targets (the seeds' unless changed)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from careloop.core.errors import FieldError, ValidationFailed
from careloop.metrics.definitions import KPIS, Target, parse_target_changes
from careloop.metrics.targets import set_shop_targets, shop_targets
from careloop.web.deps import ApiShop, Ctx, SessionDep

router = APIRouter(tags=["metrics"])


def _public(targets: dict[str, Target | None]) -> dict[str, Any]:
    return {
        key: None if t is None else {"value": t.value, "direction": t.direction, "source": t.source}
        for key, t in targets.items()
    }


@router.get("/kpis/targets")
def read_targets(shop: ApiShop) -> dict[str, Any]:
    """Every KPI's target: value, direction (at_least/at_most) and where it comes from."""
    return _public(shop_targets(shop))


@router.put("/kpis/targets")
def change_targets(
    request: Request,
    shop: ApiShop,
    session: SessionDep,
    ctx: Ctx,
    changes: Annotated[
        dict[str, float | None],
        Body(
            examples=[{"nps": 60, "repeat_purchase_rate": 0.4, "fcr_rate": None}],
            description="KPI key to new target; null goes back to the seeds' default.",
        ),
    ],
) -> dict[str, Any]:
    """Change some targets; keys not sent keep theirs. Nothing changes if any is invalid."""
    unknown = [k for k in changes if k not in KPIS]
    if unknown:
        raise ValidationFailed(
            [FieldError(k, f"not a KPI key ({', '.join(KPIS)})") for k in unknown]
        )
    pairs = [f"{k}={'default' if v is None else repr(float(v))}" for k, v in changes.items()]
    parsed = parse_target_changes(pairs)
    stored = session.merge(shop)
    after = set_shop_targets(
        session=session,
        clock=ctx.clock,
        shop=stored,
        changes=parsed,
        actor="api",
        origin=request.client.host if request.client else "",
    )
    return _public(after)
