"""Every message a customer can receive goes through channels' Outreach port (issue 22 item
2): no module outside channels/ queues a message or records a suppression itself, by import
or by an importlib reach. Staff notifications are not customer messages and use neither."""

from __future__ import annotations

import ast
from pathlib import Path

import careloop

SRC = Path(careloop.__file__).parent
SENDERS = frozenset({"enqueue_message", "record_suppressed", "marketing_sends_since"})
SERVICE = "careloop.channels.service"


def _reaches(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == SERVICE:
            found += [f"imports {a.name}" for a in node.names if a.name in SENDERS]
        elif isinstance(node, ast.Attribute) and node.attr in SENDERS:
            found.append(f"calls .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in SENDERS:
            found.append(f"names {node.id}")
        elif isinstance(node, ast.Constant) and node.value == SERVICE:
            found.append(f"loads {SERVICE} by name")
    return found


def test_no_module_outside_channels_queues_a_customer_message_itself() -> None:
    offenders = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "channels":
            continue
        found = _reaches(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            offenders[str(rel)] = found
    assert offenders == {}


def test_the_scan_would_see_a_direct_call_and_an_importlib_reach() -> None:
    direct = "from careloop.channels.service import enqueue_message\nenqueue_message()\n"
    reach = "import importlib\nimportlib.import_module('careloop.channels.service')\n"
    assert _reaches(ast.parse(direct)) == ["imports enqueue_message", "names enqueue_message"]
    assert _reaches(ast.parse(reach)) == [f"loads {SERVICE} by name"]
