"""What ops plugs in: backup, restore and the secrets key."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest

_CLI = "careloop.ops.cli:register"

MANIFEST = Manifest(
    name="ops",
    commands=(
        Command(
            "backup",
            "Copy the SQLite database to FILE, consistently, while Careloop keeps running.",
            _CLI,
        ),
        Command(
            "restore",
            "Replace the SQLite database with the backup FILE (stop serve and workers first).",
            _CLI,
        ),
        Command("secrets", "The key that encrypts stored credentials.", _CLI),
    ),
)
