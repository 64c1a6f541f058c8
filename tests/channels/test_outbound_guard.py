"""Attacks through the outbound network guard (issue 20, item 3): SMTP host SSRF, a shop
switching the guard off, targets saved without a check, and remote banners echoed to staff.

What counts as non-public follows the IANA special-purpose registries as Python's
`ipaddress.is_global` encodes them (docs.python.org/3/library/ipaddress.html,
"is_global"); SMTP replies are RFC 5321 section 4.2 (a three-digit code, then text the
server chooses: that text is what must not reach staff)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from careloop.channels.base import Outgoing, PermanentError, SendError
from careloop.channels.email import SmtpProvider
from careloop.channels.netguard import TargetRefused, check_host, guarded_connect
from careloop.channels.settings import get_channel_settings
from careloop.channels.sms import TwilioProvider
from careloop.channels.webhook import WebhookProvider
from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.shops.models import Shop
from tests.channels.conftest import FakeProviders, Inbox
from tests.channels.helpers import configure

BANNER = "internal-postfix-3.4.13 SECRET-HOST ready"


def _email() -> Outgoing:
    return Outgoing(
        message_id=1, shop_id=1, dedup_id="d-1", channel="email", kind="service",
        to="mai@example.com", template_key="thank_you", subject="Hi", text="hi",
    )  # fmt: skip


def _smtp(port: int, host: str = "127.0.0.1", **extra: object) -> SmtpProvider:
    config = {"host": host, "port": port, "security": "none", "from_address": "s@acme.test"}
    return SmtpProvider({**config, **extra}, clock=None)  # type: ignore[arg-type]


def test_an_smtp_host_on_the_private_network_is_refused_before_any_connection(
    smtp_server: tuple[Inbox, int], private_network_refused: None
) -> None:
    inbox, port = smtp_server
    provider = _smtp(port, allow_private=True)  # a shop's own switch changes nothing
    with pytest.raises(PermanentError, match=r"SMTP host refused: .*127\.0\.0\.1"):
        provider.send(_email())
    assert inbox.messages == []


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "[fd00::1]", "0.0.0.0", "100.64.0.1"],
)
def test_private_loopback_link_local_and_metadata_smtp_hosts_are_refused(
    host: str, private_network_refused: None
) -> None:
    with pytest.raises(TargetRefused):
        check_host(host, 25)


def test_an_smtp_name_rebound_to_loopback_is_refused_when_the_socket_connects(
    smtp_server: tuple[Inbox, int], private_network_refused: None
) -> None:
    _inbox, port = smtp_server
    with pytest.raises(TargetRefused, match=r"127\.0\.0\.1"):
        guarded_connect("mail.rebind.example", port, 5, resolver=lambda h: ["127.0.0.1"])


def test_an_allowed_instance_connects_to_the_address_it_checked(
    smtp_server: tuple[Inbox, int],
) -> None:
    """A name only our resolver knows: reaching the server proves the socket went to the
    checked address, never to a second resolution of the name."""
    _inbox, port = smtp_server
    with guarded_connect(
        "only-our-resolver.example", port, 5, resolver=lambda h: ["127.0.0.1"]
    ) as s:
        assert s.recv(3) == b"220"


@pytest.mark.parametrize(
    ("channel", "provider", "values", "field"),
    [
        ("email", "smtp", {"host": "127.0.0.1", "port": 25, "from_address": "s@a.test"}, "host"),
        ("email", "smtp", {"host": "169.254.169.254", "from_address": "s@a.test"}, "host"),
        ("webhook", "http", {"url": "http://169.254.169.254/latest", "secret": "s"}, "url"),
        ("sms", "esms", {"api_key": "k", "secret_key": "s", "base_url": "http://10.0.0.7"},
         "base_url"),
        ("zalo", "zns", {"app_id": "a", "oauth_base_url": "http://[::1]:8080"}, "oauth_base_url"),
    ],
)  # fmt: skip
def test_a_private_target_is_refused_when_the_settings_are_saved_naming_the_field(
    ctx: AppContext,
    shop: Shop,
    private_network_refused: None,
    channel: str,
    provider: str,
    values: dict[str, object],
    field: str,
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        configure(ctx, shop, channel, provider, **values, allow_private=True)
    assert field in {error.field for error in refused.value.errors}
    with ctx.sessions() as s:
        assert get_channel_settings(s, shop.id, channel) is None


def test_a_shops_allow_private_setting_is_not_stored(ctx: AppContext, shop: Shop) -> None:
    configure(ctx, shop, "webhook", "http", url="https://hooks.example.com/x", secret="s",
              allow_private=True)  # fmt: skip
    with ctx.sessions() as s:
        row = get_channel_settings(s, shop.id, "webhook")
        assert row is not None and "allow_private" not in row.config


@pytest.fixture
def banner_server() -> Iterator[int]:
    """A TCP service that greets every client with a refusal that names what it is."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(5)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.sendall(f"554 {BANNER}\r\n".encode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    listener.close()
    thread.join(timeout=5)


def test_an_smtp_error_shown_to_staff_carries_the_reply_code_not_the_banner(
    banner_server: int,
) -> None:
    with pytest.raises(SendError) as failed:
        _smtp(banner_server).send(_email())
    assert "554" in failed.value.reason and "SECRET-HOST" not in failed.value.reason


@pytest.fixture
def garbage_http_server() -> Iterator[int]:
    """Something that is not an HTTP server (here: an SSH greeting) on the webhook port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            conn.sendall(b"SSH-2.0-OpenSSH_8.9 SECRET-HOST\r\nProtocol mismatch.\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    listener.close()
    thread.join(timeout=5)


def test_an_http_failure_shown_to_staff_does_not_quote_what_the_remote_sent(
    ctx: AppContext, garbage_http_server: int
) -> None:
    provider = WebhookProvider(
        {"url": f"http://127.0.0.1:{garbage_http_server}/hook", "secret": "s"}, clock=ctx.clock
    )
    with pytest.raises(SendError) as failed:
        provider.send(_email())
    provider.close()
    assert "SECRET-HOST" not in failed.value.reason and "OpenSSH" not in failed.value.reason


def test_a_provider_refusal_shown_to_staff_is_its_code_not_its_text(
    providers: tuple[FakeProviders, str],
) -> None:
    """Twilio's error body (twilio.com/docs/usage/twilios-response#response-formats-exceptions)
    carries `code`, `message`, `status`: staff see the code and status only."""
    fake, base = providers
    fake.script["/2010-04-01/Accounts/AC1/Messages.json"] = [
        (400, {"code": 21211, "message": "SECRET-HOST says no", "status": 400})
    ]
    provider = TwilioProvider({"account_sid": "AC1", "auth_token": "t", "base_url": base})
    with pytest.raises(SendError) as failed:
        provider.send(_email())
    provider.close()
    assert "21211" in failed.value.reason and "SECRET-HOST" not in failed.value.reason
