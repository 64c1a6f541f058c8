from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from careloop.channels.models import ChannelSettings
from careloop.channels.settings import set_channel_settings
from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.shops.models import Shop
from tests.cli_runner import careloop


def test_channels_set_stores_settings_and_never_prints_secrets(
    ctx: AppContext, db_url: str, shop: Shop
) -> None:
    result = careloop(
        db_url,
        "channels",
        "set",
        "sms",
        "account_sid=AC1",
        "auth_token=s3cret",
        "from_number=+1500",
        "--shop",
        "acme",
        "--provider",
        "twilio",
    )
    assert result.returncode == 0, result.stderr
    assert "s3cret" not in result.stdout
    assert json.loads(result.stdout)["config"]["auth_token"] == "***"
    with ctx.sessions() as s:
        row = s.scalars(select(ChannelSettings)).one()
        assert (row.provider, row.config["auth_token"]) == ("twilio", "s3cret")


def test_unknown_and_missing_settings_are_named(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, pytest.raises(ValidationFailed) as info:
        set_channel_settings(
            session=s, clock=ctx.clock, shop=shop, channel="email", values={"colour": "red"}
        )
    assert "colour: unknown setting for email" in str(info.value)
    assert "host: required" in str(info.value)
