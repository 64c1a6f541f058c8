"""Every shipped SMS starts from the shop's short SMS name (`shop.sms_name`), never the
full, accented shop name: one accent makes the whole SMS UCS-2, 70 instead of 160
characters a part (3GPP TS 23.038 section 6.2.1, TS 23.040 section 9.2.3.24.1; issue 17
item 3). A template marked `unaccented` must then travel as GSM-7."""

from __future__ import annotations

from typing import Any

import pytest

from careloop.channels.render_context import sample_context
from careloop.channels.service import preview
from careloop.channels.sms_text import is_gsm7
from careloop.channels.templates import (
    TemplateSource,
    file_spec,
    shipped_template_keys,
    unknown_names,
)
from careloop.context import AppContext
from careloop.shops.models import Shop

LONG_NAME = "Nhà Mộc Trà Quán Sài Gòn Chi Nhánh Quận Một"
SHORT_NAME = "NHA MOC"


class _Sample(dict[str, str]):
    """Plain GSM-7 sample text for any field of a template's own variables (event,
    ambassador, ...), which the caller passes when it sends."""

    def __missing__(self, key: str) -> str:
        return "Sample1"


def _own_variables(text: str, locale: str) -> dict[str, Any]:
    known = set(sample_context(locale))
    return {name: _Sample() for name in unknown_names(TemplateSource(text=text), known)}


def _sms_keys() -> list[str]:
    return [k for k in shipped_template_keys() if isinstance((file_spec(k) or {}).get("sms"), dict)]


@pytest.fixture
def accented_shop(ctx: AppContext) -> Shop:
    from careloop.shops.service import create_shop

    with ctx.sessions() as s, s.begin():
        shop = create_shop(session=s, clock=ctx.clock, slug="nha-moc-sg", name=LONG_NAME)
        shop.settings = {"sms_name": SHORT_NAME}
        return shop


def test_there_are_shipped_sms_templates_to_check() -> None:
    assert len(_sms_keys()) >= 30


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_shipped_sms_names_the_shop_by_its_short_sms_name(
    ctx: AppContext, accented_shop: Shop, locale: str
) -> None:
    wrong: list[str] = []
    with ctx.sessions() as s:
        shop = s.get_one(Shop, accented_shop.id)
        for key in _sms_keys():
            spec = file_spec(key) or {}
            if locale not in spec["sms"]:
                continue
            own = _own_variables(str(spec["sms"][locale].get("text", "")), locale)
            text = preview(
                session=s, shop=shop, template_key=key, channel="sms", locale=locale, context=own
            ).text
            if "shop." in str(spec["sms"][locale].get("text", "")) and SHORT_NAME not in text:
                wrong.append(f"{key}/{locale}: no short name in {text!r}")
            if "Mộc" in text or "Sài Gòn" in text:
                wrong.append(f"{key}/{locale}: the full shop name in {text!r}")
            if spec["sms"].get("unaccented") and not is_gsm7(text):
                wrong.append(f"{key}/{locale}: unaccented but not GSM-7: {text!r}")
    assert wrong == []


def test_no_shipped_sms_template_uses_the_full_shop_name() -> None:
    for key in _sms_keys():
        for locale, entry in (file_spec(key) or {})["sms"].items():
            if isinstance(entry, dict):
                assert "shop.name" not in str(entry.get("text", "")), f"{key}/{locale}"
