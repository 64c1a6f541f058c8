"""Staff accounts under attack (issue 20 items 4 and 8; OWASP ASVS 4.0.3 V2.1 passwords,
V2.2.1 anti-automation, V2.5 credential recovery, V3.3 session termination, V4.1.3 least
privilege across tenants). Each test plays the attacker and watches the attack fail."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.shops.models import Membership, Shop, StaffSession, StaffUser
from careloop.web.app import create_app
from tests.channels.conftest import Inbox, free_port
from tests.cli_runner import careloop
from tests.conftest import TEST_PASSWORD, ShopFactory
from tests.web.helpers import csrf_from, login, sign_in

NEW_PASSWORD = "a brand new passphrase"


def _sessions(ctx: AppContext) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(StaffSession)) or 0)


# --- Invitations -------------------------------------------------------------------------


def test_adding_another_shops_staff_member_only_invites_them_and_reveals_nothing(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: ShopFactory,
    make_staff: Callable[..., str],
) -> None:
    """The attack of the issue: an owner adds a stranger's account by email, hoping to see
    their name and to appear in their shop switcher."""
    victim_shop = make_shop("victim", name="Victim Tea")
    victim = make_staff(victim_shop, "lan@victim.test")
    with ctx.sessions() as s, s.begin():
        user = s.scalar(select(StaffUser).where(StaffUser.email == victim))
        assert user is not None
        user.name = "Nguyen Thi Lan"
    attacker = TestClient(app_client.app)
    sign_in(attacker, ctx, make_staff(shop, "boss@acme.test"), shop)
    page = attacker.get("/settings/staff")

    added = attacker.post(
        "/settings/staff",
        data={
            "email": "LAN@victim.test",
            "name": "",
            "password": "whatever-they-type",
            "role": "agent",
            "csrf_token": csrf_from(page),
        },
    )

    assert added.status_code == 200  # followed the redirect back to the staff page
    assert "Nguyen Thi Lan" not in added.text
    assert "lan@victim.test" in added.text and "waiting" in added.text
    with ctx.sessions() as s:
        memberships = s.scalar(select(func.count()).select_from(Membership))
        assert memberships == 2  # boss in acme, lan in victim: nothing new
    # The victim's switcher does not show the attacker's shop...
    home = sign_in(app_client, ctx, victim, victim_shop)
    assert "Acme Coffee" not in home.text
    # ...until she accepts on her account page; the password typed by the owner is not hers.
    account = app_client.get("/account")
    assert "Acme Coffee invites you as Agent." in account.text
    invitation = re.search(r"/account/invitations/(\d+)/accept", account.text)
    assert invitation
    app_client.post(
        f"/account/invitations/{invitation.group(1)}/accept",
        data={"csrf_token": csrf_from(account)},
    )
    assert "Acme Coffee" in app_client.get("/").text
    assert (
        login(TestClient(app_client.app), victim, password="whatever-they-type").status_code == 401
    )
    # Now a member, her name shows in the shop's staff list.
    assert "Nguyen Thi Lan" in attacker.get("/settings/staff").text


def test_a_declined_invitation_leaves_no_membership_and_nobody_else_can_answer_it(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: ShopFactory,
    make_staff: Callable[..., str],
) -> None:
    other = make_shop("other", name="Other Shop")
    lan = make_staff(other, "lan@other.test")
    owner = TestClient(app_client.app)
    sign_in(owner, ctx, make_staff(shop, "boss@acme.test"), shop)
    page = owner.get("/settings/staff")
    owner.post(
        "/settings/staff",
        data={"email": lan, "password": "x" * 8, "role": "viewer", "csrf_token": csrf_from(page)},
    )
    # A third person tries to accept Lan's invitation for themselves.
    sign_in(app_client, ctx, make_staff(other, "mallory@other.test"), other)
    mine = app_client.get("/account")
    with ctx.sessions() as s:
        from careloop.shops.models import StaffInvitation

        invitation_id = s.scalar(select(StaffInvitation.id))
    stolen = app_client.post(
        f"/account/invitations/{invitation_id}/accept", data={"csrf_token": csrf_from(mine)}
    )
    assert stolen.status_code == 404

    lan_client = TestClient(app_client.app)
    sign_in(lan_client, ctx, lan, other)
    account = lan_client.get("/account")
    lan_client.post(
        f"/account/invitations/{invitation_id}/decline", data={"csrf_token": csrf_from(account)}
    )

    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Membership)) == 3
    assert "Acme Coffee" not in lan_client.get("/").text


# --- Password change ---------------------------------------------------------------------


def test_changing_the_password_signs_out_every_other_browser(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    email = make_staff(shop)
    thief = TestClient(app_client.app)
    login(thief, email)  # a session the owner does not know about
    login(app_client, email)
    account = app_client.get("/account")

    wrong = app_client.post(
        "/account/password",
        data={
            "current_password": "not it",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": csrf_from(account),
        },
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    changed = app_client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": csrf_from(account),
        },
    )

    assert changed.status_code == 200 and "Password changed" in changed.text
    assert thief.get("/", follow_redirects=False).status_code == 303
    assert app_client.get("/", follow_redirects=False).status_code == 200
    assert _sessions(ctx) == 1
    assert login(TestClient(app_client.app), email).status_code == 401
    assert login(TestClient(app_client.app), email, password=NEW_PASSWORD).status_code == 200


def test_careloop_user_password_changes_it_and_ends_every_session(
    app_client: TestClient, ctx: AppContext, db_url: str, shop: Shop, make_staff: Callable[..., str]
) -> None:
    email = make_staff(shop)
    login(app_client, email)

    too_short = careloop(db_url, "user", "password", email, "--password", "short")
    result = careloop(db_url, "user", "password", email, input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")

    assert too_short.returncode == 1 and "at least 8 characters" in too_short.stderr
    assert result.returncode == 0, result.stderr
    assert app_client.get("/", follow_redirects=False).status_code == 303
    assert login(TestClient(app_client.app), email, password=NEW_PASSWORD).status_code == 200
    unknown = careloop(db_url, "user", "password", "nobody@x.test", "--password", NEW_PASSWORD)
    assert unknown.returncode == 1 and "no staff user" in unknown.stderr


# --- Password reset by email -------------------------------------------------------------


@pytest.fixture
def mail() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) standing in for the installation's mail server."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def mail_client(ctx: AppContext, mail: tuple[Inbox, int]) -> Iterator[TestClient]:
    settings = ctx.settings.model_copy(
        update={
            "mail_host": "127.0.0.1",
            "mail_port": mail[1],
            "mail_security": "none",
            "mail_from": "Careloop <no-reply@careloop.test>",
            "base_url": "https://care.example.com",
        }
    )
    with TestClient(create_app(replace(ctx, settings=settings))) as client:
        yield client


def _ask_for_link(client: TestClient, email: str) -> str:
    form = client.get("/password/forgot")
    page = client.post("/password/forgot", data={"email": email, "csrf_token": csrf_from(form)})
    assert page.status_code == 200
    assert "If that email belongs to an account" in page.text
    return page.text


def _link(inbox: Inbox) -> str:
    body = inbox.messages[-1].get_content()
    match = re.search(r"https://care\.example\.com(/password/reset\?token=\S+)", body)
    assert match, body
    return match.group(1)


def _reset(client: TestClient, path: str, password: str = NEW_PASSWORD) -> int:
    client.get(path)
    token = path.split("token=", 1)[1]
    # The session's CSRF token from any form (a refused link's page has none).
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/password/forgot").text)
    assert csrf
    done = client.post(
        "/password/reset",
        data={
            "token": token,
            "new_password": password,
            "confirm_password": password,
            "csrf_token": csrf.group(1),
        },
        follow_redirects=False,
    )
    return done.status_code


def test_reset_link_by_email_works_once_and_signs_out_every_session(
    mail_client: TestClient,
    mail: tuple[Inbox, int],
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    inbox, _port = mail
    email = make_staff(shop)
    thief = TestClient(mail_client.app)
    login(thief, email)

    _ask_for_link(mail_client, email)
    link = _link(inbox)
    assert inbox.envelopes[-1] == ("no-reply@careloop.test", [email])

    assert _reset(mail_client, link) == 303
    assert thief.get("/", follow_redirects=False).status_code == 303
    assert login(TestClient(mail_client.app), email, password=NEW_PASSWORD).status_code == 200
    # The same link again (from the mailbox, a proxy log, browser history): refused.
    reused = mail_client.get(link)
    assert reused.status_code == 400 and "not valid" in reused.text
    assert _reset(mail_client, link, "attacker's choice!") == 400
    assert login(TestClient(mail_client.app), email, password=NEW_PASSWORD).status_code == 200


def test_an_expired_or_altered_reset_link_is_refused(
    mail_client: TestClient,
    mail: tuple[Inbox, int],
    clock: VirtualClock,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    inbox, _port = mail
    email = make_staff(shop)
    _ask_for_link(mail_client, email)
    link = _link(inbox)

    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert mail_client.get(tampered).status_code == 400
    clock.advance(timedelta(hours=1, seconds=1))
    assert _reset(mail_client, link) == 400
    assert login(TestClient(mail_client.app), email).status_code == 200  # unchanged


def test_asking_for_a_link_for_an_unknown_email_looks_the_same_and_sends_nothing(
    mail_client: TestClient, mail: tuple[Inbox, int], shop: Shop, make_staff: Callable[..., str]
) -> None:
    inbox, _port = mail
    make_staff(shop)

    _ask_for_link(mail_client, "nobody@acme.test")

    assert inbox.messages == []


def test_reset_mails_are_limited_per_address(
    mail_client: TestClient, mail: tuple[Inbox, int], shop: Shop, make_staff: Callable[..., str]
) -> None:
    inbox, _port = mail
    email = make_staff(shop)
    for _ in range(3):
        _ask_for_link(mail_client, email)
    form = mail_client.get("/password/forgot")

    fourth = mail_client.post(
        "/password/forgot", data={"email": email, "csrf_token": csrf_from(form)}
    )

    assert fourth.status_code == 429 and len(inbox.messages) == 3


def test_without_an_instance_mail_server_the_page_says_so_without_a_shell_command(
    app_client: TestClient,
) -> None:
    page = app_client.get("/password/forgot")

    assert "not set up on this installation" in page.text
    assert "careloop " not in page.text and "CARELOOP_" not in page.text


def test_the_invited_person_gets_an_email_through_the_instance_mail_server(
    mail_client: TestClient,
    mail: tuple[Inbox, int],
    ctx: AppContext,
    shop: Shop,
    make_shop: ShopFactory,
    make_staff: Callable[..., str],
) -> None:
    inbox, _port = mail
    lan = make_staff(make_shop("other", name="Other Shop"), "lan@other.test")
    sign_in(mail_client, ctx, make_staff(shop, "boss@acme.test"), shop)
    page = mail_client.get("/settings/staff")

    mail_client.post(
        "/settings/staff",
        data={"email": lan, "password": "x" * 8, "role": "agent", "csrf_token": csrf_from(page)},
    )

    assert [to for _sender, to in inbox.envelopes] == [[lan]]
    body = inbox.messages[0].get_content()
    # In the invited person's own language (Vietnamese, the default).
    assert "Acme Coffee mời bạn" in body and "https://care.example.com/account" in body
