"""`careloop simulate` assumes the shop's real open and click rates from its message log (or
the channel's default, stated) instead of assuming nobody opens an email, and prints them.

The email default is Mailchimp's published "Email Marketing Benchmarks by Industry"
(mailchimp.com/resources/email-marketing-benchmarks, data of October 2019, row "All
non-labeled accounts": average open rate 22.71 %, click rate 2.91 %)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.console import Console

from careloop.channels.models import Message
from careloop.journeys.engagement import (
    DEFAULT_SOURCE,
    MIN_SAMPLE,
    default_rates,
    rates_from_counts,
)
from careloop.journeys.loader import PLAYBOOKS
from careloop.journeys.report import print_report, step_rows
from careloop.journeys.service import save_journey
from careloop.journeys.simulate import simulate
from tests.cli_runner import careloop
from tests.journeys.conftest import World


def test_a_channel_with_enough_messages_uses_its_measured_rates() -> None:
    rates = rates_from_counts("email", sent=200, opened=90, clicked=12)
    assert (rates.open, rates.click, rates.basis) == (0.45, 0.06, "message log")
    assert rates.describe() == "email: opens 45.0%, clicks 6.0% (message log, 200 sent)"


@pytest.mark.parametrize("sent", [0, MIN_SAMPLE - 1])
def test_a_thin_log_falls_back_to_the_published_email_benchmark(sent: int) -> None:
    rates = rates_from_counts("email", sent=sent, opened=sent, clicked=0)
    assert (rates.open, rates.click, rates.basis) == (0.2271, 0.0291, DEFAULT_SOURCE)


def test_sms_and_zalo_report_no_opens_and_say_so() -> None:
    assert default_rates("sms").describe() == "sms: opens 0.0%, clicks 0.0% (not tracked)"
    assert default_rates("zalo").open == 0.0


def log_emails(world: World, *, sent: int, opened: int) -> None:
    mai = world.customer("log")
    now = world.clock.now()
    with world.session() as s, s.begin():
        for n in range(sent):
            s.add(
                Message(
                    shop_id=world.shop.id,
                    customer_id=mai.id,
                    channel="email",
                    channel_chain=["email"],
                    kind="service",
                    template_key="test.note",
                    idempotency_key=f"log:{n}",
                    dedup_id=f"log-{n}",
                    status="delivered",
                    created_at=now - timedelta(days=30),
                    sent_at=now - timedelta(days=30),
                    opened_at=now - timedelta(days=29) if n < opened else None,
                )
            )


def test_simulate_lets_the_measured_share_of_customers_open_the_day_3_guide(
    world: World,
) -> None:
    log_emails(world, sent=40, opened=40)  # every email this shop sends gets opened
    with world.session() as s, s.begin():
        text = (PLAYBOOKS / "golden_hours.yaml").read_text()
        save_journey(
            session=s, clock=world.clock, shop=s.merge(world.shop), text=text, source_name="gh"
        )
    for n in range(3):
        world.order(world.customer(f"c{n}"), f"o{n}")
    report = simulate(
        sessions=world.ctx.sessions,
        shop=world.shop,
        now=world.clock.now() + timedelta(days=20),
        days=21,
    )
    assert report.rates["email"].open == 1.0
    assert report.rates["email"].basis == "message log"
    rows = {row[0]: row for row in step_rows(report, report.journeys[0])}
    assert rows["usage_guide"][1] == "3"
    assert rows["guide_opened"][5] == "matched 3"
    assert rows["usage_guide_zalo"][1] == "0"  # nobody needed the Zalo reminder

    console = Console(record=True, width=200)
    print_report(report, console)
    printed = console.export_text()
    assert "email: opens 100.0%, clicks 0.0% (message log, 40 sent)" in printed
    assert "sms: opens 0.0%, clicks 0.0% (not tracked)" in printed


def test_the_simulate_command_prints_the_rates_it_assumed(world: World, db_url: str) -> None:
    world.install("golden_hours")
    result = careloop(db_url, "simulate", "--shop", "acme", "--days", "7")
    assert result.returncode == 0, result.stderr
    assert "Assumed engagement" in result.stdout
    assert f"email: opens 22.7%, clicks 2.9% ({DEFAULT_SOURCE})" in result.stdout
