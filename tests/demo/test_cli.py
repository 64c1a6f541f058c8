from __future__ import annotations

from typer.testing import CliRunner

from careloop.cli import app
from tests.cli_runner import careloop


def test_careloop_demo_builds_the_shop_and_if_missing_then_leaves_it_alone(db_url: str) -> None:
    result = careloop(db_url, "demo", "--customers", "20", "--seed", "9")
    assert result.returncode == 0, result.stderr
    assert "20 customers" in result.stdout and "built in" in result.stdout
    assert "owner@demo.local" in result.stdout and "careloop-demo" in result.stdout
    assert "₫" in result.stdout

    again = careloop(db_url, "demo", "--customers", "60", "--if-missing")
    assert again.returncode == 0, again.stderr
    assert "already there" in again.stdout and "20 customers" in again.stdout


def test_careloop_demo_explains_what_it_does_to_an_existing_demo() -> None:
    help_text = (
        CliRunner().invoke(app, ["--lang", "en", "demo", "--help"], env={"COLUMNS": "200"}).stdout
    )
    assert "--if-missing" in help_text and "deleted and built again" in help_text
