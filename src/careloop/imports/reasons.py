"""The import's problems in Vietnamese, for staff who read the app in Vietnamese.

The importers word each problem in English (the CLI, the logs and the API keep that wording);
this catalogue gives the Vietnamese of every reason the import's own parsers and checks write,
matched on their exact English shapes. A reason not in it (a rule from another module) is
shown as written.
"""

from __future__ import annotations

import re
from typing import Final

from careloop.core.error_text import not_found_text

_NOT_FOUND: Final = re.compile(r"(?P<what>[A-Za-z][\w ]*?) '(?P<key>[^']*)' not found\Z")

# (English shape, Vietnamese); named groups carry the values across unchanged.
_CATALOGUE: Final = tuple(
    (re.compile(pattern + r"\Z"), vi)
    for pattern, vi in (
        (r"required", "bắt buộc"),
        (r"no such date or time: (?P<v>.*)", "không có ngày hoặc giờ này: {v}"),
        (
            r"not a date or time: (?P<v>.*) \(e\.g\. .*\)",
            "không phải ngày hoặc giờ: {v} (ví dụ 01/10/2026 09:00 hoặc 2026-10-01T09:00:00+07:00)",
        ),
        (
            r"not a date: (?P<v>.*) \(e\.g\. .*\)",
            "không phải ngày: {v} (ví dụ 17/05/1990 hoặc 1990-05-17)",
        ),
        (r"not a number: (?P<v>.*)", "không phải số: {v}"),
        (r"must not be negative \(got (?P<v>.*)\)", "không được âm (đang là {v})"),
        (
            r"too many decimals for (?P<c>\w+) \(got (?P<v>.*)\)",
            "{c} không có phần lẻ như vậy (đang là {v})",
        ),
        (r"too large \(got (?P<v>.*)\)", "quá lớn (đang là {v})"),
        (r"not a whole number: (?P<v>.*)", "không phải số nguyên: {v}"),
        (r"must be at least 1 \(got (?P<v>.*)\)", "phải ít nhất là 1 (đang là {v})"),
        (r"must be at most (?P<m>\d+) \(got (?P<v>.*)\)", "tối đa {m} (đang là {v})"),
        (r"not an email address: (?P<v>.*)", "không phải địa chỉ email: {v}"),
        (r"not a phone number: (?P<v>.*)", "không phải số điện thoại: {v}"),
        (r"not a possible phone number: (?P<v>.*)", "không thể là số điện thoại: {v}"),
        (r"empty phone number", "số điện thoại trống"),
        (
            r"not yes/no: (?P<v>.*) \(use .*\)",
            "không phải có/không: {v} (ghi Có hoặc Không)",
        ),
        (
            r"not a 3-letter ISO 4217 currency code: (?P<v>.*)",
            "không phải mã tiền tệ 3 chữ theo ISO 4217: {v}",
        ),
        (
            r"unknown status (?P<v>.*) \(one of (?P<o>.*)\)",
            "trạng thái không hợp lệ {v} (một trong: {o})",
        ),
        (r"longer than (?P<n>\d+) characters", "dài hơn {n} ký tự"),
        (r"a code is longer than 64 characters", "có mã dài hơn 64 ký tự"),
        (r"(?P<v>.*) is before placed_at", "{v} trước thời điểm đặt hàng (placed_at)"),
        (r"(?P<v>.*) is already on line (?P<n>\d+)", "{v} đã có ở dòng {n}"),
        (
            # The first accepted header is the column's own name, the second its Vietnamese
            # name (imports/headers.py): Vietnamese staff read the column by the latter.
            r"required column (?P<c>\S+) is missing \(accepted headers: (?P<own>[^,;]*),"
            r" (?P<vi>[^,;]*)(?P<rest>[^;]*); the header has: (?P<h>.*)\)",
            "thiếu cột bắt buộc {vi} ({c}) (tên cột được nhận: {own}, {vi}{rest};"
            " dòng tiêu đề có: {h})",
        ),
        (
            r"required column (?P<c>\S+) is missing \(accepted headers: (?P<a>[^;]*);"
            r" the header has: (?P<h>.*)\)",
            "thiếu cột bắt buộc {c} (tên cột được nhận: {a}; dòng tiêu đề có: {h})",
        ),
        (
            r"required column is missing \(the header has: (?P<h>.*)\)",
            "thiếu cột bắt buộc (dòng tiêu đề có: {h})",
        ),
        (
            r"column appears twice \(columns (?P<a>\d+) and (?P<b>\d+):"
            r' (?P<x>".*") and (?P<y>".*")\)',
            "cột bị lặp (cột {a} và cột {b}: {x} và {y})",
        ),
        (
            r"column appears twice \(columns (?P<a>\d+) and (?P<b>\d+)\)",
            "cột bị lặp (cột {a} và cột {b})",
        ),
        (r"is empty; expected a header row", "trống; cần có dòng tiêu đề"),
        (
            r"is not UTF-8 text \(save the CSV as UTF-8\)",
            'không phải văn bản UTF-8 (hãy lưu CSV dạng UTF-8, trong Excel: "CSV UTF-8")',
        ),
        (r"is not valid CSV: (?P<v>.*)", "không phải CSV hợp lệ: {v}"),
        (r"(?P<n>\d+) more problem\(s\) not listed", "còn {n} lỗi khác không liệt kê"),
        (r"changed while it was being imported", "đã thay đổi trong lúc đang nhập"),
        (r"another line of this order is wrong", "một dòng khác của đơn hàng này bị sai"),
    )
)


def reason_in(reason: str, locale: str) -> str:
    """`reason` in `locale` ("vi" or "en"); unknown reasons are returned unchanged."""
    if not locale.lower().startswith("vi"):
        return reason
    missing = _NOT_FOUND.match(reason)
    if missing is not None:  # core.errors.NotFound's English: "customer 'C-1' not found"
        return not_found_text(missing["what"], missing["key"], locale)
    for pattern, vi in _CATALOGUE:
        match = pattern.match(reason)
        if match is not None:
            return vi.format(**match.groupdict())
    return reason
