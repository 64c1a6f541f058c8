"""A shop's own KPI targets: the seeds' are the defaults, the owner overrides them from the
CLI, and the KPI report, API and pages judge by the shop's."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.errors import ValidationFailed
from careloop.customers.timeline import record_event
from careloop.metrics.definitions import (
    apply_target_changes,
    kpi_value,
    parse_target_changes,
    targets_for,
    with_targets,
)
from careloop.metrics.service import compute_kpis
from careloop.metrics.targets import set_shop_targets
from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.segments.factories import add_buyer
from tests.web.helpers import sign_in


def test_without_overrides_every_target_is_the_seeds() -> None:
    targets = targets_for({})
    assert targets["nps"] is not None and targets["nps"].value == 50
    assert targets["review_score"] is not None and targets["review_score"].value == 4.7
    assert targets["review_positive_pct"] is not None
    assert targets["review_positive_pct"].value == 0.90
    assert targets["review_negative_pct"] is not None
    assert targets["review_negative_pct"].value == 0.02
    assert targets["review_negative_pct"].direction == "at_most"
    assert targets["repeat_purchase_rate"] is not None
    assert targets["repeat_purchase_rate"].value == 0.35
    assert targets["fcr_rate"] is not None and targets["fcr_rate"].value == 0.90
    assert targets["csat"] is None


def test_a_shop_override_replaces_the_default_and_keeps_its_direction() -> None:
    settings = apply_target_changes({"other": 1}, {"nps": 60.0, "review_negative_pct": 0.05})
    assert settings["other"] == 1
    targets = targets_for(settings)
    assert targets["nps"] is not None and targets["nps"].value == 60
    assert targets["nps"].source == "set by the shop"
    negative = targets["review_negative_pct"]
    assert negative is not None and negative.value == 0.05 and negative.direction == "at_most"


def test_going_back_to_the_default_removes_the_override() -> None:
    settings = apply_target_changes({}, {"nps": 60.0, "csat": 0.8})
    settings = apply_target_changes(settings, {"nps": None})
    assert settings["kpi_targets"] == {"csat": 0.8}
    csat = targets_for(settings)["csat"]
    assert csat is not None and csat.direction == "at_least"


def test_target_changes_are_parsed_with_percentages_and_every_bad_pair_is_named() -> None:
    assert parse_target_changes(["nps=60", "repeat_purchase_rate=40%", "fcr_rate=default"]) == {
        "nps": 60.0,
        "repeat_purchase_rate": 0.4,
        "fcr_rate": None,
    }
    with pytest.raises(ValidationFailed) as exc:
        parse_target_changes(["nps=200", "review_score=great", "speed=3", "nps"])
    fields = [e.field for e in exc.value.errors]
    assert fields == ["nps", "review_score", "speed", "nps"]
    assert "between -100 and 100" in exc.value.errors[0].reason


def test_a_hand_edited_settings_json_with_junk_keeps_the_defaults() -> None:
    targets = targets_for({"kpi_targets": {"nps": "high", "nope": 3, "csat": True}})
    assert targets["nps"] is not None and targets["nps"].value == 50
    assert targets["csat"] is None


def test_with_targets_rejudges_computed_figures() -> None:
    figures = {"nps": kpi_value("nps", 55, 10, min_sample=10)}
    assert figures["nps"].meets_target is True
    judged = with_targets(figures, targets_for({"kpi_targets": {"nps": 60}}), min_sample=10)
    assert judged["nps"].target == 60 and judged["nps"].meets_target is False
    assert kpi_value("nps", 55, 10, targets=targets_for({"kpi_targets": {"nps": 60}})).target == 60


def test_the_kpi_report_judges_by_the_shops_targets_and_the_change_is_audited(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    day = clock.now() - timedelta(days=3)
    with ctx.sessions() as s, s.begin():
        a = add_buyer(s, shop, "A", [(day, 100_000)])
        for score in (10, 10, 8):  # NPS 66.7: above the seeds' 50, below 70
            record_event(
                session=s,
                clock=clock,
                shop_id=shop.id,
                customer_id=a.id,
                type="survey.answered",
                occurred_at=day,
                payload={"kind": "nps", "score": score},
            )
        stored = s.merge(shop)
        # Three answers: judged only because this shop lowered its minimum sample to 3.
        stored.settings = {**(stored.settings or {}), "kpi_min_sample": 3}
        before = compute_kpis(
            session=s, shop=stored, start=day - timedelta(days=1), end=clock.now()
        )
        set_shop_targets(session=s, clock=clock, shop=stored, changes={"nps": 70.0}, actor="test")
        after = compute_kpis(session=s, shop=stored, start=day - timedelta(days=1), end=clock.now())
    assert before.kpis["nps"].meets_target is True and before.kpis["nps"].target == 50
    assert after.kpis["nps"].meets_target is False and after.kpis["nps"].target == 70
    from sqlalchemy import select

    from careloop.audit.models import AuditEntry

    with ctx.sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "kpi.targets.set")).one()
    assert entry.detail == {"nps": {"from": 50, "to": 70.0}}


def test_the_cli_shows_sets_and_resets_targets_and_kpi_reports_with_them(
    db_url: str, shop: Shop
) -> None:
    shown = careloop(db_url, "kpi", "targets", "--shop", "acme")
    assert shown.returncode == 0, shown.stderr
    assert "NPS" in shown.stdout and ">= 50" in shown.stdout and "seeds/003" in shown.stdout
    changed = careloop(
        db_url, "kpi", "targets", "--shop", "acme", "--set", "nps=60", "--set", "fcr_rate=85%"
    )
    assert changed.returncode == 0, changed.stderr
    data = json.loads(careloop(db_url, "kpi", "targets", "--shop", "acme", "--json").stdout)
    assert data["nps"] == {"value": 60.0, "direction": "at_least", "source": "set by the shop"}
    assert data["fcr_rate"]["value"] == 0.85
    report = careloop(db_url, "kpi", "--shop", "acme", "--json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["kpis"]["nps"]["target"] == 60.0
    reset = careloop(db_url, "kpi", "targets", "--shop", "acme", "--set", "nps=default", "--json")
    assert json.loads(reset.stdout)["nps"]["value"] == 50


def test_the_cli_names_a_bad_target_and_changes_nothing(db_url: str, shop: Shop) -> None:
    bad = careloop(db_url, "kpi", "targets", "--shop", "acme", "--set", "review_score=7")
    assert bad.returncode == 1
    assert "review_score" in bad.stderr and "between 1 and 5" in bad.stderr
    data = json.loads(careloop(db_url, "kpi", "targets", "--shop", "acme", "--json").stdout)
    assert data["review_score"]["value"] == 4.7


def test_the_survey_page_and_the_api_show_the_shops_nps_target(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    make_api_key: Callable[[Shop], str],
) -> None:
    # Keys and staff first: their factories merge the (stale) `shop` fixture object.
    key = make_api_key(shop)
    staff = make_staff(shop)
    with ctx.sessions() as s, s.begin():
        set_shop_targets(
            session=s, clock=ctx.clock, shop=s.merge(shop), changes={"nps": 65.0}, actor="test"
        )
    kpis = app_client.get("/api/v1/kpis", headers={"Authorization": f"Bearer {key}"}).json()
    assert kpis["kpis"]["nps"]["target"] == 65.0
    sign_in(app_client, ctx, staff, shop)
    assert "65+" in app_client.get("/feedback").text


def test_the_api_reads_and_changes_targets_and_rejects_bad_ones_whole(
    api: TestClient,
) -> None:
    assert api.get("/api/v1/kpis/targets").json()["nps"]["value"] == 50
    changed = api.put("/api/v1/kpis/targets", json={"nps": 62, "repeat_purchase_rate": 0.4})
    assert changed.status_code == 200, changed.text
    assert changed.json()["nps"] == {
        "value": 62.0,
        "direction": "at_least",
        "source": "set by the shop",
    }
    bad = api.put("/api/v1/kpis/targets", json={"nps": None, "review_score": 9, "speed": 1})
    assert bad.status_code == 422
    assert {tuple(d["loc"]) for d in bad.json()["detail"]} == {("body", "speed")}
    bad = api.put("/api/v1/kpis/targets", json={"nps": None, "review_score": 9})
    assert [d["loc"] for d in bad.json()["detail"]] == [["body", "review_score"]]
    after = api.get("/api/v1/kpis/targets").json()
    assert after["nps"]["value"] == 62.0 and after["repeat_purchase_rate"]["value"] == 0.4
    assert api.put("/api/v1/kpis/targets", json={"nps": None}).json()["nps"]["value"] == 50
