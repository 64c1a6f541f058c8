"""The settings pages' tabs and strings (English and Vietnamese)."""

from __future__ import annotations

from typing import Final

from careloop.web.i18n import register_messages

# (tab key, path, minimum role to see it)
TABS: Final = (
    ("shop", "/settings", "viewer"),
    ("channels", "/settings/channels", "viewer"),
    ("policy", "/settings/policy", "viewer"),
    ("support", "/settings/support", "viewer"),
    ("staff", "/settings/staff", "owner"),
    ("keys", "/settings/api-keys", "owner"),
    ("connectors", "/settings/connectors", "viewer"),
)

register_messages(
    {
        "settings.title": {"en": "Settings", "vi": "Cài đặt"},
        "settings.tab.shop": {"en": "Shop", "vi": "Cửa hàng"},
        "settings.tab.channels": {"en": "Channels", "vi": "Kênh gửi"},
        "settings.tab.policy": {"en": "Contact policy", "vi": "Chính sách liên hệ"},
        "settings.tab.support": {"en": "SLA & hours", "vi": "SLA & giờ làm việc"},
        "settings.tab.staff": {"en": "Staff", "vi": "Nhân viên"},
        "settings.tab.keys": {"en": "API keys", "vi": "Khóa API"},
        "settings.tab.connectors": {"en": "Connectors", "vi": "Kết nối"},
        "settings.saved": {"en": "Saved.", "vi": "Đã lưu."},
        "settings.save": {"en": "Save", "vi": "Lưu"},
        "settings.owner_only": {
            "en": "Only the owner can change these settings.",
            "vi": "Chỉ chủ cửa hàng mới thay đổi được các cài đặt này.",
        },
        "settings.name": {"en": "Name", "vi": "Tên"},
        "settings.timezone": {"en": "Time zone", "vi": "Múi giờ"},
        "settings.currency": {"en": "Currency", "vi": "Tiền tệ"},
        "settings.locale": {"en": "Language for customers", "vi": "Ngôn ngữ với khách hàng"},
        "settings.business_model": {"en": "Business model", "vi": "Mô hình kinh doanh"},
        "settings.channel": {"en": "Channel", "vi": "Kênh"},
        "settings.provider": {"en": "Provider", "vi": "Nhà cung cấp"},
        "settings.field": {"en": "Setting", "vi": "Thiết lập"},
        "settings.value": {"en": "Value", "vi": "Giá trị"},
        "settings.values": {
            "en": "Settings, one name=value per line",
            "vi": "Thiết lập, mỗi dòng một tên=giá trị",
        },
        "settings.not_configured": {"en": "Not set up", "vi": "Chưa cài đặt"},
        "settings.set_field": {"en": "Set a channel setting", "vi": "Đặt thiết lập kênh"},
        "settings.test": {"en": "Send a test message", "vi": "Gửi tin nhắn thử"},
        "settings.address": {"en": "Email address or phone", "vi": "Email hoặc số điện thoại"},
        "settings.send": {"en": "Send", "vi": "Gửi"},
        "settings.customer_links": {
            "en": "Where links in customer messages go",
            "vi": "Nơi các liên kết trong tin nhắn gửi khách dẫn tới",
        },
        "settings.store_url": {"en": "Store URL", "vi": "Địa chỉ cửa hàng (URL)"},
        "settings.review_google": {
            "en": "Google review page",
            "vi": "Trang đánh giá Google",
        },
        "settings.review_facebook": {
            "en": "Facebook review page",
            "vi": "Trang đánh giá Facebook",
        },
        "settings.review_shopee": {"en": "Shopee shop page", "vi": "Trang shop Shopee"},
        "settings.review_own_site": {
            "en": "Review page on your own site",
            "vi": "Trang đánh giá trên website của bạn",
        },
        "settings.send_test": {"en": "Send a test", "vi": "Gửi thử"},
        "settings.channels_intro": {
            "en": "Set up each way of reaching customers with its provider's details, then "
            "send a test to see what the provider answers.",
            "vi": "Cài đặt từng kênh liên lạc với khách bằng thông tin của nhà cung cấp, rồi "
            "gửi thử để xem nhà cung cấp trả lời gì.",
        },
        "settings.channel_on": {"en": "In use", "vi": "Đang dùng"},
        "settings.channel_other": {
            "en": "This channel uses {provider}",
            "vi": "Kênh này đang dùng {provider}",
        },
        "settings.secret_set": {
            "en": "set (leave blank to keep)",
            "vi": "đã đặt (để trống để giữ nguyên)",
        },
        "settings.secret_not_set": {"en": "not set", "vi": "chưa đặt"},
        "settings.advanced": {"en": "Advanced", "vi": "Nâng cao"},
        "settings.zns_templates": {
            "en": "Approved ZNS template id per message",
            "vi": "Mã mẫu ZNS đã duyệt cho từng tin",
        },
        "settings.secret_is_set": {"en": "set", "vi": "đã đặt"},
        "settings.pending_invitations": {"en": "Invitations sent", "vi": "Lời mời đã gửi"},
        "settings.invitation_pending": {"en": "waiting", "vi": "đang chờ"},
        "settings.withdraw": {"en": "Withdraw", "vi": "Rút lại"},
        "settings.invite_explain": {
            "en": "A person who already has a Careloop account gets an invitation to accept "
            "(the password here is then not used); anyone else gets a new account with it.",
            "vi": "Người đã có tài khoản Careloop sẽ nhận lời mời để chấp nhận (khi đó mật khẩu "
            "ở đây không được dùng); người khác được tạo tài khoản mới với mật khẩu này.",
        },
        "settings.max_per_window": {
            "en": "Marketing messages per window",
            "vi": "Số tin tiếp thị mỗi chu kỳ",
        },
        "settings.window_days": {"en": "Window (days)", "vi": "Chu kỳ (ngày)"},
        "settings.max_per_day": {"en": "Messages per day", "vi": "Số tin mỗi ngày"},
        "settings.quiet_start": {"en": "Quiet hours from", "vi": "Giờ yên lặng từ"},
        "settings.quiet_end": {"en": "Quiet hours until", "vi": "Giờ yên lặng đến"},
        "settings.quiet_hint": {
            "en": "Leave both empty for no quiet hours.",
            "vi": "Để trống cả hai nếu không có giờ yên lặng.",
        },
        "settings.channel_order": {"en": "Channel order", "vi": "Thứ tự kênh"},
        "settings.require_opt_in": {
            "en": "Marketing only to customers who opted in",
            "vi": "Chỉ gửi tiếp thị cho khách đã đồng ý",
        },
        "settings.sla": {"en": "SLA policies", "vi": "Chính sách SLA"},
        "settings.sla_name": {"en": "Policy name", "vi": "Tên chính sách"},
        "settings.first_response": {"en": "First response (min)", "vi": "Phản hồi đầu (phút)"},
        "settings.next_response": {"en": "Next response (min)", "vi": "Phản hồi tiếp (phút)"},
        "settings.resolution": {"en": "Resolution (min)", "vi": "Giải quyết (phút)"},
        "settings.priorities": {
            "en": "Priorities (comma-separated)",
            "vi": "Mức ưu tiên (cách nhau bởi dấu phẩy)",
        },
        "settings.applies_to": {"en": "Applies to", "vi": "Áp dụng cho"},
        "settings.business_hours": {
            "en": "Count business hours only",
            "vi": "Chỉ tính giờ làm việc",
        },
        "settings.hours": {"en": "Business hours", "vi": "Giờ làm việc"},
        "settings.hours_hint": {
            "en": "Per day, e.g. 08:00-12:00, 13:00-17:30; empty = closed.",
            "vi": "Mỗi ngày, ví dụ 08:00-12:00, 13:00-17:30; để trống = nghỉ.",
        },
        "settings.days_off": {"en": "Shop days off", "vi": "Ngày nghỉ riêng của cửa hàng"},
        "settings.days_off_hint": {
            "en": "Days the shop is closed besides public holidays (Tết, Hùng Kings' day and the "
            "others are already counted), one per line as dd/mm/yyyy, e.g. 20/01/2031. SLA "
            "deadlines in business hours skip them.",
            "vi": "Những ngày cửa hàng nghỉ ngoài các ngày lễ (Tết, Giỗ Tổ Hùng Vương và các ngày "
            "lễ khác đã được tính sẵn), mỗi dòng một ngày dạng dd/mm/yyyy, ví dụ 20/01/2031. Hạn "
            "SLA tính theo giờ làm việc sẽ bỏ qua những ngày này.",
        },
        "settings.days_off_invalid": {
            "en": "Not a date as dd/mm/yyyy: {value}",
            "vi": "Không phải ngày dạng dd/mm/yyyy: {value}",
        },
        "settings.day.mon": {"en": "Monday", "vi": "Thứ Hai"},
        "settings.day.tue": {"en": "Tuesday", "vi": "Thứ Ba"},
        "settings.day.wed": {"en": "Wednesday", "vi": "Thứ Tư"},
        "settings.day.thu": {"en": "Thursday", "vi": "Thứ Năm"},
        "settings.day.fri": {"en": "Friday", "vi": "Thứ Sáu"},
        "settings.day.sat": {"en": "Saturday", "vi": "Thứ Bảy"},
        "settings.day.sun": {"en": "Sunday", "vi": "Chủ Nhật"},
        "settings.email": {"en": "Email", "vi": "Email"},
        "settings.password": {"en": "Password", "vi": "Mật khẩu"},
        "settings.role": {"en": "Role", "vi": "Vai trò"},
        "settings.invite": {"en": "Add a staff member", "vi": "Thêm nhân viên"},
        "settings.change": {"en": "Change", "vi": "Đổi"},
        "settings.remove": {"en": "Remove", "vi": "Gỡ"},
        "settings.confirm_remove": {
            "en": "Remove this person from the shop?",
            "vi": "Gỡ người này khỏi cửa hàng?",
        },
        "settings.key_name": {"en": "Key name", "vi": "Tên khóa"},
        "settings.create_key": {"en": "Create key", "vi": "Tạo khóa"},
        "settings.new_key": {
            "en": "Copy this key now; it will not be shown again:",
            "vi": "Hãy sao chép khóa này ngay; nó sẽ không hiện lại:",
        },
        "settings.created": {"en": "Created", "vi": "Tạo lúc"},
        "settings.last_used": {"en": "Last used", "vi": "Dùng lần cuối"},
        "settings.revoke": {"en": "Revoke", "vi": "Thu hồi"},
        "settings.revoked": {"en": "Revoked", "vi": "Đã thu hồi"},
        "settings.confirm_revoke": {
            "en": "Revoke this key? Integrations using it stop working.",
            "vi": "Thu hồi khóa này? Các tích hợp đang dùng sẽ ngừng hoạt động.",
        },
        "settings.no_keys": {
            "en": "No API keys yet. Create one to connect your shop platform.",
            "vi": "Chưa có khóa API. Tạo một khóa để kết nối nền tảng bán hàng.",
        },
    }
)
