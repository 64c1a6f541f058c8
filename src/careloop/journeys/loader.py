"""Reading journey YAML into a validated JourneyDef, with errors as `file:line: reason`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from careloop.core.errors import FieldError, ValidationFailed
from careloop.journeys.schema import END, JourneyDef

TemplateCheck = Callable[[str], bool]
# (template key, channels or None for all) -> what stops the shop's wording going out.
WordingCheck = Callable[[str, Sequence[str] | None], list[str]]
PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks" / "journeys"


def load_file(
    path: Path,
    *,
    template_exists: TemplateCheck | None = None,
    wording_problems: WordingCheck | None = None,
) -> JourneyDef:
    """Parse and validate one journey file; ValidationFailed lists every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationFailed([FieldError("file", str(exc), source=str(path))]) from None
    return parse(
        text, source=str(path), template_exists=template_exists, wording_problems=wording_problems
    )


# libyaml when the wheel has it (it does on the usual platforms): the same documents and
# line marks at C speed. Its error wording differs, so a text it refuses is read again by
# the pure-Python loader, whose error the owner sees.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data of journey YAML `text`."""
    try:
        return yaml.compose(text, Loader=_FAST_LOADER), yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)


def parse(
    text: str,
    *,
    source: str = "<journey>",
    template_exists: TemplateCheck | None = None,
    wording_problems: WordingCheck | None = None,
) -> JourneyDef:
    """Validate journey YAML `text`; errors name `source`, the line and the field.
    `wording_problems` refuses a send step whose template the shop worded so that it
    cannot go out (an unknown variable, a `{{ }}` the customer would read)."""
    try:
        root, data = _read(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise ValidationFailed(
            [FieldError("yaml", str(reason), line=line, source=source)]
        ) from None
    if not isinstance(data, dict) or root is None:
        raise ValidationFailed(
            [FieldError("journey", "expected a mapping (key, name, trigger, steps)", 1, source)]
        )
    try:
        journey = JourneyDef.model_validate(data)
    except ValidationError as exc:
        errors = [
            FieldError(
                _dotted(err["loc"]),
                err["msg"].removeprefix("Value error, "),
                _line_of(root, err["loc"]),
                source,
            )
            for err in exc.errors()
        ]
        raise ValidationFailed(errors) from None
    problems = (
        _check_references(journey)
        + _check_templates(journey, template_exists)
        + _check_wordings(journey, wording_problems)
    )
    if problems:
        raise ValidationFailed(
            [
                FieldError(_dotted(loc), reason, _line_of(root, loc), source)
                for loc, reason in problems
            ]
        )
    return journey


Problem = tuple[tuple[str | int, ...], str]


def _check_references(journey: JourneyDef) -> list[Problem]:
    ids = [s.id for s in journey.steps]
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, step_id in enumerate(ids):
        if step_id in seen:
            problems.append((("steps", i, "id"), f"duplicate step id {step_id!r}"))
        seen.add(step_id)
        if step_id == END:
            problems.append((("steps", i, "id"), f"{END!r} is reserved for 'finish the journey'"))
    for loc, target in journey.references():
        if target != END and target not in seen:
            problems.append((loc, f"no step with id {target!r} (known: {', '.join(ids)}, end)"))
    sends = {s.id for s in journey.steps if s.send is not None}
    for i, step in enumerate(journey.steps):
        watched = step.wait_for.step if step.wait_for is not None else None
        if watched is not None and watched not in sends:
            problems.append((("steps", i, "wait_for", "step"), f"{watched!r} is not a send step"))
    return problems


def _check_templates(journey: JourneyDef, template_exists: TemplateCheck | None) -> list[Problem]:
    if template_exists is None:
        return []
    return [
        (("steps", i, "send", "template"), f"unknown template {step.send.template!r}")
        for i, step in enumerate(journey.steps)
        if step.send is not None and not template_exists(step.send.template)
    ]


def _check_wordings(journey: JourneyDef, wording_problems: WordingCheck | None) -> list[Problem]:
    if wording_problems is None:
        return []
    problems: list[Problem] = []
    for i, step in enumerate(journey.steps):
        if step.send is None:
            continue
        channels = step.send.channel_list()
        wanted = None if "preferred" in channels else channels
        for reason in wording_problems(step.send.template, wanted):
            problems.append((("steps", i, "send", "template"), reason))
    return problems


def default_template_check() -> TemplateCheck | None:
    """The channels capability's template registry, when it offers a look-up."""
    try:
        from careloop.channels import templates
    except ImportError:
        return None
    for name in ("template_exists", "has_template"):
        check = getattr(templates, name, None)
        if callable(check):
            return check  # type: ignore[no-any-return]
    return None


def _dotted(loc: Sequence[str | int]) -> str:
    parts = [str(p).rstrip("_") for p in loc if not _is_union_tag(p)]
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or "journey"


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the union member tried ("list[str]", "Condition") to error locations.
    return isinstance(part, str) and (part[:1].isupper() or "[" in part or part == "str")


def _line_of(root: yaml.Node, loc: Sequence[str | int]) -> int:
    """The 1-based line of the deepest YAML node that `loc` reaches."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            name = str(part).rstrip("_")
            found = next((v for k, v in node.value if getattr(k, "value", None) == name), None)
            if found is None:
                found = next((k for k, _ in node.value if getattr(k, "value", None) == name), None)
                if found is not None:
                    node = found
                    break
                continue
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
    return int(node.start_mark.line) + 1


def shipped_files() -> list[Path]:
    """The default playbooks shipped with Careloop."""
    return sorted(PLAYBOOKS.glob("*.yaml"))
