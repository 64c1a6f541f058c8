"""Variables the SENDER supplies (a workshop's `event`, a ticket's `ticket` and
`reply_text`, a review link) are declared beside each shipped template key in its
`sender:` section with a sample value, and the editor's checks render with them (issue 17
item 3: "templates check before saving that every variable exists"). A shipped wording
therefore passes the editor unchanged, while a name no sender fills is still refused.
Template syntax: Jinja "Template Designer Documentation", section "Variables"
(https://jinja.palletsprojects.com/en/3.1.x/templates/#variables)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.channels.models import MessageTemplate
from careloop.channels.template_checks import field_problems, saved_wording_problems
from careloop.channels.templates import (
    SENDER_SECTION,
    file_spec,
    sender_samples,
    shipped_template_keys,
)
from careloop.channels.ui import EDIT_CHANNELS
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

WORDING_LOCALES = ("vi", "en")


def _wordings(key: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(channel, locale, entry) for each shipped wording of `key`."""
    spec = file_spec(key) or {}
    for channel, section in spec.items():
        if channel == SENDER_SECTION or not isinstance(section, Mapping):
            continue
        for locale in WORDING_LOCALES:
            entry = section.get(locale)
            if isinstance(entry, Mapping):
                yield channel, locale, entry


def _fields(entry: Mapping[str, Any]) -> dict[str, str]:
    fields = {part: str(entry.get(part, "")) for part in ("subject", "text", "html")}
    data = entry.get("data") or {}
    fields.update({str(k): v for k, v in data.items() if isinstance(v, str)})
    return fields


def _saved_rows(ctx: AppContext) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(MessageTemplate)) or 0)


@pytest.mark.parametrize("key", shipped_template_keys())
def test_every_field_of_every_shipped_wording_passes_the_editor_check_unchanged(
    key: str,
) -> None:
    checked = 0
    for channel, locale, entry in _wordings(key):
        problems = field_problems(_fields(entry), locale=locale, template_key=key)
        assert {f: p.explain("vi") for f, p in problems.items()} == {}, (key, channel, locale)
        checked += 1
    assert checked, key


@pytest.mark.parametrize("key", shipped_template_keys())
def test_every_shipped_wording_is_saved_by_the_template_editor_as_it_ships(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    key: str,
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    token = csrf_from(app_client.get(f"/templates/{key}"))
    saved = 0
    for channel, locale, entry in _wordings(key):
        if channel not in EDIT_CHANNELS:
            continue
        form = {"channel": channel, "locale": locale, "csrf_token": token}
        form |= {part: str(entry.get(part, "")) for part in ("subject", "text", "html")}
        answer = app_client.post(f"/templates/{key}", data=form)
        assert answer.status_code == 200, (key, channel, locale, answer.text[-2000:])
        saved += 1
    assert _saved_rows(ctx) == saved


def test_sender_samples_follow_the_wording_language() -> None:
    assert sender_samples("community.event_invite", "vi")["event"]["title"].startswith("Workshop")
    assert sender_samples("community.event_invite", "en")["event"]["title"] == (
        "Phin coffee workshop"
    )
    assert sender_samples("golden_hours.usage_guide", "vi") == {}


def test_a_typo_in_a_sender_variable_is_refused_in_vietnamese_naming_it(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    key = "community.event_invite"
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    token = csrf_from(app_client.get(f"/templates/{key}"))
    refused = app_client.post(
        f"/templates/{key}",
        data={
            "channel": "email",
            "locale": "vi",
            "csrf_token": token,
            "subject": "Mời bạn: {{ event.title }}",
            "text": "Hẹn gặp bạn ở {{ evnet.name }}",
        },
    )
    assert refused.status_code == 422
    assert "Nội dung: biến không tồn tại: evnet" in refused.text
    assert _saved_rows(ctx) == 0


def test_the_editor_preview_shows_the_sample_event_a_real_send_would_carry(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/templates/community.event_invite?channel=email&locale=vi")
    assert page.status_code == 200
    assert "Workshop pha cà phê phin" in page.text


def test_a_saved_copy_of_a_shipped_wording_does_not_stop_a_journey_that_sends_it(
    ctx: AppContext, shop: Shop
) -> None:
    key = "support.reply"
    with ctx.sessions() as s, s.begin():
        for channel, locale, entry in _wordings(key):
            s.add(
                MessageTemplate(
                    shop_id=shop.id,
                    template_key=key,
                    channel=channel,
                    locale=locale,
                    subject=str(entry.get("subject", "")),
                    body_text=str(entry.get("text", "")),
                    body_html=str(entry.get("html", "")),
                    data={"data": dict(entry.get("data") or {})},
                    updated_at=ctx.clock.now(),
                )
            )
    with ctx.sessions() as s:
        assert saved_wording_problems(s, shop.id, key, locale="vi") == []


def test_a_saved_wording_naming_a_variable_no_sender_fills_still_stops_the_journey(
    ctx: AppContext, shop: Shop
) -> None:
    key = "support.reply"
    with ctx.sessions() as s, s.begin():
        s.add(
            MessageTemplate(
                shop_id=shop.id,
                template_key=key,
                channel="sms",
                locale="vi",
                subject="",
                body_text="{{ shop.sms_name }}: {{ reply_txt }}",
                body_html="",
                data={},
                updated_at=ctx.clock.now(),
            )
        )
    with ctx.sessions() as s:
        (problem,) = saved_wording_problems(s, shop.id, key, locale="vi")
    assert "reply_txt" in problem
