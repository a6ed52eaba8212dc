"""Demo data drawn from the seed cases (Tây Hồ, Yên Sơn, and ideas from Long Biên and Hồ Sơn).

Everything goes through the real services, so the demo obeys the same rules as users do and every task carries
a realistic audit history. ``load_demo`` only flushes; the caller (the ``flask demo`` command) commits.

The years are computed from ``clock.today()``: the previous calendar year (closed, its tasks decided) and the
current one (window extended so that a visitor can register and submit today). The previous year's tasks are
registered while its window is temporarily opened, then the window is set back to its real past dates — so the
window check in the services is honoured, and the trail shows the secretariat doing it.

The people and their names are invented; the cases and figures come from the seed articles.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from registry.models import Field, OrgLevel, OrgUnit, Person, Role, Task, Year, db
from registry.services import admin, clock, people, tasks

DEMO_PASSWORD = "demo12345"

#: accounts to try the demo with (username, what you see when signed in as them); the first one marks the
#: demo as loaded
DEMO_LOGINS: list[tuple[str, str]] = [
    ("chutich.thuykhue", "Chủ tịch UBND phường Thụy Khuê — người đăng ký việc khó (cá nhân)"),
    ("bithu.phuthuong", "Bí thư Đảng ủy phường Phú Thượng — đăng ký việc khó cá nhân và tập thể phường; "
                        "đồng thời là Ủy viên Ban Thường vụ Quận ủy"),
    ("mttq.tayho", "Chủ tịch Ủy ban MTTQ quận Tây Hồ — cơ quan giám sát các việc được phân công"),
    ("mttq.yenson", "Chủ tịch Ủy ban MTTQ huyện Yên Sơn — giám sát việc đột phá ở Yên Sơn"),
    ("bithu.tayho", "Bí thư Quận ủy Tây Hồ — Ban Thường vụ: phê duyệt, điều chỉnh, trả lại đăng ký"),
    ("bithu.yenson", "Bí thư Huyện ủy Yên Sơn — Ban Thường vụ Huyện ủy"),
    ("vanphong.tayho", "Chánh Văn phòng Quận ủy — quản trị người dùng, đơn vị, năm, lĩnh vực"),
    ("ubkt.tayho", "Ủy viên Ủy ban Kiểm tra Quận ủy — chỉ xem, không sửa"),
]

#: the nine default fields (lĩnh vực), in display order
FIELDS = [
    "Kinh tế",
    "GPMB – tái định cư",
    "Trật tự đô thị",
    "Môi trường",
    "Văn hóa – xã hội",
    "Quốc phòng – an ninh",
    "Cải cách hành chính – chuyển đổi số",
    "Xây dựng Đảng",
    "Khác",
]

P, D, C, A, CELL = (OrgLevel.PROVINCE, OrgLevel.DISTRICT, OrgLevel.COMMUNE, OrgLevel.AGENCY,
                    OrgLevel.PARTY_CELL)

#: (code, name, level, parent code, head's username) — parents before children
UNITS: list[tuple[str, str, OrgLevel, str | None, str | None]] = [
    ("HN", "Thành phố Hà Nội", P, None, None),
    ("HN-TAYHO", "Quận Tây Hồ", D, "HN", "bithu.tayho"),
    ("HN-TAYHO-THUYKHUE", "Phường Thụy Khuê", C, "HN-TAYHO", "bithu.thuykhue"),
    ("HN-TAYHO-PHUTHUONG", "Phường Phú Thượng", C, "HN-TAYHO", "bithu.phuthuong"),
    ("HN-TAYHO-QUANGAN", "Phường Quảng An", C, "HN-TAYHO", "bithu.quangan"),
    ("HN-TAYHO-YENPHU", "Phường Yên Phụ", C, "HN-TAYHO", "bithu.yenphu"),
    ("HN-TAYHO-THUYKHUE-CB9", "Chi bộ Tổ dân phố số 9", CELL, "HN-TAYHO-THUYKHUE", "bithu.tdp9"),
    ("HN-TAYHO-MTTQ", "Ủy ban MTTQ quận Tây Hồ", A, "HN-TAYHO", "mttq.tayho"),
    ("HN-TAYHO-VPQU", "Văn phòng Quận ủy Tây Hồ", A, "HN-TAYHO", "vanphong.tayho"),
    ("HN-TAYHO-BDV", "Ban Dân vận Quận ủy Tây Hồ", A, "HN-TAYHO", "btv.danvan"),
    ("HN-TAYHO-UBKT", "Ủy ban Kiểm tra Quận ủy Tây Hồ", A, "HN-TAYHO", None),
    ("HN-TAYHO-HLHPN", "Hội Liên hiệp Phụ nữ quận Tây Hồ", A, "HN-TAYHO", "hoilhpn.tayho"),
    ("TQ", "Tỉnh Tuyên Quang", P, None, None),
    ("TQ-YENSON", "Huyện Yên Sơn", D, "TQ", "bithu.yenson"),
    ("TQ-YENSON-MYBANG", "Xã Mỹ Bằng", C, "TQ-YENSON", "bithu.mybang"),
    ("TQ-YENSON-DAOVIEN", "Xã Đạo Viện", C, "TQ-YENSON", "bithu.daovien"),
    ("TQ-YENSON-TRUNGMON", "Xã Trung Môn", C, "TQ-YENSON", "bithu.trungmon"),
    ("TQ-YENSON-KTHT", "Phòng Kinh tế - Hạ tầng huyện Yên Sơn", A, "TQ-YENSON", "truongphong.ktht"),
    ("TQ-YENSON-MTTQ", "Ủy ban MTTQ huyện Yên Sơn", A, "TQ-YENSON", "mttq.yenson"),
    ("TQ-YENSON-VPHU", "Văn phòng Huyện ủy Yên Sơn", A, "TQ-YENSON", None),
]

O, M, S, SEC, INS = Role.OWNER, Role.MONITOR, Role.STANDING, Role.SECRETARIAT, Role.INSPECTOR

#: (username, full name, position, unit code, roles) — names are invented
PEOPLE: list[tuple[str, str, str, str, tuple[Role, ...]]] = [
    # Quận Tây Hồ: Standing Committee
    ("bithu.tayho", "Nguyễn Thị Minh Hằng", "Bí thư Quận ủy Tây Hồ", "HN-TAYHO", (S,)),
    ("pbt.tayho", "Trần Quốc Hùng", "Phó Bí thư Thường trực Quận ủy", "HN-TAYHO", (S, O)),
    ("chutich.tayho", "Lê Mạnh Cường", "Phó Bí thư Quận ủy, Chủ tịch UBND quận", "HN-TAYHO", (S, O)),
    ("btv.danvan", "Phạm Thị Thu Hà", "Ủy viên BTV Quận ủy, Trưởng Ban Dân vận Quận ủy", "HN-TAYHO-BDV", (S, O)),
    ("btv.tochuc", "Đỗ Văn Long", "Ủy viên BTV Quận ủy, Trưởng Ban Tổ chức Quận ủy", "HN-TAYHO", (S,)),
    ("bithu.phuthuong", "Vũ Xuân Đạt", "Ủy viên BTV Quận ủy, Bí thư Đảng ủy phường Phú Thượng",
     "HN-TAYHO-PHUTHUONG", (O, S)),
    # Tây Hồ: wards, Party cell, socio-political organisations
    ("chutich.phuthuong", "Nguyễn Văn Bình", "Phó Bí thư Đảng ủy, Chủ tịch UBND phường Phú Thượng",
     "HN-TAYHO-PHUTHUONG", (O,)),
    ("bithu.thuykhue", "Hoàng Thị Lan", "Bí thư Đảng ủy phường Thụy Khuê", "HN-TAYHO-THUYKHUE", (O,)),
    ("chutich.thuykhue", "Lê Văn Thịnh", "Phó Bí thư Đảng ủy, Chủ tịch UBND phường Thụy Khuê",
     "HN-TAYHO-THUYKHUE", (O,)),
    ("bithu.quangan", "Đặng Minh Tuấn", "Bí thư Đảng ủy phường Quảng An", "HN-TAYHO-QUANGAN", (O,)),
    ("chutich.quangan", "Bùi Thị Ngọc Anh", "Chủ tịch UBND phường Quảng An", "HN-TAYHO-QUANGAN", (O,)),
    ("bithu.yenphu", "Ngô Quang Huy", "Bí thư Đảng ủy phường Yên Phụ", "HN-TAYHO-YENPHU", (O,)),
    ("chutich.yenphu", "Trịnh Thị Mai", "Chủ tịch UBND phường Yên Phụ", "HN-TAYHO-YENPHU", (O,)),
    ("bithu.tdp9", "Nguyễn Hữu Phúc", "Bí thư Chi bộ Tổ dân phố số 9, phường Thụy Khuê", "HN-TAYHO-THUYKHUE-CB9",
     (O,)),
    ("hoilhpn.tayho", "Phan Thị Hồng Nhung", "Ủy viên BCH Đảng bộ quận, Chủ tịch Hội LHPN quận",
     "HN-TAYHO-HLHPN", (O,)),
    # Tây Hồ: Fatherland Front monitors
    ("mttq.tayho", "Đinh Văn Sơn", "Chủ tịch Ủy ban MTTQ quận Tây Hồ", "HN-TAYHO-MTTQ", (M,)),
    ("mttq.pho.tayho", "Lương Thị Thanh Hương", "Phó Chủ tịch Ủy ban MTTQ quận Tây Hồ", "HN-TAYHO-MTTQ", (M,)),
    ("mttq.thuykhue", "Tạ Quang Vinh", "Chủ tịch Ủy ban MTTQ phường Thụy Khuê", "HN-TAYHO-THUYKHUE", (M,)),
    ("mttq.phuthuong", "Kiều Thị Bích Ngọc", "Chủ tịch Ủy ban MTTQ phường Phú Thượng", "HN-TAYHO-PHUTHUONG",
     (M,)),
    # Tây Hồ: office and inspection
    ("vanphong.tayho", "Mai Văn Khánh", "Ủy viên BCH Đảng bộ quận, Chánh Văn phòng Quận ủy", "HN-TAYHO-VPQU",
     (SEC, O)),
    ("ubkt.tayho", "Cao Thị Thanh Thủy", "Ủy viên Ủy ban Kiểm tra Quận ủy", "HN-TAYHO-UBKT", (INS,)),
    # Huyện Yên Sơn
    ("bithu.yenson", "Hà Văn Quang", "Bí thư Huyện ủy Yên Sơn", "TQ-YENSON", (S,)),
    ("pbt.yenson", "Ma Văn Kiên", "Phó Bí thư Thường trực Huyện ủy, Chủ tịch HĐND huyện", "TQ-YENSON", (S, O)),
    ("btv.yenson", "Nông Thị Hạnh", "Ủy viên BTV Huyện ủy, Trưởng Ban Tuyên giáo Huyện ủy", "TQ-YENSON", (S,)),
    ("bithu.mybang", "Hoàng Minh Tiến", "Bí thư Đảng ủy xã Mỹ Bằng", "TQ-YENSON-MYBANG", (O,)),
    ("chutich.mybang", "Lý Văn Hòa", "Phó Bí thư Đảng ủy, Chủ tịch UBND xã Mỹ Bằng", "TQ-YENSON-MYBANG", (O,)),
    ("bithu.daovien", "Quan Thị Dung", "Bí thư Đảng ủy xã Đạo Viện", "TQ-YENSON-DAOVIEN", (O,)),
    ("chutich.daovien", "Triệu Đức Mạnh", "Chủ tịch UBND xã Đạo Viện", "TQ-YENSON-DAOVIEN", (O,)),
    ("bithu.trungmon", "Chu Văn Thắng", "Bí thư Đảng ủy xã Trung Môn", "TQ-YENSON-TRUNGMON", (O,)),
    ("chutich.trungmon", "Lã Thị Thu", "Chủ tịch UBND xã Trung Môn", "TQ-YENSON-TRUNGMON", (O,)),
    ("truongphong.ktht", "Vương Đình Nam", "Trưởng phòng Kinh tế - Hạ tầng huyện Yên Sơn", "TQ-YENSON-KTHT", (O,)),
    ("mttq.yenson", "Sầm Văn Lực", "Chủ tịch Ủy ban MTTQ huyện Yên Sơn", "TQ-YENSON-MTTQ", (M,)),
    ("mttq.pho.yenson", "Âu Thị Phương", "Phó Chủ tịch Ủy ban MTTQ huyện Yên Sơn", "TQ-YENSON-MTTQ", (M,)),
    ("mttq.mybang", "Hà Thị Xuân", "Chủ tịch Ủy ban MTTQ xã Mỹ Bằng", "TQ-YENSON-MYBANG", (M,)),
    ("vanphong.yenson", "Lò Thị Huyền", "Phó Chánh Văn phòng Huyện ủy Yên Sơn", "TQ-YENSON-VPHU", (SEC,)),
]

#: reference documents every registration of the area cites ({y} is the task's year)
AREA_REFERENCES = {
    "HN": "Kết luận số 03-KL/QU ngày 16/01/{y} của Ban Thường vụ Quận ủy Tây Hồ về đăng ký, giải quyết việc "
          "khó năm {y}",
    "TQ": "Kế hoạch số 09-KH/HU ngày 18/01/{y} của Ban Thường vụ Huyện ủy Yên Sơn về giao việc đột phá, đổi mới "
          "năm {y}",
}

QD_TAYHO_PREV, QD_TAYHO_CURR = "Quyết định số 25-QĐ/QU", "Quyết định số 112-QĐ/QU"
QD_YENSON_PREV, QD_YENSON_CURR = "Quyết định số 1520-QĐ/HU", "Quyết định số 1684-QĐ/HU"

PREVIOUS, CURRENT = -1, 0

# Each task: "year" (PREVIOUS or CURRENT), "owner" (username), "unit" (a unit code for a collective registration,
# registered by its head), the Form A fields, "deadline" and milestones as (month, day), indicators as
# (name, unit, baseline, target), and "steps" replayed through the services after creation:
#   ("submit",)  ("withdraw", reason)  ("return", standing, comment)  ("update", {changes})
#   ("adjust", standing, reason, {changes})  ("approve", standing, monitor, decision ref, (month, day))
# Text may use {y} (the task's year) and {y1} (the year before).
TASKS: list[dict[str, Any]] = [
    # ---------------------------------------------------------------- previous year: decided
    {
        "year": PREVIOUS, "owner": "chutich.thuykhue", "kind": "hard", "field": "GPMB – tái định cư",
        "title": "Giải phóng mặt bằng dự án cải tạo môi trường khu dân cư quanh mương thoát nước Thụy Khuê",
        "situation": "Dự án khởi động từ năm 2012 nhưng vướng giải phóng mặt bằng suốt hơn mười năm; hết năm "
                     "{y1} vẫn còn 44 hộ chưa đồng thuận, môi trường quanh mương xuống cấp, dư luận bức xúc.",
        "goal": "Vận động đủ 44 hộ còn lại đồng thuận và bàn giao mặt bằng cho chủ đầu tư trong năm {y}.",
        "deliverable": "Biên bản bàn giao mặt bằng của từng hộ; báo cáo kết quả giải phóng mặt bằng gửi Ban "
                       "Thường vụ Quận ủy.",
        "measures": "Kế hoạch giao từng thành viên UBND, ban, ngành, đoàn thể phụ trách từng hộ; đối thoại và "
                    "trả lời kiến nghị trong tuần; kiên trì đến từng nhà thuyết phục trước khi áp dụng biện pháp "
                    "hành chính; phối hợp quận đề xuất quỹ nhà tái định cư.",
        "coordinating_units": "UB MTTQ phường Thụy Khuê; Ban Bồi thường GPMB quận; Phòng Tài nguyên và Môi "
                              "trường quận; các tổ dân phố có hộ trong diện GPMB",
        "authority": "superior",
        "resources": "Kinh phí bồi thường của dự án; tổ công tác 12 người",
        "support_requested": "Đề nghị UBND quận báo cáo Thành phố bố trí quỹ nhà tái định cư cho các hộ đủ điều "
                             "kiện.",
        "reference_documents": "Chỉ thị số 24-CT/TU ngày 7/8/2023 của Ban Thường vụ Thành ủy Hà Nội",
        "deadline": (11, 30),
        "indicators": [("Hộ chưa đồng thuận bàn giao mặt bằng", "hộ", 44, 0),
                       ("Buổi đối thoại trực tiếp với hộ dân", "buổi", 0, 12)],
        "milestones": [(3, 31, "Phân công cán bộ phụ trách từng hộ, rà soát hồ sơ bồi thường"),
                       (6, 30, "Đối thoại trực tiếp với 100% hộ chưa đồng thuận"),
                       (10, 31, "Nhận bàn giao mặt bằng của các hộ đã đồng thuận")],
        "steps": [("submit",), ("approve", "pbt.tayho", "mttq.thuykhue", QD_TAYHO_PREV, (2, 20))],
    },
    {
        "year": PREVIOUS, "owner": "bithu.phuthuong", "kind": "hard", "field": "GPMB – tái định cư",
        "title": "Chỉ đạo giải phóng mặt bằng 104 ha dự án khu đô thị Nam Thăng Long giai đoạn 3",
        "situation": "Dự án triển khai từ đầu những năm 2000; qua gần hai mươi năm mới giải phóng được khoảng 30% "
                     "diện tích, nhiều khiếu nại kéo dài, không ít ý kiến cho rằng khó hoàn thành.",
        "goal": "Thu hồi toàn bộ 104 ha và bàn giao cho chủ đầu tư trong năm {y}.",
        "deliverable": "Toàn bộ 104 ha được bàn giao cho chủ đầu tư, có biên bản bàn giao mặt bằng.",
        "measures": "Thường trực Đảng ủy phường trực tiếp chỉ đạo; các tổ công tác đến từng hộ tuyên truyền, vận "
                    "động; tổ chức đối thoại chính thức và giải quyết dứt điểm khiếu nại; công khai phương án bồi "
                    "thường, hỗ trợ.",
        "coordinating_units": "UBND phường Phú Thượng; UB MTTQ phường; Ban Bồi thường GPMB quận; chủ đầu tư dự án",
        "authority": "superior",
        "reference_documents": "Kế hoạch số 18-KH/QU ngày 30/12/2020 về công tác dân vận trong giải phóng mặt "
                               "bằng",
        "deadline": (11, 30),
        "indicators": [("Diện tích đã giải phóng so với 104 ha", "%", 30, 100),
                       ("Buổi đối thoại chính thức với hộ dân", "buổi", 0, 20)],
        "milestones": [(4, 30, "Công khai phương án bồi thường phần diện tích còn lại"),
                       (8, 31, "Giải phóng mặt bằng đạt 70% diện tích"),
                       (11, 15, "Bàn giao toàn bộ mặt bằng cho chủ đầu tư")],
        "steps": [("submit",), ("approve", "bithu.tayho", "mttq.phuthuong", QD_TAYHO_PREV, (2, 20))],
    },
    {
        "year": PREVIOUS, "owner": "bithu.thuykhue", "unit": "HN-TAYHO-THUYKHUE", "kind": "hard",
        "field": "Trật tự đô thị",
        "title": "Thu hồi 120 m² đất tại số 18 phố Tam Đa để xây nhà sinh hoạt cộng đồng tổ dân phố số 9 và 11",
        "situation": "Vụ việc tồn đọng gần hai mươi năm: diện tích đất công tại số 18 Tam Đa bị sử dụng không "
                     "đúng mục đích, trong khi hai tổ dân phố chưa có nơi sinh hoạt cộng đồng.",
        "goal": "Thu hồi toàn bộ 120 m², đưa vào quản lý để xây nhà sinh hoạt cộng đồng.",
        "deliverable": "Quyết định thu hồi đất và biên bản bàn giao 120 m² cho đơn vị quản lý dự án.",
        "measures": "Rà soát nguồn gốc đất, hồ sơ pháp lý; gặp gỡ, vận động người đang sử dụng tự nguyện bàn "
                    "giao; công khai kết quả với Nhân dân hai tổ dân phố.",
        "coordinating_units": "UB MTTQ phường; Chi bộ tổ dân phố số 9 và 11; Phòng Quản lý đô thị quận",
        "deadline": (9, 30),
        "indicators": [("Diện tích đất thu hồi tại số 18 Tam Đa", "m²", 0, 120)],
        "milestones": [(5, 31, "Hoàn thành hồ sơ pháp lý, quyết định thu hồi")],
        "steps": [
            ("submit",),
            ("return", "pbt.tayho", "Đề nghị bổ sung mốc khởi công nhà sinh hoạt cộng đồng và chỉ tiêu lấy ý "
                                    "kiến Nhân dân hai tổ dân phố về phương án xây dựng."),
            ("update", {
                "indicators": [("Diện tích đất thu hồi tại số 18 Tam Đa", "m²", 0, 120),
                               ("Hộ dân tổ dân phố số 9 và 11 được lấy ý kiến về phương án", "%", 0, 100)],
                "milestones": [(5, 31, "Hoàn thành hồ sơ pháp lý, quyết định thu hồi"),
                               (7, 31, "Nhận bàn giao 120 m², lấy ý kiến Nhân dân về thiết kế"),
                               (9, 30, "Khởi công nhà sinh hoạt cộng đồng")],
            }),
            ("submit",),
            ("approve", "chutich.tayho", "mttq.tayho", "Quyết định số 31-QĐ/QU", (3, 12)),
        ],
    },
    {
        "year": PREVIOUS, "owner": "truongphong.ktht", "unit": "TQ-YENSON-KTHT", "kind": "breakthrough",
        "field": "Kinh tế",
        "title": "Tham mưu lập, thẩm định, trình phê duyệt quy hoạch chi tiết khu trung tâm xã Mỹ Bằng theo tiêu "
                 "chí đô thị loại V",
        "situation": "Xây dựng Mỹ Bằng thành đô thị loại V là chủ trương lớn của huyện; cuối năm {y1} đã lấy ý "
                     "kiến Nhân dân về quy hoạch chung và được đa số đồng tình, nhưng chưa có quy hoạch chi tiết "
                     "khu trung tâm làm căn cứ đầu tư.",
        "goal": "Quy hoạch chi tiết khu trung tâm xã Mỹ Bằng được cấp có thẩm quyền phê duyệt trong năm {y}.",
        "deliverable": "Quyết định phê duyệt đồ án quy hoạch chi tiết xây dựng khu trung tâm xã Mỹ Bằng theo "
                       "tiêu chí đô thị loại V.",
        "measures": "Tham mưu UBND huyện trình UBND tỉnh cho chủ trương; lựa chọn đơn vị tư vấn; lấy ý kiến cộng "
                    "đồng dân cư; thẩm định, hoàn thiện hồ sơ trình phê duyệt.",
        "coordinating_units": "UBND xã Mỹ Bằng; Sở Xây dựng tỉnh Tuyên Quang; Phòng Tài nguyên và Môi trường huyện",
        "authority": "superior",
        "locality": "Xã Mỹ Bằng, huyện Yên Sơn",
        "deadline": (12, 15),
        "indicators": [("Đồ án quy hoạch chi tiết được phê duyệt", "đồ án", 0, 1),
                       ("Hộ dân đồng tình khi lấy ý kiến cộng đồng", "%", None, 85)],
        "milestones": [(3, 31, "UBND tỉnh cho chủ trương lập quy hoạch"),
                       (7, 31, "Hoàn thành lấy ý kiến cộng đồng dân cư"),
                       (11, 30, "Trình phê duyệt đồ án")],
        "steps": [
            ("submit",),
            ("adjust", "btv.yenson", "Ban Thường vụ điều chỉnh thời hạn cho phù hợp thời gian thẩm định của Sở "
                                     "Xây dựng.", {"deadline": (12, 25)}),
            ("approve", "bithu.yenson", "mttq.yenson", QD_YENSON_PREV, (3, 5)),
        ],
    },
    {
        "year": PREVIOUS, "owner": "chutich.daovien", "kind": "breakthrough", "field": "Khác",
        "title": "Rà soát, xử lý dứt điểm tồn tại trong quản lý quỹ đất công ích 5% của xã Đạo Viện",
        "situation": "Quỹ đất công ích 5% của xã theo sổ sách là 44.000 m²; qua nhiều thời kỳ quản lý lỏng lẻo, "
                     "quỹ đất bị hao hụt do lấn chiếm, tự chuyển mục đích sử dụng, cho tặng trong gia đình.",
        "goal": "Rà soát đến từng hộ đang sử dụng đất thuộc quỹ 5%, xác định rõ hiện trạng và đề xuất phương án "
                "xử lý đúng pháp luật, bảo đảm quyền lợi chính đáng của người dân.",
        "deliverable": "Hồ sơ hiện trạng sử dụng quỹ đất 5% đến từng thửa, từng hộ; phương án xử lý trình UBND "
                       "huyện.",
        "measures": "Thành lập tổ rà soát; đối chiếu bản đồ địa chính với thực địa; họp dân từng thôn công khai "
                    "kết quả; xin ý kiến chuyên môn của Phòng Tài nguyên và Môi trường huyện.",
        "coordinating_units": "Phòng Tài nguyên và Môi trường huyện; UB MTTQ xã; trưởng các thôn",
        "authority": "superior",
        "deadline": (11, 30),
        "indicators": [("Diện tích quỹ đất 5% được rà soát, xác định hiện trạng", "m²", 0, 44000),
                       ("Hộ sử dụng đất công ích được rà soát", "%", 0, 100)],
        "milestones": [(4, 30, "Hoàn thành đối chiếu bản đồ địa chính với thực địa"),
                       (8, 31, "Rà soát xong 100% hộ, công khai kết quả tại các thôn"),
                       (11, 15, "Trình UBND huyện phương án xử lý")],
        "steps": [("submit",), ("approve", "pbt.yenson", "mttq.pho.yenson", QD_YENSON_PREV, (3, 5))],
    },
    {
        "year": PREVIOUS, "owner": "bithu.daovien", "unit": "TQ-YENSON-DAOVIEN", "kind": "hard",
        "field": "Quốc phòng – an ninh",
        "title": "Chấm dứt tình trạng khai thác khoáng sản trái phép trên địa bàn xã Đạo Viện",
        "situation": "Nhiều năm khai thác khoáng sản trái phép diễn ra công khai; cấp ủy, chính quyền đã vào cuộc "
                     "nhưng chưa bắt, xử lý được đối tượng nào.",
        "goal": "Không còn điểm khai thác khoáng sản trái phép; mọi hành vi vi phạm được phát hiện và xử lý.",
        "deliverable": "Quy chế phối hợp công an xã – dân quân – thôn; báo cáo kết quả tuần tra, xử lý vi phạm.",
        "measures": "Công an chính quy xã làm nòng cốt, phối hợp dân quân tuần tra các điểm nóng; nắm tình hình "
                    "qua trưởng thôn; xử lý nghiêm, công khai kết quả.",
        "coordinating_units": "Công an xã; Ban Chỉ huy quân sự xã; Phòng Tài nguyên và Môi trường huyện",
        "deadline": (12, 15),
        "indicators": [("Điểm khai thác trái phép còn hoạt động", "điểm", 3, 0),
                       ("Vụ vi phạm phát hiện được xử lý", "%", 0, 100)],
        "milestones": [(3, 31, "Ban hành quy chế phối hợp tuần tra"),
                       (9, 30, "Xóa bỏ toàn bộ điểm khai thác trái phép")],
        "steps": [("submit",), ("approve", "btv.yenson", "mttq.yenson", QD_YENSON_PREV, (3, 5))],
    },
    {
        "year": PREVIOUS, "owner": "pbt.tayho", "kind": "hard", "field": "Môi trường",
        "title": "Di dời các phương tiện thủy nội địa neo đậu tại khu vực đầm Bảy ra khỏi hồ Tây",
        "situation": "Nhiều phương tiện thủy nội địa neo đậu lâu năm tại đầm Bảy gây ô nhiễm mặt nước, mất mỹ "
                     "quan và mất an toàn; Thành phố đã giao quận giải quyết dứt điểm.",
        "goal": "Di dời toàn bộ phương tiện neo đậu trái phép ra khỏi hồ Tây trong năm {y}.",
        "deliverable": "Mặt nước khu vực đầm Bảy không còn phương tiện neo đậu trái phép; báo cáo kết quả gửi "
                       "Thành ủy.",
        "measures": "Kiểm đếm, lập hồ sơ từng phương tiện; vận động chủ phương tiện tự di dời, hỗ trợ tìm bến "
                    "đậu hợp pháp; cưỡng chế các trường hợp cố tình không chấp hành.",
        "coordinating_units": "UBND phường Quảng An; Công an quận; Phòng Quản lý đô thị quận",
        "locality": "Khu vực đầm Bảy, hồ Tây, quận Tây Hồ",
        "deadline": (10, 31),
        "indicators": [("Phương tiện còn neo đậu trái phép", "phương tiện", 42, 0)],
        "milestones": [(3, 31, "Kiểm đếm, lập hồ sơ toàn bộ phương tiện"),
                       (9, 30, "Hoàn thành di dời")],
        "steps": [("submit",), ("approve", "bithu.tayho", "mttq.pho.tayho", QD_TAYHO_PREV, (2, 20))],
    },
    {
        "year": PREVIOUS, "owner": "chutich.quangan", "kind": "hard", "field": "Trật tự đô thị",
        "title": "Xử lý công trình vi phạm trật tự xây dựng trên đất nông nghiệp ven hồ Tây",
        "situation": "Một số công trình xây dựng trái phép trên đất nông nghiệp ven hồ tồn tại nhiều năm.",
        "goal": "Xử lý dứt điểm các công trình vi phạm đã được lập biên bản.",
        "deliverable": "Quyết định xử lý và biên bản khắc phục từng công trình.",
        "measures": "Rà soát, phân loại vi phạm; vận động tự tháo dỡ; cưỡng chế theo quy định.",
        "deadline": (11, 30),
        "indicators": [("Công trình vi phạm chưa xử lý", "công trình", 9, 0)],
        "milestones": [(6, 30, "Rà soát, phân loại toàn bộ công trình vi phạm")],
        "steps": [("submit",), ("withdraw", "Nội dung trùng với nhiệm vụ UBND quận giao Phòng Quản lý đô thị chủ "
                                            "trì; xin rút để đăng ký việc khó khác đúng thẩm quyền của phường.")],
    },
    {
        "year": PREVIOUS, "owner": "pbt.yenson", "kind": "hard", "field": "GPMB – tái định cư",
        "title": "Lãnh đạo, chỉ đạo bảo đảm tiến độ bồi thường, giải phóng mặt bằng các công trình trọng điểm của "
                 "huyện",
        "situation": "Bồi thường, giải phóng mặt bằng đang là vướng mắc lớn nhất của huyện: nhiều hộ chưa nhận "
                     "kinh phí bồi thường, một số công trình trọng điểm chậm tiến độ.",
        "goal": "Các công trình, dự án trọng điểm của huyện được bàn giao mặt bằng đúng tiến độ.",
        "deliverable": "Mặt bằng các công trình trọng điểm được bàn giao; báo cáo kiểm tra, giám sát tiến độ "
                       "hằng quý.",
        "measures": "Kiểm tra, giám sát định kỳ tiến độ từng công trình; họp xét bồi thường, hỗ trợ tái định cư; "
                    "đối thoại với các hộ chưa nhận tiền bồi thường; xử lý kịp thời vướng mắc phát sinh.",
        "coordinating_units": "UBND huyện; Ban Quản lý dự án đầu tư xây dựng huyện; UBND các xã có dự án",
        "authority": "superior",
        "locality": "Huyện Yên Sơn",
        "deadline": (12, 15),
        "indicators": [("Công trình trọng điểm bàn giao mặt bằng đúng tiến độ", "%", 60, 100),
                       ("Hộ chưa nhận kinh phí bồi thường", "hộ", 37, 0)],
        "milestones": [(6, 30, "Hoàn thành kiểm kê đất đai, tài sản trên đất các công trình"),
                       (11, 30, "Chi trả bồi thường cho các hộ còn lại")],
        "steps": [("submit",), ("approve", "bithu.yenson", "mttq.pho.yenson", QD_YENSON_PREV, (3, 5))],
    },
    {
        "year": PREVIOUS, "owner": "bithu.mybang", "kind": "breakthrough", "field": "Kinh tế",
        "title": "Chỉ đạo thực hiện các tiêu chí xây dựng đô thị loại V tại xã Mỹ Bằng",
        "situation": "Đô thị loại V là việc mới, việc khó của xã; thu nhập bình quân đầu người mới đạt 46 triệu "
                     "đồng/năm, một số tiêu chí hạ tầng còn thấp.",
        "goal": "Nâng thu nhập bình quân và từng bước hoàn thiện các tiêu chí đô thị loại V.",
        "deliverable": "Nghị quyết chuyên đề của Đảng ủy xã; báo cáo đánh giá mức đạt các tiêu chí đô thị loại V.",
        "measures": "Tuyên truyền chủ trương trong Nhân dân; vận động chuyển đổi cơ cấu cây trồng, vật nuôi, phát "
                    "triển dịch vụ; phối hợp huyện hoàn thiện quy hoạch.",
        "coordinating_units": "UBND xã; UB MTTQ xã; Phòng Kinh tế - Hạ tầng huyện",
        "deadline": (12, 15),
        "indicators": [("Thu nhập bình quân đầu người", "triệu đồng/người/năm", 46, 48),
                       ("Hộ chuyển đổi cơ cấu cây trồng, vật nuôi", "hộ", 0, 150)],
        "milestones": [(3, 31, "Ban hành nghị quyết chuyên đề"),
                       (12, 10, "Sơ kết mức đạt các tiêu chí")],
        "steps": [("submit",), ("approve", "btv.yenson", "mttq.mybang", QD_YENSON_PREV, (3, 5))],
    },
    # ---------------------------------------------------------------- current year: every state
    {
        "year": CURRENT, "owner": "chutich.thuykhue", "kind": "hard", "field": "GPMB – tái định cư",
        "title": "Hoàn thành bàn giao mặt bằng 8 hộ còn lại của dự án mương thoát nước Thụy Khuê",
        "situation": "Năm {y1} đã vận động được 36/44 hộ bàn giao mặt bằng; 8 hộ còn lại cam kết đồng thuận khi "
                     "có quỹ nhà tái định cư.",
        "goal": "8 hộ còn lại bàn giao mặt bằng, hoàn thành giải phóng mặt bằng toàn dự án.",
        "deliverable": "Biên bản bàn giao mặt bằng của 8 hộ; mặt bằng sạch bàn giao cho chủ đầu tư.",
        "measures": "Phối hợp quận hoàn thiện hồ sơ tái định cư cho từng hộ; tiếp tục gặp gỡ, giữ cam kết với các "
                    "hộ; công khai tiến độ bố trí nhà.",
        "coordinating_units": "Ban Bồi thường GPMB quận; UB MTTQ phường Thụy Khuê",
        "authority": "superior",
        "support_requested": "Đề nghị Thành phố sớm bàn giao quỹ nhà tái định cư cho quận.",
        "deadline": (10, 31),
        "indicators": [("Hộ chưa bàn giao mặt bằng", "hộ", 8, 0)],
        "milestones": [(5, 31, "Hoàn thành hồ sơ đề nghị bố trí tái định cư cho 8 hộ"),
                       (9, 30, "Nhận bàn giao mặt bằng")],
        "steps": [
            ("submit",),
            ("adjust", "pbt.tayho", "Quỹ nhà tái định cư của Thành phố dự kiến bàn giao trong quý IV: điều chỉnh "
                                    "thời hạn và bổ sung chỉ tiêu bố trí nhà tái định cư.", {
                "deadline": (12, 15),
                "indicators": [("Hộ chưa bàn giao mặt bằng", "hộ", 8, 0),
                               ("Hộ được bố trí nhà tái định cư", "hộ", 0, 8)],
                "milestones": [(5, 31, "Hoàn thành hồ sơ đề nghị bố trí tái định cư cho 8 hộ"),
                               (11, 30, "Bố trí nhà tái định cư và nhận bàn giao mặt bằng")],
            }),
        ],
    },
    {
        "year": CURRENT, "owner": "bithu.tdp9", "unit": "HN-TAYHO-THUYKHUE-CB9", "kind": "mass_mobilisation",
        "field": "Văn hóa – xã hội",
        "title": "Dân vận khéo: Nhân dân tổ dân phố số 9 và 11 cùng góp ý, giám sát xây dựng nhà sinh hoạt cộng "
                 "đồng tại số 18 Tam Đa",
        "situation": "120 m² tại số 18 Tam Đa đã được thu hồi năm {y1}; công trình cần sự đồng thuận và giám sát "
                     "của Nhân dân để hoàn thành đúng hạn.",
        "goal": "Nhà sinh hoạt cộng đồng hoàn thành, đưa vào sử dụng với sự tham gia của Nhân dân.",
        "deliverable": "Nhà sinh hoạt cộng đồng tổ dân phố số 9 và 11 được đưa vào sử dụng.",
        "measures": "Họp tổ dân phố lấy ý kiến phương án thiết kế; thành lập tổ giám sát cộng đồng; công khai "
                    "tiến độ trên bảng tin tổ dân phố.",
        "coordinating_units": "Tổ dân phố số 9 và 11; Ban giám sát đầu tư cộng đồng phường",
        "deadline": (8, 31),
        "indicators": [("Hộ dân tham gia góp ý phương án thiết kế", "%", 0, 90),
                       ("Nhà sinh hoạt cộng đồng đưa vào sử dụng", "công trình", 0, 1)],
        "milestones": [(3, 31, "Lấy ý kiến Nhân dân về phương án thiết kế"),
                       (8, 15, "Nghiệm thu, đưa công trình vào sử dụng")],
        "steps": [("submit",), ("approve", "btv.danvan", "mttq.thuykhue", QD_TAYHO_CURR, (2, 25))],
    },
    {
        "year": CURRENT, "owner": "chutich.phuthuong", "kind": "hard", "field": "Văn hóa – xã hội",
        "title": "Ổn định đời sống, chuyển đổi nghề cho lao động các hộ bị thu hồi đất dự án Nam Thăng Long giai "
                 "đoạn 3",
        "situation": "Sau khi hoàn thành giải phóng 104 ha, nhiều lao động nông nghiệp mất tư liệu sản xuất, cần "
                     "được hỗ trợ chuyển đổi nghề, tìm việc làm.",
        "goal": "Lao động trong độ tuổi của các hộ bị thu hồi đất được hỗ trợ chuyển đổi nghề.",
        "deliverable": "Danh sách lao động đã được đào tạo nghề, giới thiệu việc làm; báo cáo kết quả.",
        "measures": "Khảo sát nhu cầu từng hộ; phối hợp trung tâm dịch vụ việc làm mở lớp nghề; kết nối doanh "
                    "nghiệp trên địa bàn tuyển dụng.",
        "coordinating_units": "Phòng Lao động – Thương binh và Xã hội quận; Hội Nông dân phường",
        "deadline": (11, 30),
        "indicators": [("Lao động được hỗ trợ chuyển đổi nghề", "người", 0, 120)],
        "milestones": [(4, 30, "Khảo sát nhu cầu chuyển đổi nghề"),
                       (10, 31, "Hoàn thành các lớp đào tạo nghề")],
        "steps": [("submit",), ("approve", "chutich.tayho", "mttq.phuthuong", QD_TAYHO_CURR, (2, 25))],
    },
    {
        "year": CURRENT, "owner": "bithu.quangan", "unit": "HN-TAYHO-QUANGAN", "kind": "mass_mobilisation",
        "field": "Môi trường",
        "title": "Xóa các điểm tập kết rác tự phát ven hồ Tây, cải tạo thành bồn hoa, sân chơi",
        "situation": "Ven hồ còn nhiều điểm đổ rác tự phát, tái diễn sau mỗi đợt ra quân.",
        "goal": "Xóa bỏ các điểm rác tự phát, duy trì tuyến ven hồ xanh – sạch – đẹp.",
        "deliverable": "Các điểm rác được cải tạo thành bồn hoa, sân chơi có tổ dân phố nhận chăm sóc.",
        "measures": "Chi hội phụ nữ, đoàn thanh niên nhận từng điểm; tuyên truyền đến từng hộ; camera giám sát.",
        "deadline": (11, 30),
        "indicators": [("Điểm tập kết rác tự phát", "điểm", None, 0)],
        "milestones": [(11, 30, "Xóa toàn bộ điểm rác")],
        "steps": [("submit",),
                  ("return", "btv.danvan", "Chỉ tiêu chưa lượng hóa: đề nghị ghi rõ số điểm rác tự phát hiện có "
                                           "(giá trị ban đầu) và bổ sung mốc tiến độ theo quý.")],
    },
    {
        "year": CURRENT, "owner": "chutich.yenphu", "kind": "mass_mobilisation", "field": "Môi trường",
        "title": "Vận động hộ gia đình, hộ kinh doanh chấm dứt sử dụng bếp than tổ ong",
        "situation": "Trên địa bàn phường còn 54 hộ dùng bếp than tổ ong, gây ô nhiễm không khí trong khu dân cư.",
        "goal": "100% hộ chấm dứt sử dụng bếp than tổ ong trong năm {y}.",
        "deliverable": "Danh sách hộ đã chuyển đổi bếp, có xác nhận của tổ dân phố.",
        "measures": "Tổ dân vận đến từng hộ; hỗ trợ đổi bếp điện, bếp gas; biểu dương hộ chuyển đổi sớm.",
        "coordinating_units": "Hội LHPN phường; các tổ dân phố",
        "deadline": (9, 30),
        "indicators": [("Hộ còn sử dụng bếp than tổ ong", "hộ", 54, 0)],
        "milestones": [(6, 30, "Giảm còn dưới 20 hộ"), (9, 30, "Không còn hộ sử dụng")],
        "steps": [("submit",), ("approve", "btv.tochuc", "mttq.pho.tayho", QD_TAYHO_CURR, (2, 25))],
    },
    {
        "year": CURRENT, "owner": "bithu.yenphu", "unit": "HN-TAYHO-YENPHU", "kind": "breakthrough",
        "field": "Cải cách hành chính – chuyển đổi số",
        "title": "Tiếp nhận, giải quyết thủ tục hành chính cấp phường hoàn toàn trên môi trường điện tử",
        "situation": "Tỷ lệ hồ sơ nộp trực tuyến mới đạt khoảng 45%; người cao tuổi còn ngại dùng dịch vụ công.",
        "goal": "100% hồ sơ thủ tục hành chính đủ điều kiện được tiếp nhận trực tuyến.",
        "deliverable": "Báo cáo tỷ lệ hồ sơ trực tuyến; tổ công nghệ số cộng đồng ở 100% tổ dân phố.",
        "measures": "Đoàn viên thanh niên hướng dẫn tại bộ phận một cửa; tổ công nghệ số cộng đồng đến từng nhà.",
        "deadline": (12, 15),
        "indicators": [("Hồ sơ thủ tục hành chính tiếp nhận trực tuyến", "%", 45, 100)],
        "milestones": [(6, 30, "Thành lập tổ công nghệ số cộng đồng ở các tổ dân phố")],
        "steps": [],
    },
    {
        "year": CURRENT, "owner": "vanphong.tayho", "unit": "HN-TAYHO-VPQU", "kind": "breakthrough",
        "field": "Cải cách hành chính – chuyển đổi số",
        "title": "Số hóa hồ sơ, tài liệu lưu trữ của Quận ủy giai đoạn 2010–2020",
        "situation": "Tài liệu giấy lưu trữ nhiều năm, tra cứu chậm, có nguy cơ hư hỏng.",
        "goal": "Toàn bộ hồ sơ giai đoạn 2010–2020 được số hóa, tra cứu được trên hệ thống.",
        "deliverable": "Cơ sở dữ liệu tài liệu lưu trữ số hóa, có biên bản nghiệm thu.",
        "measures": "Phân loại, chỉnh lý hồ sơ; thuê đơn vị số hóa; kiểm tra chất lượng từng đợt.",
        "coordinating_units": "Trung tâm Lưu trữ lịch sử Thành phố",
        "resources": "Kinh phí chi thường xuyên của Văn phòng Quận ủy",
        "deadline": (12, 15),
        "indicators": [("Trang tài liệu được số hóa", "trang", 0, 250000),
                       ("Hồ sơ tra cứu được trên hệ thống", "%", 0, 100)],
        "milestones": [(5, 31, "Chỉnh lý, phân loại hồ sơ"), (11, 30, "Nghiệm thu cơ sở dữ liệu")],
        "steps": [("submit",)],
    },
    {
        "year": CURRENT, "owner": "btv.danvan", "kind": "mass_mobilisation", "field": "Xây dựng Đảng",
        "title": "Biên soạn Cẩm nang \"Dân vận khéo\" trong giải phóng mặt bằng và tập huấn cho cán bộ cơ sở",
        "situation": "Cách làm hay trong vận động Nhân dân bàn giao mặt bằng chưa được tổng hợp, nhân rộng; đội "
                     "ngũ bí thư chi bộ, tổ trưởng tổ dân phố thay đổi nhiều.",
        "goal": "Có cẩm nang thống nhất và 100% bí thư chi bộ, tổ trưởng tổ dân phố được tập huấn.",
        "deliverable": "Cẩm nang \"Dân vận khéo\" trong giải phóng mặt bằng được phát hành.",
        "measures": "Tổ chức hội thảo tổng hợp kinh nghiệm các phường; biên soạn, xin ý kiến; tập huấn theo cụm.",
        "coordinating_units": "UB MTTQ quận; Đảng ủy các phường",
        "reference_documents": "Kế hoạch số 18-KH/QU ngày 30/12/2020 về chủ đề \"Năm Dân vận khéo\"",
        "deadline": (10, 31),
        "indicators": [("Cẩm nang được phát hành", "cuốn", 0, 1),
                       ("Bí thư chi bộ, tổ trưởng tổ dân phố được tập huấn", "người", 0, 400)],
        "milestones": [(4, 30, "Hội thảo tổng hợp kinh nghiệm"), (7, 31, "Phát hành cẩm nang"),
                       (10, 15, "Hoàn thành tập huấn")],
        "steps": [("submit",), ("approve", "bithu.tayho", "mttq.tayho", QD_TAYHO_CURR, (2, 25))],
    },
    {
        "year": CURRENT, "owner": "hoilhpn.tayho", "kind": "mass_mobilisation", "field": "GPMB – tái định cư",
        "title": "Vận động hội viên phụ nữ có đất trong diện giải phóng mặt bằng gương mẫu bàn giao",
        "situation": "Nhiều hộ trong diện giải phóng mặt bằng có hội viên phụ nữ là người quyết định trong gia "
                     "đình; hội chưa có cách tiếp cận riêng.",
        "goal": "Gặp gỡ, vận động 100% hội viên trong diện giải phóng mặt bằng.",
        "deliverable": "Danh sách hội viên đã được vận động và kết quả bàn giao mặt bằng.",
        "measures": "Chi hội trưởng nhận từng hộ; phối hợp tổ công tác phường; biểu dương hộ gương mẫu.",
        "deadline": (11, 30),
        "indicators": [("Hội viên trong diện GPMB được gặp gỡ, vận động", "%", 0, 100)],
        "milestones": [(3, 31, "Lập danh sách hội viên trong diện GPMB")],
        "steps": [],
    },
    {
        "year": CURRENT, "owner": "chutich.quangan", "kind": "hard", "field": "Trật tự đô thị",
        "title": "Khắc phục dứt điểm vi phạm trong sử dụng đất công, đất nông nghiệp theo kết luận thanh tra",
        "situation": "Kết luận thanh tra chỉ ra nhiều trường hợp sử dụng đất công, đất nông nghiệp sai mục đích; "
                     "việc khắc phục kéo dài.",
        "goal": "Khắc phục dứt điểm các vi phạm theo kết luận thanh tra, không để phát sinh vi phạm mới.",
        "deliverable": "Báo cáo kết quả khắc phục từng trường hợp gửi Ban Thường vụ Quận ủy.",
        "measures": "Phân nhóm vi phạm; giao cán bộ theo dõi từng trường hợp; vận động tự khắc phục, xử lý theo "
                    "quy định.",
        "coordinating_units": "Phòng Tài nguyên và Môi trường quận; Thanh tra quận",
        "deadline": (12, 15),
        "indicators": [("Vi phạm chưa khắc phục", "trường hợp", None, 0)],
        "milestones": [(12, 15, "Khắc phục xong các vi phạm")],
        "steps": [
            ("submit",),
            ("return", "chutich.tayho", "Đề nghị nêu rõ số trường hợp vi phạm còn tồn tại theo kết luận thanh tra "
                                        "và lộ trình xử lý từng nhóm."),
            ("update", {
                "indicators": [("Vi phạm chưa khắc phục", "trường hợp", 23, 0),
                               ("Vi phạm mới phát sinh được xử lý ngay", "%", None, 100)],
                "milestones": [(5, 31, "Khắc phục nhóm vi phạm tự tháo dỡ được (12 trường hợp)"),
                               (9, 30, "Xử lý nhóm phải cưỡng chế"),
                               (12, 15, "Khắc phục xong các vi phạm")],
            }),
            ("submit",),
        ],
    },
    {
        "year": CURRENT, "owner": "chutich.tayho", "kind": "hard", "field": "GPMB – tái định cư",
        "title": "Tháo gỡ vướng mắc giải phóng mặt bằng các tuyến đường khu đô thị Tây Hồ Tây",
        "situation": "Một số tuyến đường khu đô thị Tây Hồ Tây còn vướng mặt bằng, làm chậm kết nối giao thông.",
        "goal": "Bàn giao toàn bộ mặt bằng còn vướng cho chủ đầu tư.",
        "deliverable": "Biên bản bàn giao mặt bằng các tuyến đường.",
        "measures": "Họp định kỳ hằng tháng với chủ đầu tư và các phường; giải quyết dứt điểm đơn thư; đối thoại.",
        "coordinating_units": "UBND phường Phú Thượng; Ban Bồi thường GPMB quận",
        "authority": "superior",
        "locality": "Quận Tây Hồ",
        "deadline": (12, 15),
        "indicators": [("Diện tích còn vướng mắc", "m²", 3500, 0)],
        "milestones": [(6, 30, "Giải quyết xong đơn thư tồn đọng"), (11, 30, "Bàn giao mặt bằng")],
        "steps": [("submit",), ("approve", "pbt.tayho", "mttq.tayho", QD_TAYHO_CURR, (2, 25))],
    },
    {
        "year": CURRENT, "owner": "chutich.mybang", "kind": "breakthrough", "field": "Kinh tế",
        "title": "Thu hút đầu tư hạ tầng thương mại – dịch vụ khu trung tâm xã Mỹ Bằng theo quy hoạch đô thị "
                 "loại V",
        "situation": "Quy hoạch chi tiết khu trung tâm đã được phê duyệt năm {y1}; cần nhà đầu tư để hình thành "
                     "hạ tầng.",
        "goal": "Thu hút ít nhất hai dự án hạ tầng thương mại – dịch vụ vào khu trung tâm.",
        "deliverable": "Chủ trương đầu tư được chấp thuận cho các dự án.",
        "measures": "Công khai quy hoạch; làm việc với nhà đầu tư; chuẩn bị mặt bằng sạch.",
        "coordinating_units": "Phòng Tài chính – Kế hoạch huyện; Phòng Kinh tế - Hạ tầng huyện",
        "authority": "superior",
        "deadline": (12, 15),
        "indicators": [("Dự án được chấp thuận chủ trương đầu tư", "dự án", 0, 2)],
        "milestones": [(6, 30, "Tổ chức hội nghị xúc tiến đầu tư")],
        "steps": [("submit",), ("approve", "bithu.yenson", "mttq.mybang", QD_YENSON_CURR, (3, 2))],
    },
    {
        "year": CURRENT, "owner": "bithu.mybang", "unit": "TQ-YENSON-MYBANG", "kind": "hard",
        "field": "Môi trường",
        "title": "Cải tạo hệ thống thoát nước, chỉnh trang tuyến phố chính khu trung tâm xã Mỹ Bằng",
        "situation": "Hệ thống thoát nước khu trung tâm chưa đạt tiêu chí đô thị loại V; ngập cục bộ mùa mưa.",
        "goal": "Hoàn thành cải tạo thoát nước và chỉnh trang tuyến phố chính.",
        "deliverable": "Công trình thoát nước được nghiệm thu; tuyến phố chính có vỉa hè, cây xanh, chiếu sáng.",
        "measures": "Vận động Nhân dân hiến đất mở rộng vỉa hè; lồng ghép nguồn vốn nông thôn mới.",
        "coordinating_units": "Ban Quản lý dự án huyện; UB MTTQ xã",
        "deadline": (11, 30),
        "indicators": [("Tuyến thoát nước được cải tạo", "m", 0, 1800),
                       ("Điểm ngập cục bộ", "điểm", 4, 0)],
        "milestones": [(5, 31, "Vận động hiến đất mở rộng vỉa hè"), (10, 31, "Nghiệm thu công trình")],
        "steps": [("submit",)],
    },
    {
        "year": CURRENT, "owner": "chutich.daovien", "kind": "hard", "field": "Khác",
        "title": "Thu hồi, đưa vào quản lý phần quỹ đất công ích 5% bị lấn chiếm",
        "situation": "Kết quả rà soát năm {y1} đã xác định hiện trạng toàn bộ 44.000 m² quỹ đất 5%; một phần bị "
                     "lấn chiếm, sử dụng sai mục đích.",
        "goal": "Thu hồi hoặc hợp thức hóa đúng pháp luật toàn bộ diện tích bị lấn chiếm.",
        "deliverable": "Quyết định xử lý từng trường hợp; sổ theo dõi quỹ đất 5% cập nhật.",
        "measures": "Công khai kết quả rà soát; vận động hộ tự nguyện trả lại đất; xử lý theo phương án được huyện "
                    "chấp thuận.",
        "coordinating_units": "Phòng Tài nguyên và Môi trường huyện; UB MTTQ xã",
        "authority": "superior",
        "deadline": (12, 15),
        "indicators": [("Trường hợp lấn chiếm đã xử lý", "%", 0, 100)],
        "milestones": [(6, 30, "Công khai kết quả rà soát tại các thôn"), (12, 1, "Xử lý xong các trường hợp")],
        "steps": [
            ("submit",),
            ("adjust", "pbt.yenson", "Bổ sung chỉ tiêu diện tích thu hồi theo kết quả rà soát năm {y1} để đo được "
                                     "kết quả.", {
                "indicators": [("Trường hợp lấn chiếm đã xử lý", "%", 0, 100),
                               ("Diện tích đất 5% bị lấn chiếm được thu hồi", "m²", 0, 6200)],
            }),
            ("approve", "bithu.yenson", "mttq.pho.yenson", QD_YENSON_CURR, (3, 2)),
        ],
    },
    {
        "year": CURRENT, "owner": "bithu.daovien", "kind": "breakthrough", "field": "Kinh tế",
        "title": "Phát triển kinh tế vùng đồng bào dân tộc thiểu số: nhân rộng mô hình kinh tế trang trại",
        "situation": "Đã có hộ ở thôn 4 mở rộng mô hình kinh tế thành trang trại cho thu nhập ổn định; cần nhân "
                     "rộng ra các thôn.",
        "goal": "Hình thành thêm các trang trại mới, tăng thu nhập cho hộ đồng bào dân tộc thiểu số.",
        "deliverable": "Các trang trại mới được công nhận; báo cáo hiệu quả kinh tế.",
        "measures": "Tham quan mô hình điểm; hỗ trợ vay vốn, kỹ thuật; Đảng viên đi đầu làm trước.",
        "coordinating_units": "Hội Nông dân xã; Ngân hàng Chính sách xã hội huyện",
        "deadline": (12, 15),
        "indicators": [("Trang trại đang hoạt động", "trang trại", 1, 6)],
        "milestones": [(4, 30, "Tham quan mô hình điểm"), (11, 30, "Công nhận trang trại mới")],
        "steps": [("submit",), ("approve", "btv.yenson", "mttq.yenson", QD_YENSON_CURR, (3, 2))],
    },
    {
        "year": CURRENT, "owner": "bithu.trungmon", "unit": "TQ-YENSON-TRUNGMON", "kind": "mass_mobilisation",
        "field": "GPMB – tái định cư",
        "title": "Nhóm Zalo nắm tình hình Nhân dân trong thu hồi đất các dự án trên địa bàn xã",
        "situation": "Thông tin về tâm tư của hộ có đất bị thu hồi đến cấp ủy chậm, có lúc phát sinh bức xúc.",
        "goal": "Mọi vấn đề nổi cộm được báo cáo trong ngày và xử lý kịp thời.",
        "deliverable": "Nhóm nắm tình hình ở tất cả các thôn; báo cáo tổng hợp hằng tuần, hằng tháng.",
        "measures": "Chi bộ thôn lập nhóm; cán bộ theo dõi địa bàn trực nhóm; Thường trực Đảng ủy xử lý ngay.",
        "reference_documents": "Hướng dẫn số 05-HD/HU về công tác dân vận trong bồi thường, hỗ trợ, tái định cư",
        "deadline": (12, 15),
        "indicators": [("Thôn có nhóm nắm tình hình hoạt động", "%", 0, 100)],
        "milestones": [(3, 31, "Lập nhóm ở tất cả các thôn")],
        "steps": [],
    },
    {
        "year": CURRENT, "owner": "chutich.trungmon", "kind": "mass_mobilisation", "field": "Trật tự đô thị",
        "title": "Vận động dòng họ di chuyển ngôi mộ nằm trên tuyến đường liên thôn",
        "situation": "Một ngôi mộ nằm giữa tuyến đường liên thôn gây mất an toàn giao thông.",
        "goal": "Dòng họ đồng thuận di chuyển mộ đến nghĩa trang của xã.",
        "deliverable": "Tuyến đường thông suốt; biên bản di chuyển mộ.",
        "measures": "Gặp trưởng họ; hỗ trợ chi phí di chuyển theo quy định.",
        "deadline": (6, 30),
        "indicators": [("Mộ nằm trên tuyến đường", "ngôi", 1, 0)],
        "milestones": [(4, 30, "Gặp gỡ dòng họ")],
        "steps": [("withdraw", "Dòng họ đã tự nguyện di chuyển mộ sau buổi gặp mặt đầu năm; nội dung không còn là "
                               "việc khó.")],
    },
    {
        "year": CURRENT, "owner": "pbt.yenson", "kind": "hard", "field": "GPMB – tái định cư",
        "title": "Hoàn thiện phương án bồi thường, hỗ trợ, tái định cư và đối thoại với các hộ chưa nhận kinh phí "
                 "bồi thường",
        "situation": "Năm {y1} còn một số hộ chưa nhận kinh phí bồi thường; phương án tái định cư một số công "
                     "trình phải điều chỉnh.",
        "goal": "Phê duyệt xong phương án điều chỉnh và không còn hộ chưa nhận kinh phí bồi thường.",
        "deliverable": "Quyết định phê duyệt phương án điều chỉnh; biên bản đối thoại với từng hộ.",
        "measures": "Công khai lấy ý kiến Nhân dân; tổ chức đối thoại; xử lý dứt điểm vướng mắc.",
        "coordinating_units": "UBND huyện; UB MTTQ huyện; UBND các xã có dự án",
        "authority": "superior",
        "locality": "Huyện Yên Sơn",
        "deadline": (11, 30),
        "indicators": [("Hộ chưa nhận kinh phí bồi thường", "hộ", 11, 0)],
        "milestones": [(5, 31, "Công khai lấy ý kiến phương án điều chỉnh"), (10, 31, "Đối thoại xong với các hộ")],
        "steps": [("submit",), ("approve", "bithu.yenson", "mttq.yenson", QD_YENSON_CURR, (3, 2))],
    },
    {
        "year": CURRENT, "owner": "truongphong.ktht", "unit": "TQ-YENSON-KTHT", "kind": "breakthrough",
        "field": "Kinh tế",
        "title": "Tham mưu lập quy hoạch chung xây dựng xã Trung Môn",
        "situation": "Xã Trung Môn chưa có quy hoạch chung phù hợp với định hướng phát triển mới của huyện.",
        "goal": "Có quy hoạch chung xây dựng xã Trung Môn.",
        "deliverable": "Hồ sơ quy hoạch.",
        "measures": "Khảo sát hiện trạng; lấy ý kiến Nhân dân.",
        "deadline": (12, 15),
        "indicators": [("Đồ án quy hoạch", "đồ án", 0, 1)],
        "milestones": [(9, 30, "Khảo sát hiện trạng")],
        "steps": [("submit",),
                  ("return", "bithu.yenson", "Sản phẩm chưa rõ: đề nghị xác định đồ án nào được trình phê duyệt "
                                             "trong năm, thời điểm trình và cấp phê duyệt.")],
    },
    {
        "year": CURRENT, "owner": "bithu.phuthuong", "unit": "HN-TAYHO-PHUTHUONG", "kind": "hard",
        "field": "Trật tự đô thị",
        "title": "Quản lý chặt quỹ đất đã giải phóng của dự án Nam Thăng Long giai đoạn 3, không để tái lấn chiếm",
        "situation": "104 ha đã bàn giao cho chủ đầu tư nhưng chưa thi công đồng loạt; xuất hiện nguy cơ tái lấn "
                     "chiếm, đổ phế thải.",
        "goal": "Không để xảy ra tái lấn chiếm; mọi vi phạm phát sinh được xử lý ngay từ đầu.",
        "deliverable": "Quy chế phối hợp quản lý mặt bằng với chủ đầu tư; sổ theo dõi tuần tra.",
        "measures": "Tuần tra định kỳ; camera tại các điểm nóng; giao tổ dân phố giám sát.",
        "coordinating_units": "Chủ đầu tư dự án; Công an phường; Đội trật tự xây dựng",
        "deadline": (12, 15),
        "indicators": [("Vi phạm phát sinh được xử lý ngay từ đầu", "%", None, 100),
                       ("Lượt tuần tra hiện trường", "lượt", 0, 48)],
        "milestones": [(2, 28, "Ký quy chế phối hợp với chủ đầu tư"), (12, 15, "Tổng kết")],
        "steps": [("submit",), ("approve", "chutich.tayho", "mttq.phuthuong", QD_TAYHO_CURR, (2, 25))],
    },
    {
        "year": CURRENT, "owner": "bithu.thuykhue", "kind": "breakthrough", "field": "Xây dựng Đảng",
        "title": "Đổi mới sinh hoạt chi bộ tổ dân phố: sinh hoạt chuyên đề hằng quý gắn với việc khó của địa bàn",
        "situation": "Sinh hoạt chi bộ tổ dân phố còn nặng thủ tục; mới khoảng 40% chi bộ sinh hoạt chuyên đề "
                     "đều đặn.",
        "goal": "100% chi bộ tổ dân phố sinh hoạt chuyên đề hằng quý, bàn việc cụ thể của địa bàn.",
        "deliverable": "Biên bản sinh hoạt chuyên đề của các chi bộ; báo cáo sơ kết.",
        "measures": "Đảng ủy gợi ý chủ đề từng quý; đảng ủy viên dự sinh hoạt ở chi bộ phụ trách.",
        "deadline": (12, 15),
        "indicators": [("Chi bộ tổ dân phố sinh hoạt chuyên đề hằng quý", "%", 40, 100)],
        "milestones": [(3, 31, "Ban hành định hướng chủ đề sinh hoạt cả năm")],
        "steps": [],
    },
]


# -- helpers --------------------------------------------------------------------------------------------------

def _text(value: Any, year: int) -> Any:
    return value.format(y=year, y1=year - 1) if isinstance(value, str) else value


def _form_data(spec: dict[str, Any], year: Year, fields: dict[str, Field]) -> dict[str, Any]:
    """Service input for the Form A keys present in ``spec`` (the whole task, or a step's changes)."""
    y = year.year
    out: dict[str, Any] = {}
    for key in tasks.TEXT_FIELDS + ("kind", "authority"):
        if key in spec:
            out[key] = _text(spec[key], y)
    if "field" in spec:
        out["field_id"] = fields[spec["field"]].id
    if "deadline" in spec:
        out["deadline"] = date(y, *spec["deadline"])
    if "indicators" in spec:
        out["indicators"] = [{"name": n, "unit": u, "baseline": b, "target": t} for n, u, b, t in spec["indicators"]]
    if "milestones" in spec:
        out["milestones"] = [{"description": _text(d, y), "due_on": date(y, m, day)} for m, day, d in
                             spec["milestones"]]
    return out


def _full_form(spec: dict[str, Any], year: Year, fields: dict[str, Field], owner: Person,
               units: dict[str, OrgUnit]) -> dict[str, Any]:
    data = _form_data(spec, year, fields)
    data.setdefault("locality", _locality(units[spec["unit"]] if spec.get("unit") else owner.org_unit))
    area = AREA_REFERENCES["HN" if (spec.get("unit") or _unit_code(owner)).startswith("HN") else "TQ"]
    refs = [_text(area, year.year)] + ([data["reference_documents"]] if data.get("reference_documents") else [])
    data["reference_documents"] = "; ".join(refs)
    data["is_committed"] = True
    return data


def _unit_code(person: Person) -> str:
    return person.org_unit.code if person.org_unit else ""


def _locality(unit: OrgUnit | None) -> str:
    """The unit and its district, e.g. "Phường Thụy Khuê, Quận Tây Hồ" (a cell names its ward instead)."""
    names = []
    while unit is not None and unit.level != OrgLevel.PROVINCE:
        if unit.level in (OrgLevel.COMMUNE, OrgLevel.DISTRICT):
            names.append(unit.name)
        unit = unit.parent
    return ", ".join(names)


def _year_data(number: int, opens: date, closes: date) -> dict[str, Any]:
    return {
        "year": number, "registration_opens_on": opens, "registration_closes_on": closes,
        "q1_deadline": date(number, 4, 5), "q2_deadline": date(number, 7, 5),
        "q3_deadline": date(number, 10, 5), "q4_deadline": date(number, 12, 20),
        "rating_regulation": "366-QĐ/TW" if number >= 2025 else "124-QĐ/TW",
    }


def _save_year(number: int, opens: date, closes: date) -> Year:
    existing = db.session.scalar(select(Year).where(Year.year == number))
    return admin.save_year(None, existing, _year_data(number, opens, closes))


def _load_fields() -> dict[str, Field]:
    out = {}
    for position, name in enumerate(FIELDS, start=1):
        existing = db.session.scalar(select(Field).where(func.lower(Field.name) == name.lower()))
        out[name] = existing or admin.save_field(None, None, {"name": name, "sort_order": position * 10})
    return out


def _unit_data(code: str, name: str, level: OrgLevel, parent: OrgUnit | None, head: Person | None) -> dict:
    return {"code": code, "name": name, "level": level, "parent_id": parent.id if parent else None,
            "head_id": head.id if head else None, "is_active": True}


def _run_step(task: Task, step: tuple, base: dict[str, Any], year: Year, fields: dict[str, Field],
              persons: dict[str, Person]) -> None:
    action, *args = step
    owner, today = task.owner, clock.today()
    if action == "submit":
        tasks.submit_task(owner, task)
    elif action == "withdraw":
        tasks.withdraw_task(owner, task, _text(args[0], year.year))
    elif action == "return":
        tasks.return_task(persons[args[0]], task, comment=_text(args[1], year.year))
    elif action == "update":
        tasks.update_task(owner, task, {**base, **_form_data(args[0], year, fields)})
    elif action == "adjust":
        tasks.adjust_task(persons[args[0]], task, reason=_text(args[1], year.year),
                          data=_form_data(args[2], year, fields))
    elif action == "approve":
        approver, monitor, ref, (month, day) = args
        tasks.approve_task(persons[approver], task, decision_ref=ref,
                           decision_date=min(date(year.year, month, day), today), monitor=persons[monitor])
    else:  # pragma: no cover - a typo in TASKS
        raise ValueError(f"unknown demo step {action!r}")


# -- the loader -----------------------------------------------------------------------------------------------

def demo_present() -> bool:
    """True when the demo accounts exist already."""
    return db.session.scalar(select(Person.id).where(Person.username == DEMO_LOGINS[0][0])) is not None


def load_demo() -> bool:
    """Load the demo through the services and flush; False (changing nothing) when it is already there."""
    if demo_present():
        return False
    today = clock.today()
    current, previous = today.year, today.year - 1

    fields = _load_fields()

    units: dict[str, OrgUnit] = {}
    for code, name, level, parent, _head in UNITS:
        units[code] = admin.save_org_unit(None, None, _unit_data(code, name, level, units.get(parent), None))

    persons: dict[str, Person] = {}
    for username, full_name, position, unit, roles in PEOPLE:
        persons[username] = people.create_person(
            None, {"username": username, "full_name": full_name, "position": position,
                   "org_unit_id": units[unit].id, "roles": list(roles)}, password=DEMO_PASSWORD)

    for code, name, level, parent, head in UNITS:
        if head:
            admin.save_org_unit(None, units[code], _unit_data(code, name, level, units.get(parent), persons[head]))

    # The previous year's real window (1/11 to end of January) lies in the past; it is opened until today
    # only while its registrations are entered, then set back below.
    prev_window = (date(previous - 1, 11, 1), date(previous, 1, 31))
    years = {PREVIOUS: _save_year(previous, prev_window[0], max(today, prev_window[1]))}
    # The current year opens on 1/11 and first closes at the end of January; the secretariat then extends it
    # so that registration stays open at least 60 days from today.
    years[CURRENT] = _save_year(current, date(previous, 11, 1), date(current, 1, 31))
    extended = max(years[CURRENT].registration_closes_on, today + timedelta(days=60))
    years[CURRENT] = _save_year(current, date(previous, 11, 1), extended)

    for spec in TASKS:
        year, owner = years[spec["year"]], persons[spec["owner"]]
        base = _full_form(spec, year, fields, owner, units)
        unit_id = units[spec["unit"]].id if spec.get("unit") else None
        task = tasks.create_task(owner, year, base, owner_unit_id=unit_id)
        for step in spec["steps"]:
            _run_step(task, step, base, year, fields, persons)

    _save_year(previous, *prev_window)
    db.session.flush()
    return True
