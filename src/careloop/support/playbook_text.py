"""The service-recovery playbook (careloop.support.playbooks) in the reader's language: its
title, what each step means for the problem type, the step names and the compensation kinds,
from catalogue keys `playbook.<problem type>.<title|fix|compensate>`, `playbook.common.<step>`,
`playbook.step.<step>` and `ticket.compensation.<kind>`. The English of the catalogue is the
playbook's own text (a test keeps them equal); the API keeps serving the English."""

from __future__ import annotations

from dataclasses import dataclass

from careloop.core.catalogue import has_message, t
from careloop.support.playbooks import STEPS, playbook_for


@dataclass(frozen=True)
class PlaybookText:
    title: str
    todo: dict[str, str]  # step -> what to do
    step_names: dict[str, str]


def playbook_text(problem_type: str, locale: str) -> PlaybookText:
    playbook = playbook_for(problem_type)
    kind = playbook.problem_type.value

    def text(key: str, english: str) -> str:
        return t(key, locale) if has_message(key) else english

    # A step this playbook words its own way has a key of its own; the others are common.
    todo = {
        step: text(
            f"playbook.{kind}.{step}"
            if has_message(f"playbook.{kind}.{step}")
            else f"playbook.common.{step}",
            playbook.steps[step],
        )
        for step in STEPS
    }
    return PlaybookText(
        title=text(f"playbook.{kind}.title", playbook.title),
        todo=todo,
        step_names={step: text(f"playbook.step.{step}", step) for step in STEPS},
    )


def compensation_label(kind: str, locale: str) -> str:
    key = f"ticket.compensation.{kind}"
    return t(key, locale) if has_message(key) else kind
