from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from careloop.community.groups import list_groups
from careloop.community.models import UgcEntry
from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.models import TimelineEvent
from careloop.imports import run_import
from careloop.loyalty.service import points_balance
from careloop.shops.models import Shop
from tests.cli_runner import careloop

from .factories import make_customer


def _errors(caught: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    # The file's name, not its folder (a reason may hold a slash: "e.g. 01/10/2026").
    return {
        f"{Path(e.source).name}:{e.line}: {e.field}: {e.reason}" if e.source else str(e)
        for e in caught.value.errors
    }


def test_group_members_and_ugc_import_from_one_csv_and_again_changes_nothing(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    make_customer(ctx, shop, "A")
    make_customer(ctx, shop, "B")
    good = tmp_path / "community.csv"
    good.write_text(
        "customer_id,group,platform,activity,entry_key,kind,url,note\n"
        "A,VIP,zalo,2,,,,\n"
        "B,,,,https://fb.example/p/9,ugc,https://fb.example/p/9,latte art\n"
        "B,Tips,Facebook,,game-1,minigame,,\n"
    )
    assert run_import(ctx, shop, "community", good).rows == 3
    run_import(ctx, shop, "community", good)

    with ctx.sessions() as s:
        assert sorted((g.name, n) for g, n in list_groups(s, shop.id)) == [("Tips", 1), ("VIP", 1)]
        entries = s.scalars(select(UgcEntry.kind).where(UgcEntry.shop_id == shop.id)).all()
        assert sorted(entries) == ["minigame", "ugc"]
        b_id = s.scalar(select(UgcEntry.customer_id).where(UgcEntry.kind == "ugc"))
        assert b_id is not None
        assert points_balance(session=s, shop_id=shop.id, customer_id=b_id) == 80
        types = s.scalars(select(TimelineEvent.type).where(TimelineEvent.type.like("community.%")))
        assert sorted(types) == [
            "community.activity",
            "community.activity",
            "community.joined",
            "community.joined",
        ]


def test_a_bad_row_names_line_and_field_and_nothing_is_imported(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    make_customer(ctx, shop, "A")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "customer_id,group,platform,entry_key,kind,joined_at\n"
        "A,VIP,zalo,,,\n"
        "ZZ,VIP,myspace,,,\n"
        "A,,,post-1,video,\n"
        "A,VIP,zalo,,,yesterday\n"
        "A,,,,,\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        run_import(ctx, shop, "community", bad)
    errors = _errors(caught)
    assert "bad.csv:3: platform: use one of zalo, facebook, wechat (got 'myspace')" in errors
    assert "bad.csv:3: customer_id: unknown customer 'ZZ'" in errors
    assert "bad.csv:4: kind: use one of ugc, minigame (got 'video')" in errors
    assert any(e.startswith("bad.csv:5: joined_at:") for e in errors)
    assert any(e.startswith("bad.csv:6: group: a row needs a group") for e in errors)
    with ctx.sessions() as s:
        assert list_groups(s, shop.id) == []


def test_careloop_import_community_reports_the_bad_line(
    ctx: AppContext, db_url: str, shop: Shop, tmp_path: Path
) -> None:
    make_customer(ctx, shop, "A")
    bad = tmp_path / "groups.csv"
    bad.write_text("customer_id,group,platform\nA,VIP,zalo\nA,VIP,orkut\n")
    out = careloop(db_url, "import", "community", str(bad), "--shop", "acme")
    assert out.returncode == 1
    assert "groups.csv:3: platform" in out.stderr and "nothing was imported" in out.stderr
    good = tmp_path / "ok.csv"
    good.write_text("customer_id,group,platform\nA,VIP,zalo\n")
    assert careloop(db_url, "import", "community", str(good), "--shop", "acme").returncode == 0


def test_a_post_credited_to_one_customer_cannot_be_imported_for_another(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    make_customer(ctx, shop, "A")
    make_customer(ctx, shop, "B")
    clash = tmp_path / "clash.csv"
    clash.write_text(
        "customer_id,group,platform,entry_key,kind\nA,VIP,zalo,fb-post-1,ugc\nB,,,fb-post-1,ugc\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        run_import(ctx, shop, "community", clash)
    assert any(e.startswith("clash.csv:3: entry_key:") for e in _errors(caught))
    with ctx.sessions() as s:
        assert list_groups(s, shop.id) == []
        assert s.scalars(select(UgcEntry)).all() == []
