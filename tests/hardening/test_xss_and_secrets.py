"""Stored XSS comes out escaped; templates cannot reach Python internals; signatures are
compared in constant time; keys and passwords are stored only as hashes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.web.app import create_app
from tests.conftest import TEST_PASSWORD
from tests.hardening.test_tenant_isolation import PUBLIC_PREFIXES, fill, route_list
from tests.web.helpers import add_customer, add_order, sign_in

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
SRC = Path(__file__).resolve().parents[2] / "src" / "careloop"


@pytest.fixture
def hostile_shop(ctx: AppContext, shop: Shop, api: TestClient) -> dict[str, str]:
    """A customer, review and ticket whose texts are script tags; returns path ids."""
    customer = add_customer(ctx, shop, "C-XSS", name=XSS, email="x@acme.test")
    order = add_order(ctx, shop, "C-XSS", "O-XSS", "100000", customer_name=XSS)
    review = api.post(
        "/api/v1/reviews",
        json={
            "review_id": "R-XSS",
            "customer_id": "C-XSS",
            "platform": "google",
            "rating": 1,
            "text": XSS,
            "posted_at": (ctx.clock.now() - timedelta(hours=1)).isoformat(),
        },
    )
    assert review.status_code == 200, review.text
    ids = {"customer_id": str(customer.id), "order_id": str(order.id)}
    try:
        from careloop.support.service import open_ticket
    except ImportError:
        return ids
    with ctx.sessions() as s, s.begin():
        ticket = open_ticket(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer_id=customer.id,
            subject=XSS,
            body=XSS,
        )
        ids["ticket_id"] = str(ticket.id)
    return ids


def test_script_tags_in_names_reviews_and_tickets_come_out_escaped_on_every_staff_page(
    ctx: AppContext,
    shop: Shop,
    hostile_shop: dict[str, str],
    make_staff: Callable[..., str],
) -> None:
    email = make_staff(shop)
    shown = []
    with TestClient(create_app(ctx)) as client:
        sign_in(client, ctx, email, shop)
        for method, path in route_list(client.app):  # type: ignore[arg-type]
            if method != "GET" or path.startswith(("/api/", "/static", "/docs", "/redoc")):
                continue
            if path.startswith(PUBLIC_PREFIXES) or path == "/openapi.json":
                continue
            page = client.get(fill(path, hostile_shop))
            if page.headers.get("content-type", "").startswith("application/json"):
                # A JSON download (the data-subject export) holds the text as typed; it is
                # never rendered as a page.
                assert page.headers["x-content-type-options"] == "nosniff", path
                continue
            assert XSS not in page.text, path
            if ESCAPED in page.text:
                shown.append(path)
    assert "/customers/{customer_id}" in shown


def test_the_api_returns_hostile_text_as_json_never_as_html(
    api: TestClient, hostile_shop: dict[str, str]
) -> None:
    for path in ("/api/v1/customers/C-XSS", "/api/v1/customers/C-XSS/export"):
        response = api.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ customer.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ '{0.__class__}'.format(customer) }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    ],
)
def test_the_template_sandbox_refuses_python_internals(source: str) -> None:
    from careloop.channels.templates import TemplateError, TemplateSource, render_source

    with pytest.raises(TemplateError):
        render_source(TemplateSource(text=source, html=source), {"customer": {"name": "Lan"}})


def test_html_templates_escape_what_a_customer_typed() -> None:
    from careloop.channels.templates import TemplateSource, render_source

    rendered = render_source(
        TemplateSource(text="Hi {{ customer.name }}", html="<p>Hi {{ customer.name }}</p>"),
        {"customer": {"name": XSS}},
    )

    assert XSS not in rendered.html
    assert ESCAPED in rendered.html.replace("&#34;", '"')


def test_every_signature_or_token_check_compares_in_constant_time() -> None:
    """A module that computes an HMAC to check something given must compare with
    hmac.compare_digest, and nothing compares a signature, digest or token with ==."""
    secret_name = r"(?:\w+_)?(?:sig|signature|digest|mac|hmac|token)"
    plain_compare = re.compile(
        rf"\b{secret_name}\b\s*[!=]=|[!=]=\s*{secret_name}\b|digest\(\)\s*[!=]=",
        re.IGNORECASE,
    )
    offenders = []
    for path in SRC.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for number, line in enumerate(source.splitlines(), 1):
            code = line.split("#", 1)[0]
            if plain_compare.search(code) and "compare_digest" not in code:
                offenders.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
        verifies = re.search(r"def \w*(valid|verify)\w*\(", source)
        if "hmac.new(" in source and verifies and "compare_digest" not in source:
            offenders.append(f"{path.relative_to(SRC)}: verifies an HMAC without compare_digest")
    assert not offenders, "\n".join(offenders)


def test_api_keys_and_passwords_are_stored_only_as_hashes(
    ctx: AppContext, shop: Shop, make_api_key: Callable[[Shop], str], make_staff: Callable[..., str]
) -> None:
    key = make_api_key(shop)
    make_staff(shop)
    with ctx.engine.connect() as conn:
        key_rows = [tuple(map(str, r)) for r in conn.execute(text("SELECT * FROM api_keys"))]
        users = conn.execute(text("SELECT * FROM staff_users")).mappings().all()

    assert key_rows and not any(key in cell for row in key_rows for cell in row)
    assert not any(key[8:24] in cell for row in key_rows for cell in row)
    assert users and all(str(u["password_hash"]).startswith("$argon2") for u in users)
    assert not any(TEST_PASSWORD in str(value) for u in users for value in u.values())
