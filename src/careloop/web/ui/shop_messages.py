"""The shop settings' "how messages speak" form: the short name SMS use (`sms_name`, at
most 11 characters, GSM-7 letters suggested from the shop's name), how customers are
addressed (`salutation`: a neutral "bạn", or anh/chị by the customer's recorded gender)
and the number customers reply TC/STOP to (`sms_reply_number`, named in marketing SMS as
Decree 91/2020/NĐ-CP asks)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from careloop.channels.render_context import SALUTATIONS, SMS_NAME_MAX
from careloop.channels.sms_text import is_gsm7, sms_name_suggestion
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import t
from careloop.web.ui.deps import OwnerStaff
from careloop.web.ui.settings import _audit, _done, _page, _shop_context

router = APIRouter()
# A mobile number or a brand's short code (e.g. 8077): digits, spaces, a leading +.
REPLY_NUMBER = re.compile(r"\+?[0-9][0-9 ]{2,18}")


def check_speech(
    sms_name: str, salutation: str, reply_number: str, locale: str
) -> tuple[dict[str, str], dict[str, str]]:
    """(errors by field in `locale`, the values to store)."""
    errors: dict[str, str] = {}
    name = sms_name.strip()
    if len(name) > SMS_NAME_MAX:
        errors["sms_name"] = t("speak.error.sms_name_long", locale, max=SMS_NAME_MAX)
    elif name and not is_gsm7(name):
        errors["sms_name"] = t("speak.error.sms_name_gsm", locale)
    if salutation not in SALUTATIONS:
        errors["salutation"] = t("speak.error.salutation", locale)
    number = " ".join(reply_number.split())
    if number and not REPLY_NUMBER.fullmatch(number):
        errors["sms_reply_number"] = t("speak.error.phone", locale, value=number)
    return errors, {"sms_name": name, "salutation": salutation, "sms_reply_number": number}


def suggested_sms_name(shop_name: str) -> str:
    return sms_name_suggestion(shop_name, SMS_NAME_MAX)


@router.post("/settings/messages")
def save_speech(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    sms_name: Annotated[str, Form()] = "",
    salutation: Annotated[str, Form()] = "neutral",
    sms_reply_number: Annotated[str, Form()] = "",
) -> Response:
    shop = staff.shop
    errors, values = check_speech(sms_name, salutation, sms_reply_number, staff.locale)
    if errors:
        form = {
            "name": shop.name,
            "timezone": shop.timezone,
            "currency": shop.currency,
            "locale": shop.locale,
            "business_model": shop.business_model,
            **{key: value.strip() for key, value in values.items()},
        }
        return _page(request, staff, "shop", _shop_context(staff), errors, form)
    settings = dict(shop.settings or {})
    changed = {k: [settings.get(k), v] for k, v in values.items() if settings.get(k) != v}
    settings.update(values)
    shop.settings = settings
    _audit(request, session, ctx, staff, "shop.messages_changed", f"shop:{shop.slug}", changed)
    return _done("/settings")
