from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select

from careloop.channels.models import Message
from careloop.journeys.loader import PLAYBOOKS
from careloop.journeys.models import Journey, JourneyEnrollment
from careloop.journeys.report import print_report, step_rows
from careloop.journeys.service import install_default_journeys, save_journey
from careloop.journeys.simulate import simulate
from tests.cli_runner import careloop
from tests.journeys.conftest import World

BAD = """\
key: x
name: X
trigger: {event: order.delivered}
steps:
  - id: a
    send: {channels: [fax], template: test.note}
"""


def count(world: World, model: type) -> int:
    with world.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_simulate_previews_a_draft_journey_over_real_history_and_changes_nothing(
    world: World,
) -> None:
    with world.session() as s, s.begin():
        text = (PLAYBOOKS / "golden_hours.yaml").read_text()
        save_journey(
            session=s, clock=world.clock, shop=s.merge(world.shop), text=text, source_name="gh"
        )
    mai = world.customer("c1")
    lan = world.customer("c2", email=None, consents={"zalo": "denied", "sms": "denied"})
    world.order(mai, "o1")
    world.order(lan, "o2")
    report = simulate(
        sessions=world.ctx.sessions,
        shop=world.shop,
        now=world.clock.now() + timedelta(days=20),
        days=21,
    )
    (preview,) = report.journeys
    assert (preview.key, preview.status) == ("golden_hours", "draft")
    rows = {row[0]: row for row in step_rows(report, preview)}
    assert rows["thank_you"][1] == "2"  # transactional: consent does not stop it
    assert rows["usage_guide"][1] == "1"
    assert rows["usage_guide"][3] == "1 (unreachable 1)"
    assert rows["usage_guide_zalo"][1] == "1"
    assert rows["usage_guide_zalo"][3] == "1 (no_consent 1)"
    assert preview.enrollments == {"done": 2}
    assert count(world, Message) == 0
    assert count(world, JourneyEnrollment) == 0
    assert count(world, Journey) == 1
    console = Console(record=True, width=200)
    print_report(report, console)
    assert "golden_hours v1 (draft)" in console.export_text()


def test_the_demo_installs_every_shipped_journey_as_active(world: World) -> None:
    with world.session() as s, s.begin():
        installed = install_default_journeys(session=s, clock=world.clock, shop=s.merge(world.shop))
        again = install_default_journeys(session=s, clock=world.clock, shop=s.merge(world.shop))
    assert len(installed) == len(again) >= 10
    assert {j.status for j in again} == {"active"}
    assert count(world, Journey) == len(installed)


def test_the_cli_loads_lists_activates_pauses_and_simulates(
    world: World, db_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    result = careloop(db_url, "journeys", "load", "--shop", "acme", str(bad))
    assert result.returncode == 1
    assert f"{bad}:6: steps[0].send.channels" in result.stderr

    good = tmp_path / "note.yaml"
    good.write_text(bad.read_text().replace("[fax]", "[email]"))
    result = careloop(db_url, "journeys", "load", "--shop", "acme", str(good))
    assert result.returncode == 0, result.stderr
    assert "loaded x v1 (draft)" in result.stdout
    assert careloop(db_url, "journeys", "activate", "--shop", "acme", "x").returncode == 0
    listing = careloop(db_url, "journeys", "list", "--shop", "acme").stdout
    assert "x" in listing and "active" in listing and "order.delivered" in listing
    assert (
        "template: test.note" in careloop(db_url, "journeys", "show", "--shop", "acme", "x").stdout
    )
    assert "x is paused" in careloop(db_url, "journeys", "pause", "--shop", "acme", "x").stdout

    result = careloop(db_url, "simulate", "--shop", "acme", "--days", "30", "--journey", "x")
    assert result.returncode == 0, result.stderr
    assert "would send" in result.stdout and "nothing was sent" in result.stdout


def test_journeys_load_takes_several_files_and_loads_none_if_one_is_bad(
    world: World, db_url: str, tmp_path: Path
) -> None:
    """The documented `careloop journeys load playbooks/journeys/*.yaml --shop x` form: the
    shell expands the glob into several arguments."""
    files = sorted(str(p) for p in PLAYBOOKS.glob("*.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    refused = careloop(db_url, "journeys", "load", *files, str(bad), "--shop", "acme")
    assert refused.returncode == 1 and "nothing was loaded" in refused.stderr
    assert count(world, Journey) == 0
    result = careloop(db_url, "journeys", "load", *files, "--shop", "acme")
    assert result.returncode == 0, result.stderr
    assert "loaded golden_hours v1 (draft)" in result.stdout
    assert count(world, Journey) == len(files)
    shipped = careloop(db_url, "journeys", "load", "--shipped", "--activate", "--shop", "acme")
    assert shipped.returncode == 0, shipped.stderr
    assert "loaded golden_hours v1 (active)" in shipped.stdout  # same text, same version
