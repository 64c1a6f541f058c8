from __future__ import annotations

from pathlib import Path

import pytest

from careloop.core.errors import ValidationFailed
from careloop.journeys.loader import load_file, parse, shipped_files

GOOD = """\
key: welcome
name: Welcome
trigger:
  event: customer.created
steps:
  - id: hello
    send: {channels: [email], template: welcome.hello, kind: service}
"""


def errors_of(text: str, **kwargs: object) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        parse(text, source="welcome.yaml", **kwargs)  # type: ignore[arg-type]
    return [str(e) for e in info.value.errors]


def test_a_valid_journey_parses() -> None:
    journey = parse(GOOD)
    assert journey.key == "welcome" and journey.steps[0].send is not None


def test_every_shipped_playbook_is_valid() -> None:
    keys = {load_file(path).key for path in shipped_files()}
    assert {
        "golden_hours",
        "cross_sell",
        "loyalty_invitation",
        "re_engagement",
        "birthday",
        "purchase_anniversary",
        "replenishment",
        "warranty_reminder",
        "maintenance_reminder",
        "negative_feedback_recovery",
    } <= keys


def test_broken_yaml_is_refused_with_file_and_line() -> None:
    (error,) = errors_of(GOOD + "  - id: [oops\n")
    assert error.startswith("welcome.yaml:9: yaml:")


def test_an_unknown_channel_names_its_line() -> None:
    (error,) = errors_of(GOOD.replace("[email]", "[email, fax]"))
    assert error.startswith("welcome.yaml:7: steps[0].send.channels")
    assert "unknown channel 'fax'" in error


def test_an_unknown_template_is_refused_when_templates_are_checked() -> None:
    (error,) = errors_of(GOOD, template_exists=lambda key: False)
    assert error == "welcome.yaml:7: steps[0].send.template: unknown template 'welcome.hello'"


def test_a_jump_to_a_missing_step_names_the_jump() -> None:
    text = GOOD + "    next: goodbye\n"
    (error,) = errors_of(text)
    assert error.startswith("welcome.yaml:8: steps[0].next: no step with id 'goodbye'")


def test_a_step_with_two_kinds_is_refused() -> None:
    text = GOOD + "    wait: {duration: 1d}\n"
    (error,) = errors_of(text)
    assert error.startswith("welcome.yaml:6: steps[0]:")
    assert "exactly one of" in error


def test_a_bad_duration_and_an_unknown_field_are_both_reported() -> None:
    text = GOOD + "  - id: pause\n    wait: {duration: 3 fortnights}\n    colour: red\n"
    errors = errors_of(text)
    assert any(e.startswith("welcome.yaml:9: steps[1].wait.duration") for e in errors)
    assert any(e.startswith("welcome.yaml:10: steps[1].colour") for e in errors)


def test_a_missing_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="file"):
        load_file(tmp_path / "nope.yaml")
