"""`careloop erase customer ID`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

erase_app = typer.Typer(help="Erase personal data (right to be forgotten).")
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]


@erase_app.command("customer")
def erase_customer_cmd(
    customer_id: str,
    shop: ShopOpt,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove a customer's personal data everywhere; orders and scores stay, anonymous."""
    from careloop.cli_kit import _, app_context, cli_error_text, label, lang, load_shop
    from careloop.core.errors import CareloopError
    from careloop.customers.erasure import erase_customer, overwrite_freed_pages

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    if not yes and not typer.confirm(_("cli.erase.confirm", id=customer_id, shop=shop)):
        raise typer.Exit(1)
    try:
        with ctx.sessions() as session, session.begin():
            report = erase_customer(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                external_id=customer_id,
                actor="cli",
                origin="cli",
            )
    except CareloopError as exc:
        print(cli_error_text(exc), file=sys.stderr)
        raise typer.Exit(1) from None
    overwrite_freed_pages(ctx.engine)
    if lang() != "vi":
        print(report)
        return
    parts = ", ".join(
        f"{label('cli.erase.part', name)} {n}" for name, n in sorted(report.scrubbed.items()) if n
    )
    print(_("cli.erase.done", id=report.customer_id) + (f" ({parts})" if parts else ""))
