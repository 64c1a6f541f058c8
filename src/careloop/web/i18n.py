"""The staff UI's strings in English and Vietnamese: a dict per key, looked up with `t`.

Pages add their own strings with `register_messages({...})` at import time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from careloop.core import events

LOCALES: Final = ("en", "vi")
DEFAULT_LOCALE: Final = "en"
LOCALE_NAMES: Final = {"en": "English", "vi": "Tiếng Việt"}

MESSAGES: dict[str, dict[str, str]] = {
    # layout
    "app.name": {"en": "Careloop", "vi": "Careloop"},
    "nav.home": {"en": "Overview", "vi": "Tổng quan"},
    "nav.customers": {"en": "Customers", "vi": "Khách hàng"},
    "nav.main": {"en": "Main navigation", "vi": "Điều hướng chính"},
    "nav.menu": {"en": "Menu", "vi": "Menu"},
    "header.shop": {"en": "Shop", "vi": "Cửa hàng"},
    "header.switch": {"en": "Switch", "vi": "Chuyển"},
    "header.language": {"en": "Language", "vi": "Ngôn ngữ"},
    "header.logout": {"en": "Log out", "vi": "Đăng xuất"},
    "header.signed_in_as": {"en": "Signed in as {name}", "vi": "Đăng nhập: {name}"},
    "role.owner": {"en": "Owner", "vi": "Chủ cửa hàng"},
    "role.agent": {"en": "Agent", "vi": "Nhân viên"},
    "role.viewer": {"en": "Viewer", "vi": "Chỉ xem"},
    # login
    "login.title": {"en": "Sign in", "vi": "Đăng nhập"},
    "login.subtitle": {
        "en": "After-sales care for your shop",
        "vi": "Chăm sóc khách hàng sau bán hàng",
    },
    "login.email": {"en": "Email", "vi": "Email"},
    "login.password": {"en": "Password", "vi": "Mật khẩu"},
    "login.submit": {"en": "Sign in", "vi": "Đăng nhập"},
    "login.failed": {"en": "Email or password is wrong.", "vi": "Email hoặc mật khẩu không đúng."},
    "login.rate_limited": {
        "en": "Too many failed attempts. Try again in {minutes} minutes.",
        "vi": "Quá nhiều lần thử sai. Vui lòng thử lại sau {minutes} phút.",
    },
    "login.no_shop": {
        "en": "Your account has no shop yet. Ask the shop owner to add you.",
        "vi": "Tài khoản của bạn chưa thuộc cửa hàng nào. Hãy nhờ chủ cửa hàng thêm bạn.",
    },
    "login.logged_out": {"en": "You are signed out.", "vi": "Bạn đã đăng xuất."},
    # home
    "home.title": {"en": "Overview", "vi": "Tổng quan"},
    "home.customers": {"en": "Customers", "vi": "Khách hàng"},
    "home.orders": {"en": "Orders", "vi": "Đơn hàng"},
    "home.revenue": {"en": "Revenue", "vi": "Doanh thu"},
    "home.recent": {"en": "Recent activity", "vi": "Hoạt động gần đây"},
    "home.empty": {
        "en": "No customers yet. Connect your store or import a CSV file of customers and "
        "orders on the Import page.",
        "vi": "Chưa có khách hàng. Kết nối cửa hàng hoặc nhập tệp CSV khách hàng và đơn hàng "
        "ở trang Nhập dữ liệu.",
    },
    "home.import_link": {"en": "Import a CSV file", "vi": "Nhập tệp CSV"},
    "home.connect_link": {"en": "Connect your store", "vi": "Kết nối cửa hàng"},
    "home.no_activity": {"en": "Nothing has happened yet.", "vi": "Chưa có hoạt động nào."},
    # customers list
    "customers.title": {"en": "Customers", "vi": "Khách hàng"},
    "customers.search": {"en": "Search customers", "vi": "Tìm khách hàng"},
    "customers.search_placeholder": {
        "en": "Name, email, phone or customer ID",
        "vi": "Tên, email, số điện thoại hoặc mã khách hàng",
    },
    "customers.search_button": {"en": "Search", "vi": "Tìm"},
    "customers.count": {"en": "{count} customers", "vi": "{count} khách hàng"},
    "customers.count_one": {"en": "1 customer", "vi": "1 khách hàng"},
    "customers.col.name": {"en": "Name", "vi": "Tên"},
    "customers.col.contact": {"en": "Contact", "vi": "Liên hệ"},
    "customers.col.orders": {"en": "Orders", "vi": "Đơn hàng"},
    "customers.col.spent": {"en": "Total spent", "vi": "Tổng chi tiêu"},
    "customers.col.last_order": {"en": "Last order", "vi": "Đơn gần nhất"},
    "customers.none": {
        "en": "No customers match “{query}”. Try part of the name, or the phone in any format.",
        "vi": "Không có khách hàng nào khớp “{query}”. "
        "Thử một phần tên, hoặc số điện thoại ở bất kỳ dạng nào.",
    },
    "customers.empty": {
        "en": "No customers yet. They appear here as soon as your shop sends orders "
        "or you import a CSV.",
        "vi": "Chưa có khách hàng. Khách hàng sẽ xuất hiện khi cửa hàng gửi đơn hàng "
        "hoặc khi bạn nhập tệp CSV.",
    },
    "pager.previous": {"en": "Previous", "vi": "Trước"},
    "pager.next": {"en": "Next", "vi": "Sau"},
    "pager.page": {"en": "Page {page} of {pages}", "vi": "Trang {page}/{pages}"},
    "common.unnamed": {"en": "(no name)", "vi": "(chưa có tên)"},
    "common.none": {"en": "—", "vi": "—"},
    "common.back": {"en": "Back", "vi": "Quay lại"},
    # customer page
    "customer.profile": {"en": "Profile", "vi": "Hồ sơ"},
    "customer.external_id": {"en": "Customer ID", "vi": "Mã khách hàng"},
    "customer.email": {"en": "Email", "vi": "Email"},
    "customer.phone": {"en": "Phone", "vi": "Điện thoại"},
    "customer.zalo": {"en": "Zalo user", "vi": "Người dùng Zalo"},
    "customer.birthday": {"en": "Birthday", "vi": "Sinh nhật"},
    "customer.locale": {"en": "Language", "vi": "Ngôn ngữ"},
    "customer.timezone": {"en": "Time zone", "vi": "Múi giờ"},
    "customer.preferred_channel": {"en": "Preferred channel", "vi": "Kênh ưu tiên"},
    "customer.tags": {"en": "Tags", "vi": "Nhãn"},
    "customer.referral_code": {"en": "Referral code", "vi": "Mã giới thiệu"},
    "customer.since": {"en": "Customer since", "vi": "Khách hàng từ"},
    "customer.erased": {
        "en": "Personal data erased on request on {date}.",
        "vi": "Dữ liệu cá nhân đã được xóa theo yêu cầu vào {date}.",
    },
    "customer.stats.orders": {"en": "Orders", "vi": "Đơn hàng"},
    "customer.stats.spent": {"en": "Total spent", "vi": "Tổng chi tiêu"},
    "customer.consents": {"en": "Marketing consent", "vi": "Đồng ý nhận tiếp thị"},
    "customer.consent.channel": {"en": "Channel", "vi": "Kênh"},
    "customer.consent.state": {"en": "State", "vi": "Trạng thái"},
    "customer.consent.changed": {"en": "Changed", "vi": "Thay đổi lúc"},
    "customer.consent.source": {"en": "Source", "vi": "Nguồn"},
    "customer.consent.none": {
        "en": "No consent recorded: only transactional messages are sent.",
        "vi": "Chưa ghi nhận đồng ý: chỉ gửi tin nhắn giao dịch.",
    },
    "consent.granted": {"en": "Granted", "vi": "Đồng ý"},
    "consent.denied": {"en": "Opted out", "vi": "Từ chối"},
    "consent.unknown": {"en": "Unknown", "vi": "Chưa rõ"},
    "customer.orders": {"en": "Orders", "vi": "Đơn hàng"},
    "customer.orders.none": {"en": "No orders yet.", "vi": "Chưa có đơn hàng."},
    "order.placed_at": {"en": "Placed", "vi": "Đặt lúc"},
    "order.total": {"en": "Total", "vi": "Tổng"},
    "order.discounts": {"en": "Discount codes", "vi": "Mã giảm giá"},
    "order.line.product": {"en": "Product", "vi": "Sản phẩm"},
    "order.line.quantity": {"en": "Qty", "vi": "SL"},
    "order.line.price": {"en": "Unit price", "vi": "Đơn giá"},
    "order.status.placed": {"en": "Placed", "vi": "Đã đặt"},
    "order.status.paid": {"en": "Paid", "vi": "Đã thanh toán"},
    "order.status.shipped": {"en": "Shipped", "vi": "Đang giao"},
    "order.status.delivered": {"en": "Delivered", "vi": "Đã giao"},
    "order.status.returned": {"en": "Returned", "vi": "Đã trả hàng"},
    "order.status.cancelled": {"en": "Cancelled", "vi": "Đã hủy"},
    "customer.timeline": {"en": "Timeline", "vi": "Dòng thời gian"},
    "customer.timeline.none": {"en": "Nothing on the timeline yet.", "vi": "Chưa có sự kiện nào."},
    "customer.timeline.more": {"en": "Load more", "vi": "Xem thêm"},
    "customer.timeline.source": {"en": "via {source}", "vi": "qua {source}"},
    "customer.note": {"en": "Add a note", "vi": "Thêm ghi chú"},
    "customer.note.placeholder": {
        "en": "What happened? (visible to staff only)",
        "vi": "Ghi chú nội bộ (chỉ nhân viên thấy)",
    },
    "customer.note.submit": {"en": "Add note", "vi": "Thêm ghi chú"},
    "customer.note.empty": {"en": "Write a note first.", "vi": "Hãy nhập ghi chú."},
    "customer.note.too_long": {
        "en": "A note is at most {max} characters.",
        "vi": "Ghi chú tối đa {max} ký tự.",
    },
    # errors
    "error.404.title": {"en": "Not found", "vi": "Không tìm thấy"},
    "error.404.body": {
        "en": "This page does not exist, or it belongs to another shop.",
        "vi": "Trang này không tồn tại hoặc thuộc về cửa hàng khác.",
    },
    "error.400.title": {"en": "Please check the form", "vi": "Vui lòng kiểm tra biểu mẫu"},
    "error.400.body": {
        "en": "Something sent with this request is missing or not valid:",
        "vi": "Một số thông tin gửi lên bị thiếu hoặc không hợp lệ:",
    },
    "error.403.title": {"en": "Not allowed", "vi": "Không được phép"},
    "error.403.body": {
        "en": "Your role in this shop does not allow this.",
        "vi": "Vai trò của bạn trong cửa hàng này không cho phép thao tác này.",
    },
    "error.generic.title": {"en": "Something went wrong", "vi": "Đã có lỗi xảy ra"},
    "error.home": {"en": "Go to the overview", "vi": "Về trang tổng quan"},
}


def register_messages(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add a page's strings; each key needs at least an English text."""
    for key, texts in messages.items():
        if DEFAULT_LOCALE not in texts:
            raise ValueError(f"message {key!r} has no {DEFAULT_LOCALE!r} text")
        MESSAGES[key] = dict(texts)


def normalise_locale(value: str | None) -> str:
    """One of LOCALES: 'vi-VN' -> 'vi'; anything unsupported -> English."""
    base = (value or "").split("-")[0].split("_")[0].lower()
    return base if base in LOCALES else DEFAULT_LOCALE


def t(key: str, locale: str, **params: object) -> str:
    """The text of `key` in `locale` (falling back to English, then to the key itself)."""
    texts = MESSAGES.get(key)
    if texts is None:
        return key
    text = texts.get(normalise_locale(locale)) or texts[DEFAULT_LOCALE]
    return text.format(**params) if params else text


# Vietnamese labels of timeline event types; English comes from careloop.core.events.
EVENT_LABELS_VI: dict[str, str] = {
    "order.placed": "Đặt đơn hàng",
    "order.paid": "Đã thanh toán",
    "order.shipped": "Đã gửi hàng",
    "order.delivered": "Đã giao hàng",
    "order.returned": "Trả hàng",
    "order.cancelled": "Hủy đơn hàng",
    "customer.created": "Trở thành khách hàng",
    "customer.updated": "Cập nhật hồ sơ",
    "consent.changed": "Thay đổi đồng ý nhận tin",
    "message.queued": "Tin nhắn chờ gửi",
    "message.sent": "Đã gửi tin nhắn",
    "message.delivered": "Tin nhắn đã đến",
    "message.opened": "Đã mở tin nhắn",
    "message.clicked": "Đã bấm liên kết",
    "message.failed": "Gửi tin nhắn thất bại",
    "message.suppressed": "Tin nhắn bị chặn gửi",
    "message.replied": "Khách trả lời tin nhắn",
    "message.deferred": "Tin nhắn được hoãn",
    "survey.answered": "Trả lời khảo sát",
    "review.posted": "Đăng đánh giá",
    "review.responded": "Đã trả lời đánh giá",
    "ticket.opened": "Mở yêu cầu hỗ trợ",
    "ticket.answered": "Đã trả lời yêu cầu",
    "ticket.resolved": "Đã giải quyết yêu cầu",
    "ticket.reopened": "Mở lại yêu cầu",
    "ticket.sla_breached": "Yêu cầu trễ hạn SLA",
    "points.earned": "Tích điểm",
    "points.redeemed": "Dùng điểm",
    "points.expired": "Điểm hết hạn",
    "points.expiring": "Điểm sắp hết hạn",
    "points.reversed": "Hoàn điểm",
    "points.adjusted": "Nhân viên điều chỉnh điểm",
    "coupon.issued": "Tặng mã giảm giá",
    "coupon.redeemed": "Dùng mã giảm giá",
    "reward.redeemed": "Đổi quà",
    "referral.recorded": "Giới thiệu bạn bè",
    "referral.held": "Giới thiệu chờ xem xét",
    "referral.converted": "Giới thiệu thành công",
    "referral.cancelled": "Hủy giới thiệu",
    "segment.entered": "Vào phân khúc",
    "segment.left": "Rời phân khúc",
    "tier.changed": "Đổi hạng thành viên",
    "loyalty.points_earned": "Tích điểm từ đơn hàng (báo cho khách)",
    "loyalty.tier_changed": "Đổi hạng thành viên (báo cho khách)",
    "loyalty.referral_rewarded": "Thưởng giới thiệu bạn bè (báo cho khách)",
    "loyalty.repeat_discount": "Tặng mã giảm giá cho đơn tiếp theo",
    "loyalty.reward_code": "Đổi điểm lấy mã trên trang thành viên",
    "note.added": "Thêm ghi chú",
}


def event_label(event_type: str, locale: str) -> str:
    """The human label of a timeline event type in the UI language."""
    if normalise_locale(locale) == "vi" and event_type in EVENT_LABELS_VI:
        return EVENT_LABELS_VI[event_type]
    return events.label(event_type)
