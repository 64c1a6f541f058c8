"""Segment names, descriptions and care strategies in the staff message catalogue (en + vi).

English is the segment map's own text (care.py, quoting the seeds); Vietnamese is its
translation here. Pages show `_("segment.<key>.label")`, `.description` and `.strategy`."""

from __future__ import annotations

from typing import Final

from careloop.segments.care import SEGMENTS

# key: (label, description, strategy) in Vietnamese.
VI: Final[dict[str, tuple[str, str, str]]] = {
    "champions": (
        "Khách hàng VIP",
        "Mua gần đây, mua rất thường xuyên và chi tiêu nhiều nhất.",
        "Dành đặc quyền VIP cao nhất: trải nghiệm phục vụ 1-1, mời vào câu lạc bộ riêng để "
        "dùng thử sản phẩm mới trước khi ra mắt, và tặng quà thủ công cá nhân hóa theo sở "
        "thích riêng của họ.",
    ),
    "loyal": (
        "Khách hàng trung thành",
        "Khách quen, chi tiêu đều đặn nhưng khoảng cách giữa các đơn hơi dài hơn.",
        "Gửi quà tri ân bất ngờ không cần dịp đặc biệt (Surprise & Delight). Gửi thiệp cảm ơn "
        "viết tay vì đã đồng hành, kèm khảo sát lấy ý kiến về sản phẩm mới.",
    ),
    "potential_loyalist": (
        "Khách hàng tiềm năng trung thành",
        "Khách gần đây, đã mua vài lần: còn một trải nghiệm tốt nữa là trở nên trung thành.",
        "Giữ chân lâu dài: mời tham gia chương trình khách hàng thân thiết (ngày 60-90) và, khi "
        "phù hợp, gợi ý mua thêm hoặc mua kèm để tăng tần suất mua (ngày 30-60); thưởng cho các "
        'lần mua tiếp theo (lần 2 giảm 10%, lần 3 giảm 15%, lần 4 giảm 20% để "khóa" lòng trung '
        "thành).",
    ),
    "new": (
        "Khách hàng mới",
        "Vừa mua lần đầu rất gần đây.",
        "Giờ vàng 0-3-7: cảm ơn và xác nhận trong 5 phút (mốc 0); hướng dẫn sử dụng và mẹo bảo "
        "quản vào ngày 3; ngày 7 xin ý kiến bằng khảo sát ngắn kèm mã giảm 10% cho lần mua sau. "
        "Xin đánh giá vào ngày 14-30, và hỏi kênh liên lạc họ thích ngay từ đơn đầu tiên.",
    ),
    "promising": (
        "Khách hàng triển vọng",
        "Khách mua lần đầu gần đây nhưng chưa quay lại.",
        "Trao giá trị giữa các lần đề nghị: mẹo để dùng tốt hơn sản phẩm đã mua và câu chuyện "
        "thành công (tuần 2-4), một lần hỏi thăm đề nghị hỗ trợ, rồi một mã tri ân phù hợp với "
        "sản phẩm họ đã mua kèm mẹo sử dụng hữu ích; không gửi tin hàng loạt chung chung.",
    ),
    "need_attention": (
        "Cần quan tâm",
        "Độ gần đây và tần suất trung bình: đang xa dần, chưa mất.",
        "Liên hệ theo ngữ cảnh: chỉ liên hệ khi có lý do thật sự có lợi cho họ, như nhắc bảo "
        "dưỡng định kỳ hoặc nâng cấp sản phẩm đang dùng, kèm mã tri ân phù hợp với những gì họ "
        "đã mua.",
    ),
    "about_to_sleep": (
        "Sắp ngủ quên",
        "Lâu chưa mua hơn mức trung bình và ít đơn: sắp rời đi.",
        'Chủ động nhắc mua lại ("sản phẩm của bạn sắp hết trong 2 tuần", đường dẫn đặt lại dễ '
        'dàng) và nội dung hữu ích về sản phẩm họ có; sau 60+ ngày không hoạt động: "Lâu rồi '
        'không gặp, tặng bạn 10% để quay lại". Tối đa 1-2 tin mỗi tháng.',
    ),
    "at_risk": (
        "Có nguy cơ rời bỏ",
        "Từng mua thường xuyên và chi tiêu tốt, nhưng đã lâu không quay lại.",
        'Chiến dịch kết nối lại được cá nhân hóa cao: "Chúng tôi nhớ bạn." Gửi nội dung hữu '
        "ích giải quyết vấn đề họ đang gặp, kèm một đặc quyền riêng có thời hạn để kích hoạt "
        "lại tài khoản.",
    ),
    "cant_lose": (
        "Không thể để mất",
        "Từng là khách tốt nhất (nhiều đơn nhất), nay đã im lặng từ lâu.",
        "Khách giá trị cao xứng đáng được đối xử đặc biệt: chủ cửa hàng gọi điện riêng để lắng "
        "nghe và hiểu điều gì chưa ổn, đưa giải pháp (hoàn tiền, đổi hàng, hỗ trợ) và theo dõi "
        'tiếp; sau đó là đặc quyền "Chúng tôi nhớ bạn" của nhóm Có nguy cơ rời bỏ. Không bao '
        "giờ gửi tin hàng loạt chung chung.",
    ),
    "hibernating": (
        "Ngủ đông",
        "Đơn cuối đã lâu, ít đơn, chi tiêu thấp.",
        'Một ưu đãi kết nối lại sau 60+ ngày không hoạt động ("Lâu rồi không gặp, tặng bạn 10% '
        'để quay lại"), sau đó tối đa 1-2 tin có giá trị mỗi tháng (80% nội dung hữu ích, 20% '
        "sản phẩm) với cách hủy nhận dễ dàng; đừng gửi dồn mã giảm giá.",
    ),
    "lost": (
        "Đã mất",
        "Độ gần đây và tần suất thấp nhất.",
        "Một lần cuối mời quay lại với ưu đãi; nếu không phản hồi, dừng tiếp thị và chỉ giữ tin "
        "nhắn dịch vụ: liên lạc quá nhiều khiến khách hàng phớt lờ.",
    ),
}


def segment_messages() -> dict[str, dict[str, str]]:
    """The catalogue entries for every segment: label, description and strategy, en + vi."""
    out: dict[str, dict[str, str]] = {}
    for key, seg in SEGMENTS.items():
        label, description, strategy = VI[key]
        out[f"segment.{key}.label"] = {"en": seg.label, "vi": label}
        out[f"segment.{key}.description"] = {"en": seg.description, "vi": description}
        out[f"segment.{key}.strategy"] = {"en": seg.care_strategy, "vi": strategy}
    return out
