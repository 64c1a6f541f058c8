from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from careloop.cli import app
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.shops.models import Shop
from careloop.support import service
from tests.cli_runner import careloop
from tests.support.factories import make_customer, make_staff


@pytest.fixture
def ticket_id(ctx: AppContext, shop: Shop) -> int:
    with ctx.sessions() as s, s.begin():
        shop = s.merge(shop)
        make_staff(s, ctx, shop, "an@acme.test", role="owner")
        lan = make_customer(s, ctx, shop, customer_id="C-9")
        ticket = service.open_ticket(
            session=s, clock=ctx.clock, shop=shop, customer_id=lan.id, subject="Hàng bị vỡ", body=""
        )
        return ticket.id


def test_the_real_cli_lists_open_tickets(ticket_id: int, db_url: str, clock: VirtualClock) -> None:
    clock.advance(timedelta(hours=1))  # the ticket lies inside the performance window
    listed = careloop(db_url, "tickets", "list", "--shop", "acme", clock=clock)
    assert listed.returncode == 0, listed.stderr
    assert "Hàng bị vỡ" in listed.stdout and "damaged_defective" in listed.stdout
    performance = careloop(db_url, "tickets", "performance", "--shop", "acme", clock=clock)
    assert performance.returncode == 0, performance.stderr
    assert "an@acme.test" in performance.stdout and "whole desk" in performance.stdout


def test_staff_answer_and_resolve_a_ticket_then_tick_off_the_check_in(
    ticket_id: int, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In-process, on the test's virtual clock (a subprocess would run on the real one).
    monkeypatch.setattr("careloop.cli_kit.app_context", lambda: ctx)
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, ["--lang", "en", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    run(
        "tickets",
        "reply",
        str(ticket_id),
        "Shop gửi hàng mới ạ",
        "--shop",
        "acme",
        "--as",
        "an@acme.test",
    )
    run("tickets", "reply", str(ticket_id), "khách quen", "--note", "--shop", "acme")
    resolved = run("tickets", "resolve", str(ticket_id), "--shop", "acme")
    assert resolved.strip() == f"resolved {ticket_id} (first contact: yes)"
    shown = json.loads(run("tickets", "show", str(ticket_id), "--shop", "acme", "--json"))
    assert shown["status"] == "resolved"
    assert [(m["author"], m["kind"]) for m in shown["messages"]] == [
        ("staff", "message"),
        ("staff", "note"),
    ]
    assert "suggested reply" in run("tickets", "show", str(ticket_id), "--shop", "acme")
    tasks = json.loads(run("tasks", "list", "--shop", "acme", "--json"))
    assert [t["kind"] for t in tasks] == ["follow_up"]
    done = run("tasks", "done", str(tasks[0]["id"]), "--shop", "acme", "--note", "ok")
    assert done.strip() == f"task {tasks[0]['id']} done"
    missing = runner.invoke(app, ["--lang", "en", "tickets", "show", "999", "--shop", "acme"])
    assert missing.exit_code == 1 and "ticket 999 not found" in missing.output
