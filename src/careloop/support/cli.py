"""`careloop tickets list|show|open|reply|resolve|smtp` and `careloop tasks list|done`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from careloop.cli_kit import _, cli_error_text, label, lang, num, pct
from careloop.core.console import make_console

tickets_app = typer.Typer(help="Support tickets.", no_args_is_help=True)
tasks_app = typer.Typer(help="The staff task list.", no_args_is_help=True)
console = make_console()
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]
AsOpt = Annotated[str | None, typer.Option("--as", help="Staff email acting.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    app.add_typer(tickets_app, name="tickets")
    app.add_typer(tasks_app, name="tasks")


def _run(shop_slug: str, work: Any) -> Any:
    """Run `work(ctx, session, shop)` in one transaction; errors print and exit 1."""
    from careloop.cli_kit import app_context, fail, load_shop
    from careloop.core.errors import CareloopError
    from careloop.db.engine import transaction

    ctx = app_context()
    shop = load_shop(ctx, shop_slug)
    try:
        with transaction(ctx.sessions) as session:
            return work(ctx, session, session.merge(shop))
    except CareloopError as exc:
        raise fail(cli_error_text(exc)) from None


def _staff_id(session: Any, shop_id: int, email: str | None) -> int | None:
    from careloop.support.worklist import staff_by_email

    return staff_by_email(session, shop_id, email).id if email else None


def _remaining(minutes: float | None) -> str:
    if minutes is None:
        return "-"
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return sign + _("cli.duration.hm", h=int(minutes // 60), m=f"{int(minutes % 60):02d}")


@tickets_app.command("list")
def tickets_list(
    shop: ShopOpt,
    status: Annotated[
        str, typer.Option(help="new, open, pending_customer, resolved, closed, active or all.")
    ] = "active",
    as_json: JsonOpt = False,
) -> None:
    """Tickets, the next SLA deadline first."""
    from careloop.support.views import inbox, next_deadline

    rows = _run(
        shop,
        lambda ctx, session, the_shop: inbox(
            session=session, shop=the_shop, now=ctx.clock.now(), status=status
        ),
    )
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=2))
        return
    columns = ("id", "status", "problem", "subject", "customer", "assignee", "sla", "left")
    table = Table(*(_(f"cli.tickets.col.{c}") for c in columns))
    for r in rows:
        clock = next_deadline(r)
        table.add_row(
            str(r.id),
            label("ticket.status", r.status),
            label("ticket.problem", r.problem_type),
            r.subject[:50],
            r.customer_id,
            r.assignee or "-",
            f"{label('sla.clock', clock.name)} {label('sla.state', clock.state)}" if clock else "-",
            _remaining(clock.remaining_minutes) if clock else "-",
        )
    console.print(table)


@tickets_app.command("show")
def tickets_show(ticket_id: int, shop: ShopOpt, as_json: JsonOpt = False) -> None:
    """A ticket with its conversation, SLA clocks and playbook."""
    from careloop.support.tickets import get_ticket
    from careloop.support.views import ticket_public

    def work(ctx: Any, session: Any, the_shop: Any) -> Any:
        ticket = get_ticket(session, the_shop.id, ticket_id)
        zone.append(the_shop.timezone)
        return ticket_public(
            session, the_shop, ticket, ctx.clock.now(), with_messages=True, locale=lang()
        )

    zone: list[str] = []
    view = _run(shop, work)
    if as_json:
        print(json.dumps(view.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    console.print(
        f"[bold]{view.ref} {view.subject}[/bold]  {label('ticket.status', view.status)} · "
        f"{label('ticket.problem', view.problem_type)} · {label('ticket.priority', view.priority)}",
        highlight=False,
    )
    console.print(
        _(
            "cli.tickets.show.who",
            customer=view.customer_id,
            order=view.order_id or "-",
            assignee=view.assignee or "-",
            policy=label("sla.policy", view.sla_policy),
        ),
        highlight=False,
    )
    for clock in view.sla:
        due = _moment(clock.due_at, clock.due_at.isoformat(), zone[0]) if clock.due_at else "-"
        console.print(
            f"  {label('sla.clock', clock.name):15} {label('sla.state', clock.state):11} "
            + _("cli.tickets.show.due", due=due, left=_remaining(clock.remaining_minutes)),
            highlight=False,
        )
    console.print(
        f"[bold]{_('cli.tickets.show.playbook', title=view.playbook['title'])}[/bold]",
        highlight=False,
    )
    for step in view.playbook["steps"]:
        console.print(
            f"  [{'x' if step['done'] else ' '}] {step['step']}: {step['todo']}", highlight=False
        )
    options = [label("ticket.compensation", o) for o in view.playbook["compensation_options"]]
    console.print(
        _("cli.tickets.show.compensation", options=", ".join(options) or "-"), highlight=False
    )
    console.print(
        _("cli.tickets.show.suggested", reply=view.playbook["suggested_reply"]), highlight=False
    )
    for m in view.messages:
        tag = _("cli.tickets.show.note") if m.kind == "note" else m.author
        when = _moment(m.created_at, f"{m.created_at:%Y-%m-%d %H:%M}", zone[0])
        console.print(f"{when} [{tag}/{m.channel}] {m.body}", highlight=False)


def _moment(value: datetime, english: str, tz: str | None = None) -> str:
    """A date and time as a Vietnamese reader writes it (09:30 07/12/2026), in the shop's
    time zone; in English `english`, the wording scripts have always read."""
    if lang() != "vi":
        return english
    from careloop.web.ui.format import zone

    local = value.astimezone(zone(tz)) if tz and value.tzinfo else value
    return f"{local:%H:%M %d/%m/%Y}"


@tickets_app.command("open")
def tickets_open(
    shop: ShopOpt,
    customer: Annotated[str, typer.Option(help="The customer's customer_id.")],
    subject: Annotated[str, typer.Option()],
    body: Annotated[str, typer.Option(help="What the customer said.")] = "",
    channel: Annotated[str, typer.Option(help="staff, email, sms or zalo.")] = "staff",
    priority: str = "normal",
    as_: AsOpt = None,
) -> None:
    """Open a ticket on a customer's behalf (a call, a chat at the counter)."""
    from careloop.customers.service import get_customer
    from careloop.support.tickets import open_ticket

    def work(ctx: Any, session: Any, the_shop: Any) -> int:
        found = get_customer(session, the_shop, customer)
        ticket = open_ticket(
            session=session,
            clock=ctx.clock,
            shop=the_shop,
            customer_id=found.id,
            subject=subject,
            body=body,
            channel=channel,
            priority=priority,
            source="staff",
            staff_id=_staff_id(session, the_shop.id, as_),
        )
        return int(ticket.id)

    print(_("cli.tickets.opened", id=_run(shop, work)))


@tickets_app.command("reply")
def tickets_reply(
    ticket_id: int,
    text: str,
    shop: ShopOpt,
    as_: AsOpt = None,
    pending: Annotated[
        bool, typer.Option(help="Then wait on the customer (pauses the SLA).")
    ] = False,
    note: Annotated[bool, typer.Option(help="An internal note, not sent.")] = False,
) -> None:
    """Answer the customer on the ticket's channel (or add an internal note)."""
    from careloop.support.tickets import add_note, reply

    def work(ctx: Any, session: Any, the_shop: Any) -> str:
        staff = _staff_id(session, the_shop.id, as_)
        if note:
            add_note(
                session=session,
                clock=ctx.clock,
                shop=the_shop,
                ticket_id=ticket_id,
                body=text,
                staff_id=staff,
            )
            return _("cli.tickets.note_added")
        message = reply(
            session=session,
            clock=ctx.clock,
            shop=the_shop,
            ticket_id=ticket_id,
            body=text,
            staff_id=staff,
            pending=pending,
        )
        return _("cli.tickets.replied", delivery=label("cli.delivery", message.delivery))

    print(_run(shop, work))


@tickets_app.command("resolve")
def tickets_resolve(ticket_id: int, shop: ShopOpt, as_: AsOpt = None, note: str = "") -> None:
    """Resolve: asks the customer for CSAT and schedules the follow-up check-in."""
    from careloop.support.tickets import resolve_ticket

    def work(ctx: Any, session: Any, the_shop: Any) -> str:
        ticket = resolve_ticket(
            session=session,
            clock=ctx.clock,
            shop=the_shop,
            ticket_id=ticket_id,
            staff_id=_staff_id(session, the_shop.id, as_),
            note=note,
        )
        fcr = _("cli.yes") if ticket.first_contact_resolution else _("cli.no")
        return _("cli.tickets.resolved", id=ticket.id, fcr=fcr)

    print(_run(shop, work))


@tickets_app.command("smtp")
def tickets_smtp(
    host: str = "127.0.0.1",
    port: int = 2525,
    domain: Annotated[str | None, typer.Option(help="Accept support+<slug>@DOMAIN.")] = None,
) -> None:
    """Receive support email over SMTP until interrupted."""
    import threading

    from aiosmtpd.controller import Controller

    from careloop.cli_kit import app_context
    from careloop.support.mail import SupportMailHandler

    controller = Controller(
        SupportMailHandler(app_context(), domain=domain), hostname=host, port=port
    )
    controller.start()
    console.print(_("cli.tickets.smtp", host=host, port=port), highlight=False)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@tasks_app.command("list")
def tasks_list(
    shop: ShopOpt,
    mine: Annotated[str | None, typer.Option(help="Only tasks of this staff email.")] = None,
    status: Annotated[str, typer.Option(help="open, done or skipped.")] = "open",
    as_json: JsonOpt = False,
) -> None:
    """Tasks, soonest due first."""
    from careloop.support.task_text import task_text
    from careloop.support.views import task_public
    from careloop.support.worklist import list_tasks

    zone: list[str] = []

    def work(ctx: Any, session: Any, the_shop: Any) -> list[Any]:
        zone.append(the_shop.timezone)
        assignee = _staff_id(session, the_shop.id, mine)
        rows = list_tasks(session=session, shop_id=the_shop.id, status=status, assignee_id=assignee)
        return [task_public(session, t) for t in rows]

    rows = _run(shop, work)
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=2))
        return
    columns = ("id", "due", "kind", "title", "assignee", "customer")
    table = Table(*(_(f"cli.tasks.col.{c}") for c in columns))
    for r in rows:
        table.add_row(
            str(r.id),
            _moment(r.due_at, f"{r.due_at:%Y-%m-%d %H:%M}", zone[0]),
            label("task.kind", r.kind),
            (task_text(r.title, "vi") if lang() == "vi" else r.title)[:70],
            r.assignee or "-",
            r.customer_id or "-",
        )
    console.print(table)


@tasks_app.command("done")
def tasks_done(
    task_id: int,
    shop: ShopOpt,
    note: str = "",
    skip: Annotated[
        bool, typer.Option(help="Skipped rather than done (say why in --note).")
    ] = False,
    as_: AsOpt = None,
) -> None:
    """Mark a task done (or skipped) with a note."""
    from careloop.support.worklist import complete_task

    def work(ctx: Any, session: Any, the_shop: Any) -> str:
        task = complete_task(
            session=session,
            clock=ctx.clock,
            shop=the_shop,
            task_id=task_id,
            outcome="skipped" if skip else "done",
            note=note,
            staff_id=_staff_id(session, the_shop.id, as_),
        )
        return _("cli.tasks.now", id=task.id, status=label("task.status", task.status))

    print(_run(shop, work))


@tickets_app.command("performance")
def tickets_performance(
    shop: ShopOpt,
    days: Annotated[int, typer.Option(help="Tickets and tasks of the last N days.")] = 30,
) -> None:
    """Per agent: tickets, FRT and TTR (median / p90, wall-clock and business hours), FCR,
    CSAT, tasks done on time; the last row is the whole desk."""
    from datetime import timedelta

    from careloop.support.performance import staff_performance

    def work(ctx: Any, session: Any, the_shop: Any) -> Any:
        now = ctx.clock.now()
        return staff_performance(
            session=session, shop=the_shop, start=now - timedelta(days=days), end=now, now=now
        )

    def hours(value: float | None) -> str:
        return "-" if value is None else _("cli.duration.hours", n=num(value, 1))

    def share(value: float | None) -> str:
        return "-" if value is None else pct(value, 0)

    columns = ("agent", "tickets", "frt", "frt_business", "ttr", "fcr", "csat", "on_time")
    table = Table(*(_(f"cli.performance.col.{c}") for c in columns))
    rows = _run(shop, work)
    for n, row in enumerate(rows, start=1):
        unassigned = _("cli.performance.unassigned")
        who = row.email or (unassigned if row.staff_id is None else f"#{row.staff_id}")
        table.add_row(
            _("cli.performance.desk") if n == len(rows) else who,
            num(row.tickets),
            f"{hours(row.frt.median_hours)} / {hours(row.frt.p90_hours)}",
            hours(row.frt.median_business_hours),
            f"{hours(row.ttr.median_hours)} / {hours(row.ttr.p90_hours)}",
            share(row.fcr_rate),
            share(row.csat),
            f"{row.tasks_on_time}/{row.tasks_done}",
        )
    console.print(table)
