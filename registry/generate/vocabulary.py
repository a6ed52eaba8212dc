"""What the generated dataset is made of: its scales, the names of places, agencies and people, the
subjects, units and fields of the tasks, the roles per committee and the weights of states and verdicts."""

from __future__ import annotations

from dataclasses import dataclass

#: the password of every generated account
PASSWORD = "generate12345"
CHUNK = 10_000


@dataclass(frozen=True)
class Scale:
    provinces: int
    communes: int  #: per province
    agencies: int  #: per province
    cells: int  #: Party cells per commune (collective owners)
    tasks: int  #: per year, whole installation


SCALES = {
    "tiny": Scale(provinces=1, communes=3, agencies=1, cells=1, tasks=60),
    "commune": Scale(provinces=1, communes=12, agencies=3, cells=2, tasks=1_500),
    "province": Scale(provinces=1, communes=110, agencies=16, cells=2, tasks=15_000),
    "nation": Scale(provinces=34, communes=100, agencies=12, cells=2, tasks=500_000),
}

PROVINCES = ["Tuyên Quang", "Hà Giang", "Lào Cai", "Yên Bái", "Thái Nguyên", "Phú Thọ", "Bắc Ninh", "Hưng Yên",
             "Ninh Bình", "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Trị", "Huế", "Đà Nẵng", "Quảng Ngãi",
             "Gia Lai", "Đắk Lắk", "Khánh Hòa", "Lâm Đồng", "Đồng Nai", "Tây Ninh", "Vĩnh Long", "Đồng Tháp",
             "An Giang", "Cần Thơ", "Cà Mau", "Hải Phòng", "Quảng Ninh", "Lạng Sơn", "Cao Bằng", "Điện Biên",
             "Lai Châu", "Sơn La"]
PLACES = ["Mỹ Bằng", "Đạo Viện", "Trung Môn", "Tam Đa", "Thụy Khuê", "Phú Thượng", "Quảng An", "Yên Phụ",
          "Kim Phú", "Thái Long", "An Tường", "Nông Tiến", "Minh Xuân", "Hưng Thành", "Phan Thiết", "Lưỡng Vượng",
          "Hồng Thái", "Tân Trào", "Kim Quan", "Hùng Lợi", "Trung Sơn", "Xuân Vân", "Phúc Ninh", "Thắng Quân"]
AGENCIES = ["Cơ quan Đảng tỉnh", "Ủy ban nhân dân tỉnh", "Công an tỉnh", "Quân sự tỉnh", "Sở Tài chính",
            "Sở Xây dựng", "Sở Nông nghiệp và Môi trường", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Nội vụ",
            "Sở Công Thương", "Sở Văn hóa, Thể thao và Du lịch", "Sở Khoa học và Công nghệ", "Sở Tư pháp",
            "Bệnh viện Đa khoa tỉnh", "Trường Chính trị tỉnh", "Báo và Phát thanh tỉnh", "Kho bạc Nhà nước"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Ma",
          "Triệu", "Nông", "Hà"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Hữu", "Xuân", "Kim", "Hồng"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa", "Hùng", "Hương", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thắng", "Thảo", "Trung",
         "Tuấn", "Vân", "Yến"]
SUBJECTS = ["Giải phóng mặt bằng dự án đường", "Thu hồi đất xây dựng trường học", ("Chuyển đổi số trong giải quyết "
                                                                                  "thủ tục hành chính"), "Xử lý vi phạm trật tự xây dựng", "Xây dựng nông thôn mới nâng cao",
            "Vệ sinh môi trường khu dân cư", "Xây dựng nhà văn hóa thôn", "Cải cách hành chính một cửa",
            "Phát triển vùng chè đặc sản", "Giảm nghèo bền vững", "Thu ngân sách vượt dự toán",
            "Sắp xếp trụ sở dôi dư sau sáp nhập", "Mô hình Dân vận khéo trong dồn điền đổi thửa",
            "Xóa nhà tạm, nhà dột nát", "Cấp giấy chứng nhận quyền sử dụng đất tồn đọng"]
UNITS = [("hộ", 40.0, 120.0), ("ha", 5.0, 30.0), ("hồ sơ", 100.0, 600.0), ("%", 60.0, 95.0), ("km", 0.0, 4.0),
         ("công trình", 0.0, 3.0)]
#: the fields of work (lĩnh vực): Vietnamese name → English name
FIELDS = {"Kinh tế": "Economy", "Đất đai, tài nguyên": "Land and natural resources",
          "Xây dựng, đô thị": "Construction and urban affairs", "Cải cách hành chính": "Administrative reform",
          "Chuyển đổi số": "Digital transformation", "Văn hóa, xã hội": "Culture and society",
          "Giáo dục": "Education", "Y tế": "Health", "Quốc phòng, an ninh": "Defence and security",
          "Xây dựng Đảng": "Party building"}

#: role → (username suffix, job title, how many per commune/agency committee, per province committee)
STAFF = {
    "standing": ("btv", "Ủy viên Ban Thường vụ", 3, 6),
    "secretariat": ("vp", "Chánh Văn phòng", 1, 2),
    "inspector": ("ubkt", "Chủ nhiệm Ủy ban Kiểm tra", 1, 2),
    "monitor": ("mttq", "Cán bộ Ủy ban MTTQ", 3, 6),
}

#: (state, weight) of the current year's tasks (December: most under way or at year end), and of past years'
CURRENT_STATES = [("draft", 3), ("submitted", 5), ("returned", 2), ("withdrawn", 2), ("approved", 4),
                  ("in_progress", 45), ("self_assessed", 18), ("reviewed", 21)]
PAST_STATES = [("reviewed", 90), ("withdrawn", 4), ("returned", 2), ("self_assessed", 4)]
DECIDED = {"approved", "in_progress", "self_assessed", "reviewed"}
#: verdict level code → weight
LEVEL_WEIGHTS = {"exceeded": 15, "on_time": 45, "late": 17, "partial": 13, "not_done": 7, "stopped": 3}
