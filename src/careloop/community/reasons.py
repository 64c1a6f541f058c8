"""Why the community services refuse something, each reason with a stable code: the API and
CLI show the English text (as before), the staff pages show it in their own language.

A service raises `invalid(field, code, **params)` inside ValidationFailed, or
`Refused(code, **params)` (a Conflict). The texts are registered as messages
`community.reason.<code>` by ui_text, and the pages translate them (ui_forms.explain)."""

from __future__ import annotations

from dataclasses import dataclass

from careloop.channels.template_checks import TEXTS as TEMPLATE_TEXTS
from careloop.core.errors import Conflict, FieldError

PREFIX = "community.reason."

REASONS: dict[str, dict[str, str]] = {
    "choice": {
        "en": "use one of {options} (got {got})",
        "vi": "chọn một trong: {options} (nhận được {got})",
    },
    "choice_only": {"en": "use one of {options}", "vi": "chọn một trong: {options}"},
    "required": {"en": "is required", "vi": "là bắt buộc"},
    "not_datetime": {"en": "is not a date and time", "vi": "không phải ngày giờ hợp lệ"},
    "year_range": {
        "en": "must be between 2000 and 2100",
        "vi": "phải nằm trong khoảng năm 2000 đến 2100",
    },
    "whole_number": {"en": "a whole number", "vi": "phải là số nguyên"},
    "range": {"en": "must be {low}-{high}", "vi": "phải từ {low} đến {high}"},
    "range_max": {"en": "must be 1-{max}", "vi": "phải từ 1 đến {max}"},
    "range_got": {
        "en": "must be 1-{max} (got {got})",
        "vi": "phải từ 1 đến {max} (nhận được {got})",
    },
    "length": {"en": "needs 1-{max} characters", "vi": "cần từ 1 đến {max} ký tự"},
    "in_past": {"en": "is in the past", "vi": "đã ở trong quá khứ"},
    "future": {"en": "must be in the future", "vi": "phải là thời điểm trong tương lai"},
    "http_link": {"en": "must be an http(s) link", "vi": "phải là đường link http(s)"},
    # audiences
    "list": {"en": "must be a list", "vi": "phải là một danh sách"},
    "bad_value": {"en": "{value} is not a valid value", "vi": "{value} không phải giá trị hợp lệ"},
    "unknown_filter": {
        "en": "unknown filter (use {options})",
        "vi": "bộ lọc không xác định (dùng {options})",
    },
    "unknown_segment": {
        "en": "unknown segment {value} ({options})",
        "vi": "phân khúc không xác định {value} ({options})",
    },
    "group_id_number": {
        "en": "group id {value} is not a number",
        "vi": "mã nhóm {value} không phải là số",
    },
    "no_filter": {
        "en": "choose at least one filter (or all customers explicitly)",
        "vi": "hãy chọn ít nhất một bộ lọc (hoặc chọn rõ là tất cả khách hàng)",
    },
    # groups
    "group_name": {"en": "a group needs a name", "vi": "nhóm cần có tên"},
    "group_no_segments": {
        "en": "choose who the group is for first",
        "vi": "hãy chọn trước nhóm dành cho phân khúc nào",
    },
    "group_no_invite_link": {"en": "the group has no invite link", "vi": "nhóm chưa có link mời"},
    # campaigns
    "campaign_name": {"en": "a campaign needs a name", "vi": "chiến dịch cần có tên"},
    "campaign_frozen": {
        "en": "campaign {id} is already {status}; it cannot change",
        "vi": "chiến dịch {id} đã ở trạng thái “{status}”; không thể thay đổi",
    },
    "campaign_already": {
        "en": "campaign {id} is already {status}",
        "vi": "chiến dịch {id} đã ở trạng thái “{status}”",
    },
    "campaign_cannot_stop": {
        "en": "campaign {id} is already {status}; it cannot stop now",
        "vi": "chiến dịch {id} đã ở trạng thái “{status}”; không thể dừng lúc này",
    },
    # launches
    "launch_sku": {
        "en": "the launch needs the product's sku",
        "vi": "đợt ra mắt cần mã SKU của sản phẩm",
    },
    "launch_name": {"en": "the launch needs a name", "vi": "đợt ra mắt cần có tên"},
    "launch_percent": {
        "en": "a special price needs 1-100 percent off",
        "vi": "giá đặc biệt cần giảm từ 1 đến 100%",
    },
    "launch_public_after_early": {
        "en": "must be after the early-access start",
        "vi": "phải sau thời điểm bắt đầu trải nghiệm sớm",
    },
    "launch_segments": {
        "en": "unknown or missing segment(s): {bad}",
        "vi": "phân khúc không hợp lệ hoặc còn thiếu: {bad}",
    },
    "launch_cancelled": {"en": "launch {id} was cancelled", "vi": "đợt ra mắt {id} đã bị hủy"},
    "launch_public": {
        "en": "launch {id} is already public",
        "vi": "đợt ra mắt {id} đã mở bán công khai",
    },
    "launch_public_no_cancel": {
        "en": "launch {id} is already public; it cannot be cancelled",
        "vi": "đợt ra mắt {id} đã mở bán công khai; không thể hủy",
    },
    "launch_sku_frozen": {
        "en": "cannot change after the invitations went out",
        "vi": "không thể đổi sau khi lời mời đã được gửi",
    },
    "launch_early_open": {
        "en": "the early window has already opened",
        "vi": "thời gian trải nghiệm sớm đã bắt đầu",
    },
    "launch_invited": {
        "en": "the invitations have already gone out",
        "vi": "lời mời đã được gửi đi",
    },
    # events
    "event_title": {"en": "an event needs a title", "vi": "sự kiện cần có tiêu đề"},
    "event_frozen": {
        "en": "event {id} is {status} or has started; it cannot change",
        "vi": "sự kiện {id} đang ở trạng thái “{status}” hoặc đã bắt đầu; không thể thay đổi",
    },
    "event_seats_taken": {
        "en": "{n} people already have a seat; cancel some first",
        "vi": "đã có {n} người giữ chỗ; hãy hủy bớt trước",
    },
    "event_over": {
        "en": "event {id} is over; it cannot be cancelled",
        "vi": "sự kiện {id} đã kết thúc; không thể hủy",
    },
    "event_no_segments": {
        "en": "choose the segment(s) to invite",
        "vi": "hãy chọn phân khúc để mời",
    },
}


# Template checks (channels/template_checks.py) as campaign reasons: "template_<code>".
REASONS.update({f"template_{code}": texts for code, texts in TEMPLATE_TEXTS.items()})


@dataclass(frozen=True)
class CodedFieldError(FieldError):
    """A FieldError whose reason (in English) also has a code and its parameters."""

    code: str = ""
    params: tuple[tuple[str, str], ...] = ()


class Refused(Conflict):
    """A Conflict with a coded reason (e.g. a sent campaign cannot change)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = _texts(params)
        super().__init__(english(code, self.params))


def invalid(field: str, code: str, **params: object) -> FieldError:
    texts = _texts(params)
    return CodedFieldError(field, english(code, texts), code=code, params=tuple(texts.items()))


def _texts(params: dict[str, object]) -> dict[str, str]:
    return {key: str(value) for key, value in params.items()}


def english(code: str, params: dict[str, str]) -> str:
    return REASONS[code]["en"].format(**params)
