"""A real local SMTP server for the catalogue's end-to-end tests (as in tests/channels)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.channels.conftest import Inbox, free_port

# The connector tests' fixtures: a connected platform and signed deliveries.
from tests.connectors.conftest import connect, deliver  # noqa: F401


@pytest.fixture
def mailbox() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
