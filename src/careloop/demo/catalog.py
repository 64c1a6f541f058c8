"""The demo shop's catalogue: coffee and tea, cosmetics, small appliances, in VND.

Care cycles are what the product's journeys run on: `usage_days` drives replenishment
reminders for consumables, `warranty_days` and `maintenance_interval_days` drive
after-sales care for appliances.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

COFFEE_TEA: Final = "Cà phê & trà"
COSMETICS: Final = "Mỹ phẩm"
APPLIANCES: Final = "Gia dụng nhỏ"
CATEGORIES: Final = (COFFEE_TEA, COSMETICS, APPLIANCES)


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    category: str
    price_vnd: int
    # How often it sells relative to the others (a mid-priced coffee is 10).
    popularity: float
    care_guide: str
    usage_days: int | None = None
    warranty_days: int | None = None
    maintenance_interval_days: int | None = None
    # Bought as a Tết gift: sells several times more in the weeks before Tết.
    tet_gift: bool = False

    @property
    def consumable(self) -> bool:
        return self.usage_days is not None


PRODUCTS: Final[tuple[ProductSpec, ...]] = (
    ProductSpec(
        "MOC-CF-ROBUSTA-500",
        "Cà phê Robusta Buôn Ma Thuột rang mộc 500g",
        COFFEE_TEA,
        189_000,
        14,
        "Bảo quản nơi khô ráo, tránh ánh nắng. Sau khi mở, gấp kín miệng túi van một chiều; "
        "ngon nhất trong 3 tuần. Pha phin: 20-25g cà phê, nước 92-96°C.",
        usage_days=21,
    ),
    ProductSpec(
        "MOC-CF-ARABICA-250",
        "Cà phê Arabica Cầu Đất 250g",
        COFFEE_TEA,
        215_000,
        10,
        "Xay ngay trước khi pha để giữ hương. Bảo quản trong hũ kín, không để tủ lạnh. "
        "Hợp pha pour-over (1:15) hoặc phin giấy.",
        usage_days=14,
    ),
    ProductSpec(
        "MOC-CF-BLEND-1KG",
        "Cà phê pha phin Blend đặc biệt 1kg",
        COFFEE_TEA,
        320_000,
        9,
        "Chia nhỏ vào hũ kín, mỗi lần lấy đủ dùng trong tuần. Tránh ẩm và mùi lạ.",
        usage_days=30,
    ),
    ProductSpec(
        "MOC-CF-COLDBREW-10",
        "Cà phê Cold Brew túi lọc (hộp 10 túi)",
        COFFEE_TEA,
        129_000,
        8,
        "Ngâm 1 túi với 250ml nước lạnh trong ngăn mát 12-16 giờ. Dùng trong 3 ngày.",
        usage_days=14,
    ),
    ProductSpec(
        "MOC-TEA-OLONG-200",
        "Trà Ô long Lâm Đồng 200g",
        COFFEE_TEA,
        245_000,
        6,
        "Tráng ấm bằng nước sôi, hãm 5-7g trà với nước 90°C trong 40 giây; pha được 5-6 lần nước.",
        usage_days=30,
    ),
    ProductSpec(
        "MOC-TEA-SHAN-100",
        "Trà Shan Tuyết cổ thụ Hà Giang 100g",
        COFFEE_TEA,
        360_000,
        4,
        "Nước 85-90°C, hãm 30 giây. Bảo quản trong túi kín, nơi mát, tránh ánh sáng.",
        usage_days=30,
    ),
    ProductSpec(
        "MOC-TEA-THAINGUYEN-500",
        "Trà xanh Thái Nguyên 500g",
        COFFEE_TEA,
        159_000,
        7,
        "Nước 80°C để trà không đắng. Đựng trong hộp thiếc kín, tránh để gần gia vị.",
        usage_days=30,
    ),
    ProductSpec(
        "MOC-TEA-SEN-100",
        "Trà sen Tây Hồ hộp quà 100g",
        COFFEE_TEA,
        890_000,
        1.5,
        "Trà ướp sen thủ công: bảo quản ngăn mát tủ lạnh trong hũ kín để giữ hương sen.",
        usage_days=30,
        tet_gift=True,
    ),
    ProductSpec(
        "MOC-GIFT-TET",
        "Hộp quà Tết Nhà Mộc (cà phê & trà)",
        COFFEE_TEA,
        690_000,
        1,
        "Hộp quà gồm cà phê rang mộc và trà Ô long. Giữ nơi khô mát; dùng trong 2 tháng.",
        usage_days=30,
        tet_gift=True,
    ),
    ProductSpec(
        "MOC-SK-SUARUAMAT-150",
        "Sữa rửa mặt nghệ Hưng Yên 150ml",
        COSMETICS,
        165_000,
        9,
        "Dùng sáng và tối: tạo bọt trên tay, massage nhẹ 30 giây rồi rửa sạch. "
        "Đậy nắp sau khi dùng; dùng hết trong 6 tháng sau khi mở.",
        usage_days=45,
    ),
    ProductSpec(
        "MOC-SK-TOAN-200",
        "Nước hoa hồng tía tô 200ml",
        COSMETICS,
        195_000,
        7,
        "Thấm ra bông tẩy trang, lau nhẹ sau bước rửa mặt. Tránh để nơi nắng nóng.",
        usage_days=60,
    ),
    ProductSpec(
        "MOC-SK-SERUM-30",
        "Serum vitamin C bí đao 30ml",
        COSMETICS,
        349_000,
        7,
        "Dùng 3-4 giọt buổi tối. Vitamin C dễ oxy hoá: đậy kín, để nơi mát, dùng trong 2 tháng. "
        "Ban ngày luôn dùng kem chống nắng.",
        usage_days=40,
    ),
    ProductSpec(
        "MOC-SK-CHONGNANG-50",
        "Kem chống nắng bí đao SPF50 50ml",
        COSMETICS,
        295_000,
        8,
        "Thoa lượng bằng hai đốt ngón tay, 15 phút trước khi ra nắng; thoa lại sau 2-3 giờ.",
        usage_days=45,
    ),
    ProductSpec(
        "MOC-SK-SONDUONG",
        "Son dưỡng dầu dừa Bến Tre",
        COSMETICS,
        89_000,
        6,
        "Thoa nhiều lần trong ngày và trước khi ngủ. Không để trong xe hơi nắng nóng.",
        usage_days=60,
    ),
    ProductSpec(
        "MOC-SK-DAUGOI-500",
        "Dầu gội bồ kết thảo dược 500ml",
        COSMETICS,
        179_000,
        6,
        "Làm ướt tóc, massage da đầu 2-3 phút rồi xả sạch. Dùng 3-4 lần mỗi tuần.",
        usage_days=45,
    ),
    ProductSpec(
        "MOC-SK-MATNA-100",
        "Mặt nạ ngủ cà phê Đắk Lắk 100ml",
        COSMETICS,
        255_000,
        4,
        "Thoa lớp mỏng buổi tối 2-3 lần mỗi tuần, để qua đêm, sáng rửa lại bằng nước ấm.",
        usage_days=30,
    ),
    ProductSpec(
        "MOC-SK-TAYTEBAO-200",
        "Tẩy da chết cà phê 200g",
        COSMETICS,
        139_000,
        4,
        "Dùng 1-2 lần mỗi tuần trên da ẩm, massage nhẹ rồi rửa sạch. Tránh vùng mắt.",
        usage_days=45,
    ),
    ProductSpec(
        "MOC-GD-MAYXAY",
        "Máy xay cà phê điện mini",
        APPLIANCES,
        690_000,
        1.6,
        "Rút điện trước khi vệ sinh. Mỗi tháng chải sạch bột trong lưỡi xay; cứ 3 tháng "
        "xay một ít gạo khô để làm sạch dầu cà phê. Không rửa thân máy dưới vòi nước.",
        warranty_days=365,
        maintenance_interval_days=90,
    ),
    ProductSpec(
        "MOC-GD-AMCONGNGONG",
        "Ấm siêu tốc cổ ngỗng rót cà phê 1L",
        APPLIANCES,
        890_000,
        1.4,
        "Tẩy cặn mỗi 3 tháng: đun nước pha giấm hoặc chanh, để 30 phút rồi tráng sạch. "
        "Không đun khi ấm cạn nước.",
        warranty_days=365,
        maintenance_interval_days=90,
    ),
    ProductSpec(
        "MOC-GD-ESPRESSO",
        "Máy pha cà phê espresso mini",
        APPLIANCES,
        2_490_000,
        0.8,
        "Sau mỗi lần pha, xả nước qua vòi đánh sữa và lau sạch tay pha. Tẩy cặn mỗi 6 tháng "
        "bằng viên tẩy cặn chuyên dụng. Bảo hành 24 tháng, giữ hoá đơn.",
        warranty_days=730,
        maintenance_interval_days=180,
    ),
    ProductSpec(
        "MOC-GD-KHUECHTAN",
        "Máy khuếch tán tinh dầu tạo ẩm",
        APPLIANCES,
        790_000,
        1.2,
        "Thay nước mỗi ngày. Mỗi 3 tháng vệ sinh màng rung bằng bông tăm và cồn nhẹ.",
        warranty_days=365,
        maintenance_interval_days=90,
    ),
    ProductSpec(
        "MOC-GD-MAYRUAMAT",
        "Máy rửa mặt sóng âm",
        APPLIANCES,
        1_290_000,
        1.0,
        "Sạc đầy trước lần dùng đầu. Rửa đầu silicon sau mỗi lần dùng; kiểm tra và vệ sinh "
        "kỹ mỗi 6 tháng. Bảo hành 24 tháng.",
        warranty_days=730,
        maintenance_interval_days=180,
    ),
    ProductSpec(
        "MOC-GD-TAYCAN-6",
        "Viên tẩy cặn máy pha cà phê (hộp 6 viên)",
        APPLIANCES,
        119_000,
        1.0,
        "Hoà 1 viên với 500ml nước ấm, cho vào bình chứa và chạy chế độ xả. Tráng lại 2 lần.",
        usage_days=90,
    ),
)

PRODUCT_INDEX: Final = {p.sku: i for i, p in enumerate(PRODUCTS)}
