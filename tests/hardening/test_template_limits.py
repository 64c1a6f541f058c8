"""Attacks on the template sandbox (issue 20, item 2): each one must fail fast with an error
naming the template and the limit, on every path a template renders (preview, send,
simulate), and a viewer must not be able to render text of their own.

Jinja's own documentation says the sandbox does not bound resource use ("Jinja Sandbox ...
does not prevent ... resource exhaustion", jinja.palletsprojects.com/en/stable/sandbox/,
section "Security Considerations"); `intercepted_binops` / `call_binop` (same page,
"Operator Intercepting") is the documented hook the bounds use."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from careloop.channels import ui as channels_ui
from careloop.channels.models import MessageTemplate
from careloop.channels.service import preview
from careloop.channels.template_limits import Budget
from careloop.channels.templates import TemplateError, TemplateSource, render_source
from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.web import deps
from tests.channels.factories import make_customer
from tests.web.helpers import csrf_from, sign_in

KEY = "golden_hours.usage_guide"

ATTACKS = {
    "power tower": "{{ (9**(9**7)) > 0 }}",
    "big exponent": "{{ 9**99999 }}",
    "float exponent": "{{ 10.0**400 }}",
    "big product": "{{ (10**70) * (10**70) * (10**70) * (10**70) }}",
    "repeated string": "{{ 'a' * 10**9 }}",
    "repeated list": "{{ (['x'*99999]*99999)|join }}",
    "nested loops": "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}"
    "{% endfor %}",
    "nested loops over a string": "{% set s = 'x'*50000 %}{% for a in s %}{% for b in s %}"
    "{% endfor %}{% endfor %}",
    "percent width": "{{ '%0999999999d' % 1 }}",
    "format width": "{{ '{:>999999999}'.format(1) }}",
    "format filter width": "{{ '%09999999d'|format(1) }}",
    "center method": "{{ 'x'.center(999999999) }}",
    "center filter": "{{ 'a'|center(10**8) }}",
    "replace blow-up": "{{ ('x'*99999).replace('', 'y'*99999) }}",
    "join separator": "{{ range(99999)|join('x'*99999) }}",
    "map then join": "{{ range(99999)|map('center', 9999)|join }}",
    "doubling concat": "{% set ns = namespace(s='x') %}{% for i in range(100) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "captured output": "{% set big = 'x'*99999 %}{% set c %}{% for i in range(20000) %}"
    "{{ big }}{% endfor %}{% endset %}{{ c|length }}",
    "long output": "{% for i in range(100000) %}{{ 'x'*99999 }}{% endfor %}",
    "exponential macro": "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "slice count": "{{ range(10)|slice(10**8)|list }}",
}


@pytest.mark.parametrize("attack", list(ATTACKS.values()), ids=list(ATTACKS))
def test_a_resource_attack_in_a_template_fails_with_the_template_and_limit_named(
    attack: str,
) -> None:
    with pytest.raises(TemplateError) as refused:
        render_source(TemplateSource(text=attack), {}, where="template 'attack' (sms, vi)")
    message = str(refused.value)
    assert message.startswith("template 'attack' (sms, vi): ")
    assert "limit reached" in message or "RecursionError" in message


def test_a_render_that_runs_out_of_time_names_the_time_limit() -> None:
    """The wall-time bound, with a clock that advances a second per look (no slow test)."""
    ticks = iter(range(1_000_000))
    slow = Budget(now=lambda: float(next(ticks)), seconds=5.0)
    with pytest.raises(TemplateError, match="limit reached: rendering took longer than 5 s"):
        render_source(
            TemplateSource(text="{% for i in range(100) %}{{ i }}{% endfor %}"),
            {},
            where="template 'slow'",
            limits=slow,
        )


def test_ordinary_templates_still_render_within_the_limits() -> None:
    source = TemplateSource(
        subject="Hi {{ name }}",
        text="{% for i in items %}{{ i.name }} x{{ i.q }} = {{ '%.2f' % (i.p * i.q) }}\n"
        "{% endfor %}{{ 12 * 3 }} {{ 'ab' ~ 'c' }} {{ 10**20 }} {{ 'x'|center(5) }}",
        html="<b>{{ name }}</b>{{ ['<i>', 1]|join(',') }}",
    )
    rendered = render_source(source, {"name": "<An>", "items": [{"name": "a", "q": 2, "p": 1.5}]})
    assert rendered.subject == "Hi <An>"
    assert rendered.text == "a x2 = 3.00\n36 abc 100000000000000000000   x"
    assert rendered.html == "<b>&lt;An&gt;</b>&lt;i&gt;,1"


def test_a_saved_override_with_an_attack_fails_at_send_time_naming_the_template(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        s.add(
            MessageTemplate(
                shop_id=shop.id,
                template_key="thank_you",
                channel="sms",
                locale="vi",
                body_text=ATTACKS["power tower"],
                updated_at=ctx.clock.now(),
            )
        )
    with ctx.sessions() as s, s.begin(), pytest.raises(TemplateError) as refused:
        preview(
            session=s,
            shop=s.merge(shop),
            template_key="thank_you",
            channel="sms",
            locale="vi",
            customer=s.merge(customer),
            now=ctx.clock.now(),
        )
    assert "thank_you" in str(refused.value) and "limit reached" in str(refused.value)


def _preview(client: TestClient, text: str, **extra: str) -> tuple[int, str]:
    token = csrf_from(client.get(f"/templates/{KEY}?channel=sms&locale=vi"))
    answer = client.post(
        f"/templates/{KEY}/preview",
        data={"channel": "sms", "locale": "vi", "text": text, "csrf_token": token, **extra},
    )
    return answer.status_code, answer.text


def test_the_preview_refuses_the_power_tower_with_the_limit_named(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, email="a@acme.test", role="agent"), shop)
    status, text = _preview(app_client, ATTACKS["power tower"])
    assert status == 200
    assert 'data-testid="preview-error"' in text and "limit reached" in text
    assert KEY in text


def test_a_viewer_cannot_render_text_of_their_own_but_previews_the_saved_wording(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, email="v@acme.test", role="viewer"), shop)
    status, _ = _preview(app_client, ATTACKS["power tower"])
    assert status == 403
    with ctx.sessions() as s:
        saved, _used = channels_ui.find_source(
            session=s,
            shop_id=shop.id,
            template_key=KEY,
            channel="sms",
            locale="vi",
            shop_locale="vi",
        )
    status, text = _preview(
        app_client, saved.text.replace("\n", "\r\n"), subject=saved.subject, html=saved.html
    )
    assert status == 200 and 'data-testid="preview-text"' in text


@pytest.fixture
def turn_seen_while_rendering(
    monkeypatch: pytest.MonkeyPatch, ctx: AppContext
) -> Iterator[list[bool]]:
    """Records, for each preview render, whether the database turn was free at that moment."""
    seen: list[bool] = []
    original = channels_ui.render_source

    def watching(*args: object, **kwargs: object) -> object:
        turns = [t for per_loop in deps._TURNS.values() for t in per_loop.values()]
        seen.append(all(not isinstance(t, asyncio.Semaphore) or not t.locked() for t in turns))
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(channels_ui, "render_source", watching)
    yield seen


def test_a_preview_renders_after_the_database_turn_is_given_back(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    turn_seen_while_rendering: list[bool],
) -> None:
    """On SQLite one request at a time holds the database: a preview must not hold it
    while it renders, or every shop waits for one shop's template."""
    if ctx.engine.dialect.name != "sqlite":
        pytest.skip("the single database turn is SQLite's")
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get(f"/templates/{KEY}?channel=sms&locale=vi"))
    turn_seen_while_rendering.clear()
    answer = app_client.post(
        f"/templates/{KEY}/preview",
        data={"channel": "sms", "locale": "vi", "text": "Chào {{ 1 + 1 }}", "csrf_token": token},
    )
    assert answer.status_code == 200 and "Chào 2" in answer.text
    assert turn_seen_while_rendering == [True]
