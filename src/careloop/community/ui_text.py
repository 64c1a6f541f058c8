"""The community pages' strings in English and Vietnamese (keys `community.*`), and the
Vietnamese labels of the community's timeline events."""

from __future__ import annotations

from careloop.community.reasons import PREFIX, REASONS
from careloop.core import events
from careloop.web.i18n import EVENT_LABELS_VI, register_messages

MESSAGES: dict[str, dict[str, str]] = {
    "community.campaigns": {
        "en": "Campaigns",
        "vi": "Chiến dịch",
    },
    "community.campaigns_intro": {
        "en": "Send to a segment or a list, through the same contact policy as journeys.",
        "vi": "Gửi tới một phân khúc hoặc danh sách, "
        "theo cùng chính sách liên hệ như các hành trình.",
    },
    "community.no_campaigns": {
        "en": "No campaign yet.",
        "vi": "Chưa có chiến dịch nào.",
    },
    "community.name": {
        "en": "Name",
        "vi": "Tên",
    },
    "community.purpose": {
        "en": "Purpose",
        "vi": "Mục đích",
    },
    "community.purpose_value": {
        "en": "Value (tips, stories, invitations)",
        "vi": "Giá trị (mẹo, câu chuyện, lời mời)",
    },
    "community.purpose_promotion": {
        "en": "Promotion (offers)",
        "vi": "Khuyến mãi (ưu đãi)",
    },
    "community.kind": {
        "en": "Kind",
        "vi": "Loại",
    },
    "community.kind_marketing": {
        "en": "Marketing",
        "vi": "Tiếp thị",
    },
    "community.kind_service": {
        "en": "Service",
        "vi": "Chăm sóc",
    },
    "community.status": {
        "en": "Status",
        "vi": "Trạng thái",
    },
    "community.status_draft": {
        "en": "Draft",
        "vi": "Nháp",
    },
    "community.status_scheduled": {
        "en": "Scheduled",
        "vi": "Đã lên lịch",
    },
    "community.status_sending": {
        "en": "Sending",
        "vi": "Đang gửi",
    },
    "community.status_sent": {
        "en": "Handed to channels",
        "vi": "Đã chuyển đi gửi",
    },
    "community.failed_note": {
        "en": "{n} messages failed: nobody received them.",
        "vi": "{n} tin gửi lỗi: khách không nhận được.",
    },
    "community.channels_not_ready": {
        "en": "Not set up yet: {channels}. Messages on it would fail.",
        "vi": "Chưa thiết lập: {channels}. Tin gửi qua kênh này sẽ lỗi.",
    },
    "community.fix_channels": {
        "en": "Set up channels",
        "vi": "Thiết lập kênh",
    },
    "community.send_anyway": {
        "en": "Send anyway (those messages will fail)",
        "vi": "Vẫn gửi (các tin đó sẽ lỗi)",
    },
    "community.see_failed": {
        "en": "See why and fix it",
        "vi": "Xem lý do và cách khắc phục",
    },
    "community.status_cancelled": {
        "en": "Cancelled",
        "vi": "Đã hủy",
    },
    "community.status_open": {
        "en": "Open",
        "vi": "Đang mở",
    },
    "community.status_pending": {
        "en": "Pending",
        "vi": "Chờ gửi",
    },
    "community.status_deferred": {
        "en": "Deferred",
        "vi": "Hoãn lại",
    },
    "community.status_suppressed": {
        "en": "Not sent",
        "vi": "Không gửi",
    },
    "community.send_at": {
        "en": "Send at",
        "vi": "Gửi lúc",
    },
    "community.subject": {
        "en": "Subject",
        "vi": "Tiêu đề",
    },
    "community.message": {
        "en": "Message",
        "vi": "Nội dung",
    },
    "community.audience": {
        "en": "Audience (tick what you want; a customer must match every kind ticked)",
        "vi": "Đối tượng (tích chọn; khách phải khớp mọi loại đã chọn)",
    },
    "community.audience_is": {
        "en": "Audience: {audience}",
        "vi": "Đối tượng: {audience}",
    },
    "community.segments": {
        "en": "RFM segments",
        "vi": "Phân khúc RFM",
    },
    "community.tiers": {
        "en": "Tiers",
        "vi": "Hạng thành viên",
    },
    "community.tags": {
        "en": "Tags",
        "vi": "Thẻ",
    },
    "community.skus": {
        "en": "Bought product (sku)",
        "vi": "Đã mua sản phẩm (SKU)",
    },
    "community.group_ids": {
        "en": "Community group ids",
        "vi": "Mã nhóm cộng đồng",
    },
    "community.customer_ids": {
        "en": "Customer ids",
        "vi": "Mã khách hàng",
    },
    "community.sms_unaccented": {
        "en": "Send the SMS without accents (GSM-7: 160 characters a part, about half the price)",
        "vi": "Gửi SMS không dấu (GSM-7: 160 ký tự mỗi tin, giá khoảng một nửa)",
    },
    "community.sms_counter": {
        "en": "SMS (before variables are filled): {encoding} · {units} characters · {parts} SMS",
        "vi": "SMS (trước khi điền biến): {encoding} · {units} ký tự · {parts} tin",
    },
    "community.everyone": {
        "en": "All customers",
        "vi": "Tất cả khách hàng",
    },
    "community.create_preview": {
        "en": "Create and preview",
        "vi": "Tạo và xem trước",
    },
    "community.new_campaign": {
        "en": "New campaign",
        "vi": "Chiến dịch mới",
    },
    "community.edit_campaign": {
        "en": "Edit campaign",
        "vi": "Sửa chiến dịch",
    },
    "community.preview": {
        "en": "Preview",
        "vi": "Xem trước",
    },
    "community.in_audience": {
        "en": "In the audience",
        "vi": "Trong nhóm đối tượng",
    },
    "community.will_receive": {
        "en": "Will receive",
        "vi": "Sẽ nhận",
    },
    "community.deferred": {
        "en": "Deferred",
        "vi": "Hoãn lại",
    },
    "community.suppressed": {
        "en": "Suppressed",
        "vi": "Không gửi",
    },
    "community.deferred_rule": {
        "en": "deferred · {rule}: {n}",
        "vi": "hoãn · {rule}: {n}",
    },
    "community.suppressed_rule": {
        "en": "suppressed · {rule}: {n}",
        "vi": "không gửi · {rule}: {n}",
    },
    "community.on_channel": {
        "en": "on {channel}: {n}",
        "vi": "qua {channel}: {n}",
    },
    "community.send_at_empty": {
        "en": "Send at (empty: now)",
        "vi": "Gửi lúc (để trống: gửi ngay)",
    },
    "community.send": {
        "en": "Send",
        "vi": "Gửi",
    },
    "community.progress": {
        "en": "Progress",
        "vi": "Tiến độ",
    },
    "community.save": {
        "en": "Save changes",
        "vi": "Lưu thay đổi",
    },
    "community.cancel_campaign": {
        "en": "Cancel campaign",
        "vi": "Hủy chiến dịch",
    },
    "community.confirm_cancel_campaign": {
        "en": "Cancel this campaign? Nobody will receive it.",
        "vi": "Hủy chiến dịch này? Sẽ không ai nhận được tin.",
    },
    "community.fix_errors": {
        "en": "Some fields need a look: see the notes next to them.",
        "vi": "Một số trường cần sửa: xem ghi chú bên cạnh.",
    },
    "community.events": {
        "en": "Events and workshops",
        "vi": "Sự kiện và workshop",
    },
    "community.events_intro": {
        "en": "No direct selling: share what you know.",
        "vi": "Không bán hàng trực tiếp: hãy chia sẻ điều bạn biết.",
    },
    "community.no_events": {
        "en": "No event yet.",
        "vi": "Chưa có sự kiện nào.",
    },
    "community.seats": {
        "en": "{n} seats",
        "vi": "{n} chỗ",
    },
    "community.new_event": {
        "en": "New event",
        "vi": "Sự kiện mới",
    },
    "community.edit_event": {
        "en": "Edit event",
        "vi": "Sửa sự kiện",
    },
    "community.title": {
        "en": "Title",
        "vi": "Tiêu đề",
    },
    "community.starts_at": {
        "en": "Starts at",
        "vi": "Bắt đầu lúc",
    },
    "community.duration": {
        "en": "Duration (minutes)",
        "vi": "Thời lượng (phút)",
    },
    "community.capacity": {
        "en": "Capacity",
        "vi": "Số chỗ",
    },
    "community.mode": {
        "en": "Where",
        "vi": "Hình thức",
    },
    "community.in_shop": {
        "en": "In the shop",
        "vi": "Tại cửa hàng",
    },
    "community.online": {
        "en": "Online",
        "vi": "Trực tuyến",
    },
    "community.language": {
        "en": "Language",
        "vi": "Ngôn ngữ",
    },
    "community.location": {
        "en": "Location or link",
        "vi": "Địa điểm hoặc đường link",
    },
    "community.description": {
        "en": "Description",
        "vi": "Mô tả",
    },
    "community.invite_segments": {
        "en": "Invite segments",
        "vi": "Mời phân khúc",
    },
    "community.create": {
        "en": "Create",
        "vi": "Tạo",
    },
    "community.going_count": {
        "en": "{going}/{capacity} going",
        "vi": "{going}/{capacity} người tham gia",
    },
    "community.invite": {
        "en": "Invite {segments}",
        "vi": "Mời {segments}",
    },
    "community.invited_on": {
        "en": "invited {when}",
        "vi": "đã mời lúc {when}",
    },
    "community.going": {
        "en": "Going",
        "vi": "Tham gia",
    },
    "community.waitlist": {
        "en": "Waitlist",
        "vi": "Danh sách chờ",
    },
    "community.cancelled": {
        "en": "Cancelled",
        "vi": "Đã hủy",
    },
    "community.checked_in": {
        "en": "checked in",
        "vi": "đã check-in",
    },
    "community.check_in": {
        "en": "Check in",
        "vi": "Check-in",
    },
    "community.cancel_event": {
        "en": "Cancel event",
        "vi": "Hủy sự kiện",
    },
    "community.confirm_cancel_event": {
        "en": "Cancel this event? Everyone with a seat or on the waitlist will be told.",
        "vi": "Hủy sự kiện này? Mọi người đã giữ chỗ hoặc trong danh sách chờ sẽ được thông báo.",
    },
    "community.event_cancelled": {
        "en": "This event is cancelled; those who had booked were told.",
        "vi": "Sự kiện này đã bị hủy; những người đã đăng ký đã được thông báo.",
    },
    "community.nobody": {
        "en": "Nobody yet.",
        "vi": "Chưa có ai.",
    },
    "community.launches": {
        "en": "Early access",
        "vi": "Trải nghiệm sớm",
    },
    "community.launches_intro": {
        "en": "Your best customers try it first, before the public date.",
        "vi": "Khách hàng tốt nhất được dùng thử trước ngày mở bán.",
    },
    "community.no_launches": {
        "en": "No launch yet.",
        "vi": "Chưa có đợt ra mắt nào.",
    },
    "community.launch": {
        "en": "Launch",
        "vi": "Sản phẩm",
    },
    "community.early_from": {
        "en": "Early access from",
        "vi": "Trải nghiệm sớm từ",
    },
    "community.public_from": {
        "en": "Public from",
        "vi": "Mở bán từ",
    },
    "community.invited": {
        "en": "Invited",
        "vi": "Đã mời",
    },
    "community.opened": {
        "en": "Opened",
        "vi": "Đã mở",
    },
    "community.claimed": {
        "en": "Claimed",
        "vi": "Đã nhận",
    },
    "community.bought": {
        "en": "Bought",
        "vi": "Đã mua",
    },
    "community.sku": {
        "en": "Product sku",
        "vi": "Mã sản phẩm (SKU)",
    },
    "community.offer": {
        "en": "Offer",
        "vi": "Ưu đãi",
    },
    "community.offer_free": {
        "en": "Free, for feedback",
        "vi": "Miễn phí, đổi lấy góp ý",
    },
    "community.offer_percent": {
        "en": "Special price",
        "vi": "Giá đặc biệt",
    },
    "community.percent_off": {
        "en": "Percent off",
        "vi": "Giảm (%)",
    },
    "community.new_launch": {
        "en": "New launch",
        "vi": "Đợt ra mắt mới",
    },
    "community.edit_launch": {
        "en": "Edit launch",
        "vi": "Sửa đợt ra mắt",
    },
    "community.cancel_launch": {
        "en": "Cancel launch",
        "vi": "Hủy đợt ra mắt",
    },
    "community.confirm_cancel_launch": {
        "en": (
            "Cancel this launch? Invitations not sent yet are dropped and the private links "
            "stop offering it."
        ),
        "vi": "Hủy đợt ra mắt này? Lời mời chưa gửi sẽ bị bỏ và đường link riêng không còn ưu đãi.",
    },
    "community.launch_cancelled": {
        "en": "Cancelled on {when}",
        "vi": "Đã hủy lúc {when}",
    },
    "community.community": {
        "en": "Community",
        "vi": "Cộng đồng",
    },
    "community.community_intro": {
        "en": "A place where customers find their voice, not a promotional spam channel.",
        "vi": "Nơi khách hàng lên tiếng, không phải kênh spam khuyến mãi.",
    },
    "community.groups": {
        "en": "Groups",
        "vi": "Nhóm",
    },
    "community.members": {
        "en": "{n} members",
        "vi": "{n} thành viên",
    },
    "community.for_segments": {
        "en": "for {segments}",
        "vi": "dành cho {segments}",
    },
    "community.send_invite": {
        "en": "Send invite link",
        "vi": "Gửi link mời",
    },
    "community.no_groups": {
        "en": "No group yet.",
        "vi": "Chưa có nhóm nào.",
    },
    "community.platform": {
        "en": "Platform",
        "vi": "Nền tảng",
    },
    "community.invite_link": {
        "en": "Invite link",
        "vi": "Link mời",
    },
    "community.group_purpose": {
        "en": "Purpose",
        "vi": "Mục đích",
    },
    "community.group_purpose_hint": {
        "en": "VIP care, fast answers",
        "vi": "Chăm sóc VIP, trả lời nhanh",
    },
    "community.segments_for": {
        "en": "For segments",
        "vi": "Dành cho phân khúc",
    },
    "community.save_group": {
        "en": "Save group",
        "vi": "Lưu nhóm",
    },
    "community.ambassadors": {
        "en": "Diamond Members",
        "vi": "Thành viên Kim cương",
    },
    "community.score": {
        "en": "score {n}",
        "vi": "điểm {n}",
    },
    "community.code": {
        "en": "code",
        "vi": "mã",
    },
    "community.no_ambassadors": {
        "en": "No ambassador yet.",
        "vi": "Chưa có đại sứ nào.",
    },
    "community.apply_rule": {
        "en": "Apply the ambassador rule now",
        "vi": "Áp dụng quy tắc đại sứ ngay",
    },
    "community.rule_note": {
        "en": (
            "The rule runs by itself every night: referrals converted, reviews, events attended"
            " and shared posts."
        ),
        "vi": (
            "Quy tắc tự chạy mỗi đêm: giới thiệu thành công, đánh giá, sự kiện đã tham dự và "
            "bài chia sẻ."
        ),
    },
    "community.remove_member": {
        "en": "Remove",
        "vi": "Xóa",
    },
    "community.confirm_remove_member": {
        "en": "Remove this customer from the group?",
        "vi": "Xóa khách hàng này khỏi nhóm?",
    },
    "community.back_to_community": {
        "en": "← All groups and Diamond Members",
        "vi": "← Tất cả nhóm và Thành viên Kim cương",
    },
    "community.add_member": {
        "en": "Add a member",
        "vi": "Thêm thành viên",
    },
    "community.find_customer": {
        "en": "Find a customer",
        "vi": "Tìm khách hàng",
    },
    "community.find_customer_hint": {
        "en": "Name or phone",
        "vi": "Tên hoặc số điện thoại",
    },
    "community.add": {
        "en": "Add to the group",
        "vi": "Thêm vào nhóm",
    },
    "community.already_member": {
        "en": "Already a member",
        "vi": "Đã là thành viên",
    },
    "community.no_match": {
        "en": "No customer matches “{query}”.",
        "vi": "Không có khách hàng nào khớp “{query}”.",
    },
    "community.group_members": {
        "en": "Members",
        "vi": "Thành viên",
    },
    "community.joined_on": {
        "en": "joined {when}",
        "vi": "tham gia lúc {when}",
    },
    "community.source_staff": {
        "en": "marked by staff",
        "vi": "nhân viên đánh dấu",
    },
    "community.source_csv": {
        "en": "imported",
        "vi": "nhập từ tệp",
    },
    "community.source_api": {
        "en": "from the API",
        "vi": "qua API",
    },
    "community.source_demo": {
        "en": "demo",
        "vi": "dữ liệu mẫu",
    },
    "community.showing_members": {
        "en": "Showing the {shown} who joined last of {n}.",
        "vi": "Đang hiện {shown} người tham gia gần nhất trong {n}.",
    },
    "community.add_to_group": {
        "en": "Add to group",
        "vi": "Thêm vào nhóm",
    },
    "community.group": {
        "en": "Group",
        "vi": "Nhóm",
    },
    "community.diamond": {
        "en": "Diamond Member",
        "vi": "Thành viên Kim cương",
    },
    "community.former_diamond": {
        "en": "Former Diamond Member",
        "vi": "Từng là Thành viên Kim cương",
    },
    "community.attended": {
        "en": "attended",
        "vi": "đã tham dự",
    },
    "community.rsvp_going": {
        "en": "going",
        "vi": "tham gia",
    },
    "community.rsvp_waitlist": {
        "en": "on the waitlist",
        "vi": "trong danh sách chờ",
    },
    "community.rsvp_cancelled": {
        "en": "cancelled",
        "vi": "đã hủy",
    },
    "community.no_activity": {
        "en": "No community activity yet.",
        "vi": "Chưa có hoạt động cộng đồng.",
    },
    "community.ugc_count": {
        "en": "{n} shared posts",
        "vi": "{n} bài chia sẻ",
    },
}

register_messages(MESSAGES)
# Why a service refused a form, in the page's language (community.reasons).
register_messages({PREFIX + code: texts for code, texts in REASONS.items()})

# Vietnamese labels of the community's timeline events (English ones are in core.events).
EVENT_LABELS_VI.update(
    {
        events.COMMUNITY_JOINED: "Tham gia nhóm cộng đồng",
        events.COMMUNITY_LEFT: "Rời nhóm cộng đồng",
        events.COMMUNITY_ACTIVITY: "Hoạt động trong nhóm cộng đồng",
        events.UGC_RECORDED: "Chia sẻ ảnh hoặc câu chuyện",
        events.AMBASSADOR_NAMED: "Trở thành Thành viên Kim cương",
        events.AMBASSADOR_REMOVED: "Không còn là Thành viên Kim cương",
        events.EVENT_REGISTERED: "Đăng ký sự kiện",
        events.EVENT_WAITLISTED: "Vào danh sách chờ sự kiện",
        events.EVENT_PROMOTED: "Có chỗ từ danh sách chờ",
        events.EVENT_RSVP_CANCELLED: "Hủy chỗ sự kiện",
        events.EVENT_ATTENDED: "Tham dự sự kiện",
        events.EVENT_CANCELLED: "Sự kiện đã đăng ký bị hủy",
        events.EARLY_ACCESS_INVITED: "Được mời trải nghiệm sớm",
        events.EARLY_ACCESS_OPENED: "Mở lời mời trải nghiệm sớm",
        events.EARLY_ACCESS_CLAIMED: "Nhận quyền trải nghiệm sớm",
        events.EARLY_ACCESS_BOUGHT: "Mua sản phẩm ra mắt",
    }
)
