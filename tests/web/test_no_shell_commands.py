"""No screen tells a user to run a shell command: every staff page's wording (templates, the
registered messages and each page module's own text tables) is free of `careloop ...`
command hints; what the command did is a link or a form on the page instead."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from careloop.web.i18n import catalogue_messages
from careloop.web.ui import page_modules

COMMAND = re.compile(r"\bcareloop (?:[a-z]+)(?: |`|$)")
TEMPLATES = Path(importlib.import_module("careloop.web").__file__ or "").parent / "templates"


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    return []


def test_no_template_or_staff_text_hints_at_a_careloop_shell_command() -> None:
    found = [
        f"{path.relative_to(TEMPLATES)}: {m.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for m in COMMAND.finditer(path.read_text(encoding="utf-8"))
    ]
    for name in page_modules():
        module = importlib.import_module(name)
        for attr in ("TEXTS",):
            found += [
                f"{name}.{attr}: {t}"
                for t in _texts(getattr(module, attr, {}))
                if COMMAND.search(t)
            ]
    found += [
        f"message {k}: {t}"
        for k, v in catalogue_messages().items()
        if not k.startswith("cli.")  # printed in the terminal, where a command is the answer
        for t in _texts(v)
        if COMMAND.search(t)
    ]
    assert found == []
