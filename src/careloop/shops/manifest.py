"""What the shops kit plugs in: shops, staff, API keys (tables and commands)."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest

_CLI = "careloop.cli_commands:register"

MANIFEST = Manifest(
    name="shops",
    models=("careloop.shops.models",),
    commands=(
        Command("shop", "Create and list shops.", _CLI),
        Command("apikey", "API keys for the REST API.", _CLI),
        Command("user", "Staff users.", _CLI),
    ),
)
