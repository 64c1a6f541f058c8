"""What the demo plugs in: the `careloop demo` command (the seeders are each capability's)."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest

MANIFEST = Manifest(
    name="demo",
    commands=(
        Command(
            "demo",
            'Create the realistic demo shop "demo" (18 months of history) with staff logins.',
            "careloop.cli_commands:register",
        ),
    ),
    catalogue_domain="demo",
)
