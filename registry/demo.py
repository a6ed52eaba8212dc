"""Demo data drawn from the seed cases (Tây Hồ, Yên Sơn, and ideas from Long Biên and Hồ Sơn), told across the
2025 reform of the administration (since 1 July 2025 there is no district level).

Everything goes through the real services, so the demo obeys the same rules as users do and every task carries
a realistic audit history. ``load_demo`` only flushes; the caller (the ``flask demo`` command) commits.

The years are computed from ``clock.today()``: the previous calendar year (closed, its tasks decided) and the
current one (under way). The whole story is replayed in date order, each step inside ``clock.travel`` to its
day, so the audit trail reads in date order and every window and deadline check in the services applies as it
did then: set-up on 1/11 two years back; the previous year registered in January inside its window, reported on
quarter by quarter, assessed, reviewed at mid-year and decided at year end (one verdict reopened); the current
year opened on 1/11, registered in January (unfinished tasks carried over), reported on up to the last quarter
whose deadline has passed; and today the secretariat extends the window so that a visitor can register.

How the structure changes (authority belongs to committees: a person holds roles *in* units, and every task
belongs to the committee it is registered with):

- **Two provinces, separate.** Thành phố Hà Nội (``HN``) and Tỉnh Tuyên Quang (``TQ``) are both top units; no
  grant reaches from one into the other, so nobody on one side sees the other side's tasks. Each province's
  office (``vanphong.hanoi``, ``vanphong.tuyenquang``) is the secretariat of its top unit; the Hà Nội office
  opens the years (years and fields are installation-wide).
- **The previous year: districts.** At set-up the wards and communes sit under their district (Quận Tây Hồ,
  Huyện Yên Sơn), and every previous-year task is registered with the district committee, whose Standing
  Committee decides it and whose Fatherland Front monitors it, as in the seeds.
- **1 July of the previous year: the reform** (``REFORM_DAY``). The province office moves each district's wards
  and communes (with their Party cells) up under the province, and marks the district and its agencies
  inactive: they stay in the tree, level district, under their province, holding their year's tasks. The
  people take their new posts (``AFTER_REFORM``): the ward and commune committees get their own Standing
  Committee, secretariat, inspector, monitor and owners; some district cadres move up to the province
  committee.
- **The district committees close their year** (``YEAR_CLOSE_DAY``, after the December verdicts). Until then
  their members keep their grants in the inactive district, so the year's registrations are decided by the
  committee that approved them. Then the province office ends every grant held in an inactive unit and merges
  each closed unit into its successor with ``admin.merge_units`` (``SUCCESSORS``: the district's office into
  the province's office, and so on, then the district into the province). The merge comes only now, because
  it hands a unit's grants and open tasks to its successor: by then there are neither. The previous year's
  tasks stay registered with the districts, read by the province's Standing Committee, secretariat and
  inspectors (the committee above) and by their owners.
- **The current year: province → wards, communes and agencies.** Every current-year task is registered with a
  ward or commune committee, or with the province committee, decided by a Standing Committee member of that
  committee and monitored by that committee's monitor. The unfinished district tasks carried over land with
  the district's successor, the province committee (``review.carry_over`` follows ``merged_into``).

The people and their names are invented; the cases and figures come from the seed articles.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import func, select

from registry import clock
from registry.models import (
    Assessment,
    Field,
    Indicator,
    Judgement,
    OrgLevel,
    OrgUnit,
    Period,
    Person,
    ProgressStatus,
    Role,
    Task,
    VerdictLevel,
    Year,
    db,
)
from registry.services import (
    admin,
    evidence,
    monitoring,
    people,
    progress,
    review,
    tasks,
)
from registry.services.evidence import EvidenceStore

DEMO_PASSWORD = "demo-2026-vk"

#: accounts to try the demo with (username, what you see when signed in as them); the first one marks the
#: demo as loaded
DEMO_LOGINS: list[tuple[str, str]] = [
    ("chutich.thuykhue", "Chủ tịch UBND phường Thụy Khuê — người đăng ký việc khó (cá nhân): việc mương Thụy Khuê "
                         "năm trước của Quận ủy Tây Hồ, chuyển sang năm nay do Thành ủy theo dõi; việc mới đăng "
                         "ký với Đảng ủy phường"),
    ("pbt.tayho", "Phó Bí thư Thường trực Đảng ủy phường Thụy Khuê — Ban Thường vụ phường: phê duyệt, điều "
                  "chỉnh, trả lại đăng ký của phường; chỉ thấy việc của phường và việc của mình"),
    ("bithu.phuthuong", "Bí thư Đảng ủy phường Phú Thượng — Ban Thường vụ phường, đăng ký việc tập thể của "
                        "phường; đồng thời là Ủy viên BCH Đảng bộ Thành phố, đăng ký việc cá nhân với Thành ủy"),
    ("mttq.thuykhue", "Chủ tịch Ủy ban MTTQ phường Thụy Khuê — giám sát các việc của phường được phân công"),
    ("bithu.tayho", "Ủy viên Ban Thường vụ Thành ủy Hà Nội — phê duyệt, điều chỉnh, trả lại đăng ký với Thành ủy; "
                    "xem mọi việc của Hà Nội (các phường, và việc năm trước của Quận ủy Tây Hồ đã kết thúc)"),
    ("mttq.tayho", "Phó Chủ tịch Ủy ban MTTQ thành phố Hà Nội — giám sát các việc đăng ký với Thành ủy"),
    ("vanphong.tayho", "Phó Chánh Văn phòng Thành ủy Hà Nội — quản trị người dùng, đơn vị của Hà Nội, năm, lĩnh "
                       "vực"),
    ("ubkt.tayho", "Ủy viên Ủy ban Kiểm tra Thành ủy Hà Nội — xem mọi việc của Hà Nội, không sửa"),
    ("vanphong.thuykhue", "Chánh Văn phòng Đảng ủy phường Thụy Khuê — quản trị người dùng, đơn vị của phường"),
    ("bithu.yenson", "Ủy viên Ban Thường vụ Tỉnh ủy Tuyên Quang — phê duyệt việc đăng ký với Tỉnh ủy; xem mọi "
                     "việc của Tuyên Quang, không thấy việc của Hà Nội"),
    ("bithu.mybang", "Bí thư Đảng ủy xã Mỹ Bằng — Ban Thường vụ xã: phê duyệt việc của xã; đăng ký việc tập thể"),
    ("mttq.yenson", "Phó Chủ tịch Ủy ban MTTQ tỉnh Tuyên Quang — giám sát các việc đăng ký với Tỉnh ủy"),
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

#: the committees tasks are registered with (unit codes)
HN, TAYHO, THUYKHUE, PHUTHUONG, QUANGAN, YENPHU = ("HN", "HN-TAYHO", "HN-THUYKHUE", "HN-PHUTHUONG", "HN-QUANGAN",
                                                   "HN-YENPHU")
TQ, YENSON, MYBANG, DAOVIEN, TRUNGMON = "TQ", "TQ-YENSON", "TQ-MYBANG", "TQ-DAOVIEN", "TQ-TRUNGMON"

#: (code, name, level, parent code at set-up, head's username at set-up) — parents before children. At set-up
#: the wards and communes sit under their district; at the reform they move up to the province, and the
#: districts and their agencies become inactive (``_Story.reform``)
UNITS: list[tuple[str, str, OrgLevel, str | None, str | None]] = [
    (HN, "Thành phố Hà Nội", P, None, None),
    ("HN-VPTU", "Văn phòng Thành ủy Hà Nội", A, HN, "vanphong.hanoi"),
    ("HN-UBKT", "Ủy ban Kiểm tra Thành ủy Hà Nội", A, HN, None),
    ("HN-MTTQ", "Ủy ban MTTQ Việt Nam thành phố Hà Nội", A, HN, None),
    ("HN-BDV", "Ban Dân vận Thành ủy Hà Nội", A, HN, None),
    ("HN-HLHPN", "Hội Liên hiệp Phụ nữ thành phố Hà Nội", A, HN, None),
    (TAYHO, "Quận Tây Hồ", D, HN, "bithu.tayho"),
    (THUYKHUE, "Phường Thụy Khuê", C, TAYHO, "bithu.thuykhue"),
    ("HN-THUYKHUE-CB9", "Chi bộ Tổ dân phố số 9", CELL, THUYKHUE, "bithu.tdp9"),
    (PHUTHUONG, "Phường Phú Thượng", C, TAYHO, "bithu.phuthuong"),
    (QUANGAN, "Phường Quảng An", C, TAYHO, "bithu.quangan"),
    (YENPHU, "Phường Yên Phụ", C, TAYHO, "bithu.yenphu"),
    ("HN-TAYHO-MTTQ", "Ủy ban MTTQ quận Tây Hồ", A, TAYHO, "mttq.tayho"),
    ("HN-TAYHO-VPQU", "Văn phòng Quận ủy Tây Hồ", A, TAYHO, "vanphong.tayho"),
    ("HN-TAYHO-BDV", "Ban Dân vận Quận ủy Tây Hồ", A, TAYHO, "btv.danvan"),
    ("HN-TAYHO-UBKT", "Ủy ban Kiểm tra Quận ủy Tây Hồ", A, TAYHO, None),
    ("HN-TAYHO-HLHPN", "Hội Liên hiệp Phụ nữ quận Tây Hồ", A, TAYHO, "hoilhpn.tayho"),
    (TQ, "Tỉnh Tuyên Quang", P, None, None),
    ("TQ-VPTU", "Văn phòng Tỉnh ủy Tuyên Quang", A, TQ, "vanphong.tuyenquang"),
    ("TQ-UBKT", "Ủy ban Kiểm tra Tỉnh ủy Tuyên Quang", A, TQ, None),
    ("TQ-MTTQ", "Ủy ban MTTQ Việt Nam tỉnh Tuyên Quang", A, TQ, None),
    ("TQ-SXD", "Sở Xây dựng tỉnh Tuyên Quang", A, TQ, None),
    ("TQ-SXD-QHKT", "Phòng Quy hoạch – Kiến trúc, Sở Xây dựng tỉnh Tuyên Quang", A, "TQ-SXD", None),
    (YENSON, "Huyện Yên Sơn", D, TQ, "bithu.yenson"),
    (MYBANG, "Xã Mỹ Bằng", C, YENSON, "bithu.mybang"),
    (DAOVIEN, "Xã Đạo Viện", C, YENSON, "bithu.daovien"),
    (TRUNGMON, "Xã Trung Môn", C, YENSON, "bithu.trungmon"),
    ("TQ-YENSON-KTHT", "Phòng Kinh tế - Hạ tầng huyện Yên Sơn", A, YENSON, "truongphong.ktht"),
    ("TQ-YENSON-MTTQ", "Ủy ban MTTQ huyện Yên Sơn", A, YENSON, "mttq.yenson"),
    ("TQ-YENSON-VPHU", "Văn phòng Huyện ủy Yên Sơn", A, YENSON, None),
    ("TQ-YENSON-UBKT", "Ủy ban Kiểm tra Huyện ủy Yên Sơn", A, YENSON, None),
]

#: heads named at the reform (units created at set-up without one)
REFORM_HEADS = {"TQ-SXD-QHKT": "truongphong.ktht"}

#: once its year is decided, each closed unit is merged into its successor (``admin.merge_units``): the
#: district's agencies into the province's, then the district into the province, which takes its unfinished
#: work (a carried-over task goes to the committee its old one was merged into)
SUCCESSORS = {
    "HN-TAYHO-VPQU": "HN-VPTU", "HN-TAYHO-UBKT": "HN-UBKT", "HN-TAYHO-MTTQ": "HN-MTTQ", "HN-TAYHO-BDV": "HN-BDV",
    "HN-TAYHO-HLHPN": "HN-HLHPN", TAYHO: HN,
    "TQ-YENSON-VPHU": "TQ-VPTU", "TQ-YENSON-UBKT": "TQ-UBKT", "TQ-YENSON-MTTQ": "TQ-MTTQ", "TQ-YENSON-KTHT": "TQ-SXD",
    YENSON: TQ,
}

O, M, S, SEC, INS = Role.OWNER, Role.MONITOR, Role.STANDING, Role.SECRETARIAT, Role.INSPECTOR

Grants = tuple[tuple[Role, str], ...]

#: (username, full name, position, unit code, grants as (role, unit code)) at set-up, before the reform — the
#: names are invented
PEOPLE: list[tuple[str, str, str, str, Grants]] = [
    # the province offices: secretariat of the top units (the Hà Nội office opens the years)
    ("vanphong.hanoi", "Trương Thị Kim Oanh", "Chánh Văn phòng Thành ủy Hà Nội", "HN-VPTU", ((SEC, HN),)),
    ("vanphong.tuyenquang", "Hoàng Văn Tuấn", "Chánh Văn phòng Tỉnh ủy Tuyên Quang", "TQ-VPTU", ((SEC, TQ),)),
    # Quận Tây Hồ: Standing Committee
    ("bithu.tayho", "Nguyễn Thị Minh Hằng", "Bí thư Quận ủy Tây Hồ", TAYHO, ((S, TAYHO),)),
    ("pbt.tayho", "Trần Quốc Hùng", "Phó Bí thư Thường trực Quận ủy", TAYHO, ((S, TAYHO), (O, TAYHO))),
    ("chutich.tayho", "Lê Mạnh Cường", "Phó Bí thư Quận ủy, Chủ tịch UBND quận", TAYHO, ((S, TAYHO), (O, TAYHO))),
    ("btv.danvan", "Phạm Thị Thu Hà", "Ủy viên BTV Quận ủy, Trưởng Ban Dân vận Quận ủy", "HN-TAYHO-BDV",
     ((S, TAYHO), (O, TAYHO))),
    ("btv.tochuc", "Đỗ Văn Long", "Ủy viên BTV Quận ủy, Trưởng Ban Tổ chức Quận ủy", TAYHO, ((S, TAYHO),)),
    ("bithu.phuthuong", "Vũ Xuân Đạt", "Ủy viên BTV Quận ủy, Bí thư Đảng ủy phường Phú Thượng", PHUTHUONG,
     ((O, TAYHO), (S, TAYHO))),
    # Tây Hồ: wards, Party cell, socio-political organisations (executive committee members of the district)
    ("chutich.phuthuong", "Nguyễn Văn Bình", "Phó Bí thư Đảng ủy, Chủ tịch UBND phường Phú Thượng", PHUTHUONG,
     ((O, TAYHO),)),
    ("bithu.thuykhue", "Hoàng Thị Lan", "Bí thư Đảng ủy phường Thụy Khuê", THUYKHUE, ((O, TAYHO),)),
    ("chutich.thuykhue", "Lê Văn Thịnh", "Phó Bí thư Đảng ủy, Chủ tịch UBND phường Thụy Khuê", THUYKHUE,
     ((O, TAYHO),)),
    ("bithu.quangan", "Đặng Minh Tuấn", "Bí thư Đảng ủy phường Quảng An", QUANGAN, ((O, TAYHO),)),
    ("chutich.quangan", "Bùi Thị Ngọc Anh", "Chủ tịch UBND phường Quảng An", QUANGAN, ((O, TAYHO),)),
    ("bithu.yenphu", "Ngô Quang Huy", "Bí thư Đảng ủy phường Yên Phụ", YENPHU, ((O, TAYHO),)),
    ("chutich.yenphu", "Trịnh Thị Mai", "Chủ tịch UBND phường Yên Phụ", YENPHU, ((O, TAYHO),)),
    ("bithu.tdp9", "Nguyễn Hữu Phúc", "Bí thư Chi bộ Tổ dân phố số 9, phường Thụy Khuê", "HN-THUYKHUE-CB9",
     ((O, TAYHO),)),
    ("hoilhpn.tayho", "Phan Thị Hồng Nhung", "Ủy viên BCH Đảng bộ quận, Chủ tịch Hội LHPN quận", "HN-TAYHO-HLHPN",
     ((O, TAYHO),)),
    # Tây Hồ: Fatherland Front monitors named by the district committee
    ("mttq.tayho", "Đinh Văn Sơn", "Chủ tịch Ủy ban MTTQ quận Tây Hồ", "HN-TAYHO-MTTQ", ((M, TAYHO),)),
    ("mttq.pho.tayho", "Lương Thị Thanh Hương", "Phó Chủ tịch Ủy ban MTTQ quận Tây Hồ", "HN-TAYHO-MTTQ",
     ((M, TAYHO),)),
    ("mttq.thuykhue", "Tạ Quang Vinh", "Chủ tịch Ủy ban MTTQ phường Thụy Khuê", THUYKHUE, ((M, TAYHO),)),
    ("mttq.phuthuong", "Kiều Thị Bích Ngọc", "Chủ tịch Ủy ban MTTQ phường Phú Thượng", PHUTHUONG, ((M, TAYHO),)),
    # Tây Hồ: office and inspection
    ("vanphong.tayho", "Mai Văn Khánh", "Ủy viên BCH Đảng bộ quận, Chánh Văn phòng Quận ủy", "HN-TAYHO-VPQU",
     ((SEC, TAYHO), (O, TAYHO))),
    ("ubkt.tayho", "Cao Thị Thanh Thủy", "Ủy viên Ủy ban Kiểm tra Quận ủy", "HN-TAYHO-UBKT", ((INS, TAYHO),)),
    # Huyện Yên Sơn
    ("bithu.yenson", "Hà Văn Quang", "Bí thư Huyện ủy Yên Sơn", YENSON, ((S, YENSON),)),
    ("pbt.yenson", "Ma Văn Kiên", "Phó Bí thư Thường trực Huyện ủy, Chủ tịch HĐND huyện", YENSON,
     ((S, YENSON), (O, YENSON))),
    ("btv.yenson", "Nông Thị Hạnh", "Ủy viên BTV Huyện ủy, Trưởng Ban Tuyên giáo Huyện ủy", YENSON, ((S, YENSON),)),
    ("bithu.mybang", "Hoàng Minh Tiến", "Bí thư Đảng ủy xã Mỹ Bằng", MYBANG, ((O, YENSON),)),
    ("chutich.mybang", "Lý Văn Hòa", "Phó Bí thư Đảng ủy, Chủ tịch UBND xã Mỹ Bằng", MYBANG, ((O, YENSON),)),
    ("bithu.daovien", "Quan Thị Dung", "Bí thư Đảng ủy xã Đạo Viện", DAOVIEN, ((O, YENSON),)),
    ("chutich.daovien", "Triệu Đức Mạnh", "Chủ tịch UBND xã Đạo Viện", DAOVIEN, ((O, YENSON),)),
    ("bithu.trungmon", "Chu Văn Thắng", "Bí thư Đảng ủy xã Trung Môn", TRUNGMON, ((O, YENSON),)),
    ("chutich.trungmon", "Lã Thị Thu", "Chủ tịch UBND xã Trung Môn", TRUNGMON, ((O, YENSON),)),
    ("truongphong.ktht", "Vương Đình Nam", "Trưởng phòng Kinh tế - Hạ tầng huyện Yên Sơn", "TQ-YENSON-KTHT",
     ((O, YENSON),)),
    ("mttq.yenson", "Sầm Văn Lực", "Chủ tịch Ủy ban MTTQ huyện Yên Sơn", "TQ-YENSON-MTTQ", ((M, YENSON),)),
    ("mttq.pho.yenson", "Âu Thị Phương", "Phó Chủ tịch Ủy ban MTTQ huyện Yên Sơn", "TQ-YENSON-MTTQ",
     ((M, YENSON),)),
    ("mttq.mybang", "Hà Thị Xuân", "Chủ tịch Ủy ban MTTQ xã Mỹ Bằng", MYBANG, ((M, YENSON),)),
    ("vanphong.yenson", "Lò Thị Huyền", "Phó Chánh Văn phòng Huyện ủy Yên Sơn", "TQ-YENSON-VPHU", ((SEC, YENSON),)),
    ("ubkt.yenson", "Nguyễn Đức Thọ", "Ủy viên Ủy ban Kiểm tra Huyện ủy Yên Sơn", "TQ-YENSON-UBKT",
     ((INS, YENSON),)),
]

#: each person's post from the reform on: (position, unit code, grants) — None keeps the position. The grants
#: are added to those held in the district, which go at YEAR_CLOSE_DAY
AFTER_REFORM: dict[str, tuple[str | None, str, Grants]] = {
    # Hà Nội: the city committee (Thành ủy)
    "bithu.tayho": ("Ủy viên Ban Thường vụ Thành ủy Hà Nội, nguyên Bí thư Quận ủy Tây Hồ", HN, ((S, HN),)),
    "vanphong.tayho": ("Phó Chánh Văn phòng Thành ủy Hà Nội, nguyên Chánh Văn phòng Quận ủy Tây Hồ", "HN-VPTU",
                       ((SEC, HN), (O, HN))),
    "ubkt.tayho": ("Ủy viên Ủy ban Kiểm tra Thành ủy Hà Nội", "HN-UBKT", ((INS, HN),)),
    "mttq.tayho": ("Phó Chủ tịch Ủy ban MTTQ Việt Nam thành phố Hà Nội, nguyên Chủ tịch Ủy ban MTTQ quận Tây Hồ",
                   "HN-MTTQ", ((M, HN),)),
    "btv.danvan": ("Phó Trưởng Ban Dân vận Thành ủy Hà Nội, nguyên Trưởng Ban Dân vận Quận ủy Tây Hồ", "HN-BDV",
                   ((O, HN),)),
    # Phường Thụy Khuê
    "bithu.thuykhue": (None, THUYKHUE, ((S, THUYKHUE), (O, THUYKHUE))),
    "pbt.tayho": ("Phó Bí thư Thường trực Đảng ủy phường Thụy Khuê, nguyên Phó Bí thư Thường trực Quận ủy Tây Hồ",
                  THUYKHUE, ((S, THUYKHUE),)),
    "chutich.thuykhue": (None, THUYKHUE, ((O, THUYKHUE),)),
    "bithu.tdp9": (None, "HN-THUYKHUE-CB9", ((O, THUYKHUE),)),
    "mttq.thuykhue": (None, THUYKHUE, ((M, THUYKHUE),)),
    # Phường Phú Thượng; its Party secretary also sits on the city's executive committee
    "bithu.phuthuong": ("Ủy viên BCH Đảng bộ Thành phố, Bí thư Đảng ủy phường Phú Thượng", PHUTHUONG,
                        ((S, PHUTHUONG), (O, PHUTHUONG), (O, HN))),
    "chutich.tayho": ("Phó Bí thư Thường trực Đảng ủy phường Phú Thượng, nguyên Chủ tịch UBND quận Tây Hồ",
                      PHUTHUONG, ((S, PHUTHUONG),)),
    "chutich.phuthuong": (None, PHUTHUONG, ((O, PHUTHUONG),)),
    "hoilhpn.tayho": ("Ủy viên BCH Đảng bộ phường, Chủ tịch Hội LHPN phường Phú Thượng", PHUTHUONG,
                      ((O, PHUTHUONG),)),
    "mttq.phuthuong": (None, PHUTHUONG, ((M, PHUTHUONG),)),
    # Phường Quảng An, Phường Yên Phụ
    "bithu.quangan": (None, QUANGAN, ((S, QUANGAN), (O, QUANGAN))),
    "chutich.quangan": ("Phó Bí thư Đảng ủy, Chủ tịch UBND phường Quảng An", QUANGAN, ((S, QUANGAN), (O, QUANGAN))),
    "bithu.yenphu": (None, YENPHU, ((S, YENPHU), (O, YENPHU))),
    "btv.tochuc": ("Phó Bí thư Thường trực Đảng ủy phường Yên Phụ, nguyên Trưởng Ban Tổ chức Quận ủy Tây Hồ",
                   YENPHU, ((S, YENPHU),)),
    "chutich.yenphu": (None, YENPHU, ((O, YENPHU),)),
    "mttq.pho.tayho": ("Chủ tịch Ủy ban MTTQ phường Yên Phụ, nguyên Phó Chủ tịch Ủy ban MTTQ quận Tây Hồ", YENPHU,
                       ((M, YENPHU),)),
    # Tuyên Quang: the province committee (Tỉnh ủy)
    "bithu.yenson": ("Ủy viên Ban Thường vụ Tỉnh ủy Tuyên Quang, nguyên Bí thư Huyện ủy Yên Sơn", TQ, ((S, TQ),)),
    "vanphong.yenson": ("Phó Chánh Văn phòng Tỉnh ủy Tuyên Quang", "TQ-VPTU", ((SEC, TQ),)),
    "ubkt.yenson": ("Ủy viên Ủy ban Kiểm tra Tỉnh ủy Tuyên Quang", "TQ-UBKT", ((INS, TQ),)),
    "mttq.yenson": ("Phó Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Tuyên Quang, nguyên Chủ tịch Ủy ban MTTQ huyện Yên Sơn",
                    "TQ-MTTQ", ((M, TQ),)),
    "pbt.yenson": ("Ủy viên BCH Đảng bộ tỉnh, Phó Trưởng Ban Quản lý dự án đầu tư xây dựng tỉnh, nguyên Phó Bí thư "
                   "Thường trực Huyện ủy Yên Sơn", TQ, ((O, TQ),)),
    "truongphong.ktht": ("Trưởng phòng Quy hoạch – Kiến trúc, Sở Xây dựng tỉnh Tuyên Quang, nguyên Trưởng phòng "
                         "Kinh tế - Hạ tầng huyện Yên Sơn", "TQ-SXD-QHKT", ((O, TQ),)),
    # Xã Mỹ Bằng
    "bithu.mybang": (None, MYBANG, ((S, MYBANG), (O, MYBANG))),
    "btv.yenson": ("Phó Bí thư Thường trực Đảng ủy xã Mỹ Bằng, nguyên Ủy viên BTV Huyện ủy Yên Sơn", MYBANG,
                   ((S, MYBANG),)),
    "chutich.mybang": (None, MYBANG, ((O, MYBANG),)),
    "mttq.mybang": (None, MYBANG, ((M, MYBANG),)),
    # Xã Đạo Viện; its Party secretary also sits on the province's executive committee
    "bithu.daovien": ("Ủy viên BCH Đảng bộ tỉnh, Bí thư Đảng ủy xã Đạo Viện", DAOVIEN,
                      ((S, DAOVIEN), (O, DAOVIEN), (O, TQ))),
    "chutich.daovien": (None, DAOVIEN, ((O, DAOVIEN),)),
    "mttq.pho.yenson": ("Chủ tịch Ủy ban MTTQ xã Đạo Viện, nguyên Phó Chủ tịch Ủy ban MTTQ huyện Yên Sơn", DAOVIEN,
                        ((M, DAOVIEN),)),
    # Xã Trung Môn
    "bithu.trungmon": (None, TRUNGMON, ((S, TRUNGMON), (O, TRUNGMON))),
    "chutich.trungmon": (None, TRUNGMON, ((O, TRUNGMON),)),
}

#: accounts the province offices create at the reform, for the new ward and commune committees
NEW_AT_REFORM: list[tuple[str, str, str, str, Grants]] = [
    ("vanphong.thuykhue", "Đỗ Thị Thu Trang", "Chánh Văn phòng Đảng ủy phường Thụy Khuê", THUYKHUE,
     ((SEC, THUYKHUE),)),
    ("ubkt.thuykhue", "Phùng Văn Hải", "Chủ nhiệm Ủy ban Kiểm tra Đảng ủy phường Thụy Khuê", THUYKHUE,
     ((INS, THUYKHUE),)),
    ("vanphong.phuthuong", "Lại Thị Hoa", "Chánh Văn phòng Đảng ủy phường Phú Thượng", PHUTHUONG,
     ((SEC, PHUTHUONG),)),
    ("ubkt.phuthuong", "Khúc Minh Đức", "Chủ nhiệm Ủy ban Kiểm tra Đảng ủy phường Phú Thượng", PHUTHUONG,
     ((INS, PHUTHUONG),)),
    ("vanphong.mybang", "Ma Thị Liên", "Chánh Văn phòng Đảng ủy xã Mỹ Bằng", MYBANG, ((SEC, MYBANG),)),
    ("ubkt.mybang", "Nông Văn Chiến", "Chủ nhiệm Ủy ban Kiểm tra Đảng ủy xã Mỹ Bằng", MYBANG, ((INS, MYBANG),)),
]

#: the reform takes effect (month, day of the previous year); the district committees close their year
REFORM_DAY, YEAR_CLOSE_DAY = (7, 1), (12, 27)

#: the secretariat of each province's top unit, who carries the reform out and runs its mid-year reviews
PROVINCE_OFFICES = {HN: "vanphong.hanoi", TQ: "vanphong.tuyenquang"}

#: reference documents every registration with a committee cites ({y} is the task's year); a ward or commune
#: committee not listed cites its own plan (``_references``)
COMMITTEE_REFERENCES = {
    TAYHO: "Kết luận số 03-KL/QU ngày 28/10/{y1} của Ban Thường vụ Quận ủy Tây Hồ về đăng ký, giải quyết việc "
           "khó năm {y}",
    YENSON: "Kế hoạch số 09-KH/HU ngày 30/10/{y1} của Ban Thường vụ Huyện ủy Yên Sơn về giao việc đột phá, đổi mới "
            "năm {y}",
    HN: "Kế hoạch số 21-KH/TU ngày 30/10/{y1} của Ban Thường vụ Thành ủy Hà Nội về đăng ký, giải quyết việc khó "
        "năm {y}",
    TQ: "Kế hoạch số 14-KH/TU ngày 31/10/{y1} của Ban Thường vụ Tỉnh ủy Tuyên Quang về giao việc đột phá, đổi mới "
        "năm {y}",
}

QD_TAYHO_PREV, QD_YENSON_PREV = "Quyết định số 25-QĐ/QU", "Quyết định số 1520-QĐ/HU"
QD_HANOI, QD_TUYENQUANG = "Quyết định số 1125-QĐ/TU", "Quyết định số 864-QĐ/TU"
QD_THUYKHUE, QD_PHUTHUONG, QD_YENPHU = "Quyết định số 12-QĐ/ĐU", "Quyết định số 09-QĐ/ĐU", "Quyết định số 07-QĐ/ĐU"
QD_MYBANG, QD_DAOVIEN = "Quyết định số 05-QĐ/ĐU", "Quyết định số 06-QĐ/ĐU"

PREVIOUS, CURRENT = -1, 0


class On(NamedTuple):
    """The day (in the task's year) on which a registration step happens."""

    month: int
    day: int


# Each task: "key" (to refer to it), "year" (PREVIOUS or CURRENT), "committee" (the code of the committee it is
# registered with), "owner" (username), "unit" (a unit code for a collective registration, registered by its
# head), the Form A fields, "deadline" and milestones as (month, day), indicators as (name, unit, baseline,
# target), and "steps" replayed through the services after creation:
#   ("submit",)  ("withdraw", reason)  ("return", standing, comment)  ("update", {changes})
#   ("adjust", standing, reason, {changes})  ("approve", standing, monitor, decision ref, On(month, day))
# A task is registered in January of its year (a day set by its place in the list), each step one day after the
# one before, or on the day given by a trailing On(month, day). "carry": the key of the previous year's task it
# carries over (with "carry_reason"); the owner then completes the new draft with ("update", {}).
# Text may use {y} (the task's year) and {y1} (the year before).
TASKS: list[dict[str, Any]] = [
    # ---------------------------------------------------------------- previous year: decided
    {
        "key": "canal", "committee": TAYHO,
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
        "steps": [("submit",), ("approve", "pbt.tayho", "mttq.thuykhue", QD_TAYHO_PREV, On(1, 22))],
    },
    {
        "key": "nam_thang_long", "committee": TAYHO,
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
        "steps": [("submit",), ("approve", "bithu.tayho", "mttq.phuthuong", QD_TAYHO_PREV, On(1, 22))],
    },
    {
        "key": "tam_da", "committee": TAYHO,
        "year": PREVIOUS, "owner": "bithu.thuykhue", "unit": THUYKHUE, "kind": "hard",
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
            ("approve", "chutich.tayho", "mttq.tayho", "Quyết định số 31-QĐ/QU", On(1, 26)),
        ],
    },
    {
        "key": "my_bang_plan", "committee": YENSON,
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
            ("approve", "bithu.yenson", "mttq.yenson", QD_YENSON_PREV, On(1, 24)),
        ],
    },
    {
        "key": "dao_vien_land", "committee": YENSON,
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
        "steps": [("submit",), ("approve", "pbt.yenson", "mttq.pho.yenson", QD_YENSON_PREV, On(1, 24))],
    },
    {
        "key": "dao_vien_mining", "committee": YENSON,
        "year": PREVIOUS, "owner": "bithu.daovien", "unit": DAOVIEN, "kind": "hard",
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
        "steps": [("submit",), ("approve", "btv.yenson", "mttq.yenson", QD_YENSON_PREV, On(1, 24))],
    },
    {
        "key": "dam_bay", "committee": TAYHO,
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
        "steps": [("submit",), ("approve", "bithu.tayho", "mttq.pho.tayho", QD_TAYHO_PREV, On(1, 22))],
    },
    {
        "key": "quang_an_violations", "committee": TAYHO,
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
        "key": "yen_son_gpmb", "committee": YENSON,
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
        "steps": [("submit",), ("approve", "bithu.yenson", "mttq.pho.yenson", QD_YENSON_PREV, On(1, 24))],
    },
    {
        "key": "my_bang_urban", "committee": YENSON,
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
        "steps": [("submit",), ("approve", "btv.yenson", "mttq.mybang", QD_YENSON_PREV, On(1, 24))],
    },
    # ---------------------------------------------------------------- current year: every state
    {
        "key": "canal_rest", "committee": HN,  # the district's successor takes its unfinished work
        "year": CURRENT, "owner": "chutich.thuykhue", "kind": "hard", "field": "GPMB – tái định cư",
        "carry": "canal",
        "carry_reason": "Việc chưa hoàn thành năm {y1} (36/44 hộ đã bàn giao mặt bằng); Ban Thường vụ Quận ủy kết "
                        "luận chuyển sang năm {y} để vận động 8 hộ còn lại khi có quỹ nhà tái định cư; Quận ủy kết "
                        "thúc hoạt động, Ban Thường vụ Thành ủy tiếp nhận, tiếp tục chỉ đạo.",
        "title": "Hoàn thành bàn giao mặt bằng 8 hộ còn lại của dự án mương thoát nước Thụy Khuê",
        "situation": "Năm {y1} đã vận động được 36/44 hộ bàn giao mặt bằng; 8 hộ còn lại cam kết đồng thuận khi "
                     "có quỹ nhà tái định cư.",
        "goal": "8 hộ còn lại bàn giao mặt bằng, hoàn thành giải phóng mặt bằng toàn dự án.",
        "deliverable": "Biên bản bàn giao mặt bằng của 8 hộ; mặt bằng sạch bàn giao cho chủ đầu tư.",
        "measures": "Phối hợp Sở Xây dựng hoàn thiện hồ sơ tái định cư cho từng hộ; tiếp tục gặp gỡ, giữ cam kết với các "
                    "hộ; công khai tiến độ bố trí nhà.",
        "coordinating_units": "Ban Quản lý dự án đầu tư xây dựng khu vực phường; UB MTTQ phường Thụy Khuê",
        "authority": "superior",
        "support_requested": "Đề nghị Thành phố sớm bàn giao quỹ nhà tái định cư cho phường.",
        "deadline": (10, 31),
        "indicators": [("Hộ chưa bàn giao mặt bằng", "hộ", 8, 0)],
        "milestones": [(5, 31, "Hoàn thành hồ sơ đề nghị bố trí tái định cư cho 8 hộ"),
                       (9, 30, "Nhận bàn giao mặt bằng")],
        "steps": [
            ("update", {}),
            ("submit",),
            ("adjust", "bithu.tayho", "Quỹ nhà tái định cư của Thành phố dự kiến bàn giao trong quý IV: điều chỉnh "
                                    "thời hạn và bổ sung chỉ tiêu bố trí nhà tái định cư.", {
                "deadline": (12, 15),
                "indicators": [("Hộ chưa bàn giao mặt bằng", "hộ", 8, 0),
                               ("Hộ được bố trí nhà tái định cư", "hộ", 0, 8)],
                "milestones": [(5, 31, "Hoàn thành hồ sơ đề nghị bố trí tái định cư cho 8 hộ"),
                               (11, 30, "Bố trí nhà tái định cư và nhận bàn giao mặt bằng")],
            }),
            ("approve", "bithu.tayho", "mttq.tayho", QD_HANOI, On(1, 27)),
        ],
    },
    {
        "key": "tam_da_house", "committee": THUYKHUE,
        "year": CURRENT, "owner": "bithu.tdp9", "unit": "HN-THUYKHUE-CB9", "kind": "mass_mobilisation",
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
        "steps": [("submit",), ("approve", "bithu.thuykhue", "mttq.thuykhue", QD_THUYKHUE, On(1, 27))],
    },
    {
        "key": "phu_thuong_jobs", "committee": PHUTHUONG,
        "year": CURRENT, "owner": "chutich.phuthuong", "kind": "hard", "field": "Văn hóa – xã hội",
        "title": "Ổn định đời sống, chuyển đổi nghề cho lao động các hộ bị thu hồi đất dự án Nam Thăng Long giai "
                 "đoạn 3",
        "situation": "Sau khi hoàn thành giải phóng 104 ha, nhiều lao động nông nghiệp mất tư liệu sản xuất, cần "
                     "được hỗ trợ chuyển đổi nghề, tìm việc làm.",
        "goal": "Lao động trong độ tuổi của các hộ bị thu hồi đất được hỗ trợ chuyển đổi nghề.",
        "deliverable": "Danh sách lao động đã được đào tạo nghề, giới thiệu việc làm; báo cáo kết quả.",
        "measures": "Khảo sát nhu cầu từng hộ; phối hợp trung tâm dịch vụ việc làm mở lớp nghề; kết nối doanh "
                    "nghiệp trên địa bàn tuyển dụng.",
        "coordinating_units": "Phòng Văn hóa – Xã hội phường; Trung tâm Dịch vụ việc làm Hà Nội; Hội Nông dân phường",
        "deadline": (11, 30),
        "indicators": [("Lao động được hỗ trợ chuyển đổi nghề", "người", 0, 120)],
        "milestones": [(4, 30, "Khảo sát nhu cầu chuyển đổi nghề"),
                       (10, 31, "Hoàn thành các lớp đào tạo nghề")],
        "steps": [("submit",), ("approve", "bithu.phuthuong", "mttq.phuthuong", QD_PHUTHUONG, On(1, 27))],
    },
    {
        "key": "quang_an_waste", "committee": QUANGAN,
        "year": CURRENT, "owner": "bithu.quangan", "unit": QUANGAN, "kind": "mass_mobilisation",
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
                  ("return", "chutich.quangan", "Chỉ tiêu chưa lượng hóa: đề nghị ghi rõ số điểm rác tự phát hiện có "
                                           "(giá trị ban đầu) và bổ sung mốc tiến độ theo quý.")],
    },
    {
        "key": "yen_phu_stoves", "committee": YENPHU,
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
        "steps": [("submit",), ("approve", "btv.tochuc", "mttq.pho.tayho", QD_YENPHU, On(1, 27))],
    },
    {
        "key": "yen_phu_online", "committee": YENPHU,
        "year": CURRENT, "owner": "bithu.yenphu", "unit": YENPHU, "kind": "breakthrough",
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
        "key": "archives", "committee": HN,
        "year": CURRENT, "owner": "vanphong.tayho", "kind": "breakthrough",
        "field": "Cải cách hành chính – chuyển đổi số",
        "title": "Tiếp nhận, số hóa hồ sơ, tài liệu lưu trữ của Quận ủy Tây Hồ giai đoạn 2010–2025",
        "situation": "Quận ủy Tây Hồ kết thúc hoạt động từ ngày 01/7/{y1}; tài liệu giấy lưu trữ nhiều năm chuyển về Văn "
                     "phòng Thành ủy, tra cứu chậm, có nguy cơ hư hỏng.",
        "goal": "Toàn bộ hồ sơ của Quận ủy giai đoạn 2010–2025 được tiếp nhận, số hóa, tra cứu được trên hệ thống.",
        "deliverable": "Cơ sở dữ liệu tài liệu lưu trữ số hóa, có biên bản nghiệm thu.",
        "measures": "Phân loại, chỉnh lý hồ sơ; thuê đơn vị số hóa; kiểm tra chất lượng từng đợt.",
        "coordinating_units": "Trung tâm Lưu trữ lịch sử Thành phố; Đảng ủy các phường Thụy Khuê, Phú Thượng, "
                              "Quảng An, Yên Phụ",
        "resources": "Kinh phí chi thường xuyên của Văn phòng Thành ủy",
        "deadline": (12, 15),
        "indicators": [("Trang tài liệu được số hóa", "trang", 0, 250000),
                       ("Hồ sơ tra cứu được trên hệ thống", "%", 0, 100)],
        "milestones": [(5, 31, "Chỉnh lý, phân loại hồ sơ"), (11, 30, "Nghiệm thu cơ sở dữ liệu")],
        "steps": [("submit",)],
    },
    {
        "key": "handbook", "committee": HN,
        "year": CURRENT, "owner": "btv.danvan", "kind": "mass_mobilisation", "field": "Xây dựng Đảng",
        "title": "Biên soạn Cẩm nang \"Dân vận khéo\" trong giải phóng mặt bằng và tập huấn cho cán bộ cơ sở",
        "situation": "Cách làm hay trong vận động Nhân dân bàn giao mặt bằng chưa được tổng hợp, nhân rộng; đội "
                     "ngũ bí thư chi bộ, tổ trưởng tổ dân phố thay đổi nhiều sau khi sắp xếp đơn vị hành chính.",
        "goal": "Có cẩm nang thống nhất và 100% bí thư chi bộ, tổ trưởng tổ dân phố được tập huấn.",
        "deliverable": "Cẩm nang \"Dân vận khéo\" trong giải phóng mặt bằng được phát hành.",
        "measures": "Tổ chức hội thảo tổng hợp kinh nghiệm các phường; biên soạn, xin ý kiến; tập huấn theo cụm.",
        "coordinating_units": "Ủy ban MTTQ Việt Nam thành phố; Đảng ủy các phường, xã",
        "reference_documents": "Kế hoạch số 18-KH/QU ngày 30/12/2020 về chủ đề \"Năm Dân vận khéo\"",
        "deadline": (10, 31),
        "indicators": [("Cẩm nang được phát hành", "cuốn", 0, 1),
                       ("Bí thư chi bộ, tổ trưởng tổ dân phố được tập huấn", "người", 0, 400)],
        "milestones": [(4, 30, "Hội thảo tổng hợp kinh nghiệm"), (7, 31, "Phát hành cẩm nang"),
                       (10, 15, "Hoàn thành tập huấn")],
        "steps": [("submit",), ("approve", "bithu.tayho", "mttq.tayho", QD_HANOI, On(1, 27))],
    },
    {
        "key": "women_union", "committee": PHUTHUONG,
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
        "key": "quang_an_land", "committee": QUANGAN,
        "year": CURRENT, "owner": "chutich.quangan", "kind": "hard", "field": "Trật tự đô thị",
        "title": "Khắc phục dứt điểm vi phạm trong sử dụng đất công, đất nông nghiệp theo kết luận thanh tra",
        "situation": "Kết luận thanh tra chỉ ra nhiều trường hợp sử dụng đất công, đất nông nghiệp sai mục đích; "
                     "việc khắc phục kéo dài.",
        "goal": "Khắc phục dứt điểm các vi phạm theo kết luận thanh tra, không để phát sinh vi phạm mới.",
        "deliverable": "Báo cáo kết quả khắc phục từng trường hợp gửi Ban Thường vụ Đảng ủy phường.",
        "measures": "Phân nhóm vi phạm; giao cán bộ theo dõi từng trường hợp; vận động tự khắc phục, xử lý theo "
                    "quy định.",
        "coordinating_units": "Phòng Kinh tế, Hạ tầng và Đô thị phường; Thanh tra Thành phố",
        "deadline": (12, 15),
        "indicators": [("Vi phạm chưa khắc phục", "trường hợp", None, 0)],
        "milestones": [(12, 15, "Khắc phục xong các vi phạm")],
        "steps": [
            ("submit",),
            ("return", "bithu.quangan", "Đề nghị nêu rõ số trường hợp vi phạm còn tồn tại theo kết luận thanh tra "
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
        "key": "tay_ho_tay_roads", "committee": HN,
        "year": CURRENT, "owner": "bithu.phuthuong", "kind": "hard", "field": "GPMB – tái định cư",
        "title": "Tháo gỡ vướng mắc giải phóng mặt bằng các tuyến đường khu đô thị Tây Hồ Tây",
        "situation": "Một số tuyến đường khu đô thị Tây Hồ Tây còn vướng mặt bằng, làm chậm kết nối giao thông.",
        "goal": "Bàn giao toàn bộ mặt bằng còn vướng cho chủ đầu tư.",
        "deliverable": "Biên bản bàn giao mặt bằng các tuyến đường.",
        "measures": "Họp định kỳ hằng tháng với chủ đầu tư và các phường; giải quyết dứt điểm đơn thư; đối thoại.",
        "coordinating_units": "UBND các phường Phú Thượng, Xuân Đỉnh; Ban Quản lý dự án đầu tư xây dựng công "
                              "trình giao thông Thành phố",
        "authority": "superior",
        "locality": "Khu đô thị Tây Hồ Tây, phường Phú Thượng",
        "deadline": (12, 15),
        "indicators": [("Diện tích còn vướng mắc", "m²", 3500, 0)],
        "milestones": [(6, 30, "Giải quyết xong đơn thư tồn đọng"), (11, 30, "Bàn giao mặt bằng")],
        "steps": [("submit",), ("approve", "bithu.tayho", "mttq.tayho", QD_HANOI, On(1, 27))],
    },
    {
        "key": "my_bang_investment", "committee": MYBANG,
        "year": CURRENT, "owner": "chutich.mybang", "kind": "breakthrough", "field": "Kinh tế",
        "title": "Thu hút đầu tư hạ tầng thương mại – dịch vụ khu trung tâm xã Mỹ Bằng theo quy hoạch đô thị "
                 "loại V",
        "situation": "Quy hoạch chi tiết khu trung tâm đã được phê duyệt năm {y1}; cần nhà đầu tư để hình thành "
                     "hạ tầng.",
        "goal": "Thu hút ít nhất hai dự án hạ tầng thương mại – dịch vụ vào khu trung tâm.",
        "deliverable": "Chủ trương đầu tư được chấp thuận cho các dự án.",
        "measures": "Công khai quy hoạch; làm việc với nhà đầu tư; chuẩn bị mặt bằng sạch.",
        "coordinating_units": "Sở Tài chính tỉnh; Phòng Kinh tế UBND xã",
        "authority": "superior",
        "deadline": (12, 15),
        "indicators": [("Dự án được chấp thuận chủ trương đầu tư", "dự án", 0, 2)],
        "milestones": [(6, 30, "Tổ chức hội nghị xúc tiến đầu tư")],
        "steps": [("submit",), ("approve", "bithu.mybang", "mttq.mybang", QD_MYBANG, On(1, 28))],
    },
    {
        "key": "my_bang_drainage", "committee": MYBANG,
        "year": CURRENT, "owner": "bithu.mybang", "unit": MYBANG, "kind": "hard",
        "field": "Môi trường",
        "title": "Cải tạo hệ thống thoát nước, chỉnh trang tuyến phố chính khu trung tâm xã Mỹ Bằng",
        "situation": "Hệ thống thoát nước khu trung tâm chưa đạt tiêu chí đô thị loại V; ngập cục bộ mùa mưa.",
        "goal": "Hoàn thành cải tạo thoát nước và chỉnh trang tuyến phố chính.",
        "deliverable": "Công trình thoát nước được nghiệm thu; tuyến phố chính có vỉa hè, cây xanh, chiếu sáng.",
        "measures": "Vận động Nhân dân hiến đất mở rộng vỉa hè; lồng ghép nguồn vốn nông thôn mới.",
        "coordinating_units": "Ban Quản lý dự án đầu tư xây dựng khu vực; UB MTTQ xã",
        "deadline": (11, 30),
        "indicators": [("Tuyến thoát nước được cải tạo", "m", 0, 1800),
                       ("Điểm ngập cục bộ", "điểm", 4, 0)],
        "milestones": [(5, 31, "Vận động hiến đất mở rộng vỉa hè"), (10, 31, "Nghiệm thu công trình")],
        "steps": [("submit",),
                  ("adjust", "btv.yenson", "Ban Thường vụ bổ sung chỉ tiêu vận động hiến đất để đo được kết quả công "
                                           "tác dân vận; chờ thẩm định nguồn vốn trước khi phê duyệt.", {
                      "indicators": [("Tuyến thoát nước được cải tạo", "m", 0, 1800),
                                     ("Điểm ngập cục bộ", "điểm", 4, 0),
                                     ("Hộ hiến đất mở rộng vỉa hè", "hộ", 0, 60)],
                  })],
    },
    {
        "key": "dao_vien_recovery", "committee": DAOVIEN,
        "year": CURRENT, "owner": "chutich.daovien", "kind": "hard", "field": "Khác",
        "title": "Thu hồi, đưa vào quản lý phần quỹ đất công ích 5% bị lấn chiếm",
        "situation": "Kết quả rà soát năm {y1} đã xác định hiện trạng toàn bộ 44.000 m² quỹ đất 5%; một phần bị "
                     "lấn chiếm, sử dụng sai mục đích.",
        "goal": "Thu hồi hoặc hợp thức hóa đúng pháp luật toàn bộ diện tích bị lấn chiếm.",
        "deliverable": "Quyết định xử lý từng trường hợp; sổ theo dõi quỹ đất 5% cập nhật.",
        "measures": "Công khai kết quả rà soát; vận động hộ tự nguyện trả lại đất; xử lý theo phương án được cấp "
                    "có thẩm quyền chấp thuận.",
        "coordinating_units": "Sở Nông nghiệp và Môi trường tỉnh; UB MTTQ xã",
        "authority": "superior",
        "deadline": (12, 15),
        "indicators": [("Trường hợp lấn chiếm đã xử lý", "%", 0, 100)],
        "milestones": [(6, 30, "Công khai kết quả rà soát tại các thôn"), (12, 1, "Xử lý xong các trường hợp")],
        "steps": [
            ("submit",),
            ("adjust", "bithu.daovien", "Bổ sung chỉ tiêu diện tích thu hồi theo kết quả rà soát năm {y1} để đo được "
                                     "kết quả.", {
                "indicators": [("Trường hợp lấn chiếm đã xử lý", "%", 0, 100),
                               ("Diện tích đất 5% bị lấn chiếm được thu hồi", "m²", 0, 6200)],
            }),
            ("approve", "bithu.daovien", "mttq.pho.yenson", QD_DAOVIEN, On(1, 28)),
        ],
    },
    {
        "key": "dao_vien_farms", "committee": TQ,
        "year": CURRENT, "owner": "bithu.daovien", "kind": "breakthrough", "field": "Kinh tế",
        "title": "Phát triển kinh tế vùng đồng bào dân tộc thiểu số: nhân rộng mô hình kinh tế trang trại",
        "situation": "Đã có hộ ở thôn 4 mở rộng mô hình kinh tế thành trang trại cho thu nhập ổn định; cần nhân "
                     "rộng ra các thôn.",
        "goal": "Hình thành thêm các trang trại mới, tăng thu nhập cho hộ đồng bào dân tộc thiểu số.",
        "deliverable": "Các trang trại mới được công nhận; báo cáo hiệu quả kinh tế.",
        "measures": "Tham quan mô hình điểm; hỗ trợ vay vốn, kỹ thuật; Đảng viên đi đầu làm trước.",
        "coordinating_units": "Hội Nông dân tỉnh; Ngân hàng Chính sách xã hội tỉnh",
        "deadline": (12, 15),
        "indicators": [("Trang trại đang hoạt động", "trang trại", 1, 6)],
        "milestones": [(4, 30, "Tham quan mô hình điểm"), (11, 30, "Công nhận trang trại mới")],
        "steps": [("submit",), ("approve", "bithu.yenson", "mttq.yenson", QD_TUYENQUANG, On(1, 28))],
    },
    {
        "key": "trung_mon_zalo", "committee": TRUNGMON,
        "year": CURRENT, "owner": "bithu.trungmon", "unit": TRUNGMON, "kind": "mass_mobilisation",
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
        "key": "trung_mon_grave", "committee": TRUNGMON,
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
        "key": "yen_son_compensation", "committee": TQ,
        "year": CURRENT, "owner": "pbt.yenson", "kind": "hard", "field": "GPMB – tái định cư",
        "title": "Hoàn thiện phương án bồi thường, hỗ trợ, tái định cư và đối thoại với các hộ chưa nhận kinh phí "
                 "bồi thường",
        "carry": "yen_son_gpmb",
        "carry_reason": "Năm {y1} không hoàn thành: còn 11/37 hộ chưa nhận kinh phí bồi thường; Ban Thường vụ Huyện "
                        "ủy kết luận tiếp tục thực hiện trong năm {y}; Huyện ủy kết thúc hoạt động, Ban Thường vụ "
                        "Tỉnh ủy tiếp nhận.",
        "situation": "Năm {y1} còn 11 hộ chưa nhận kinh phí bồi thường; phương án tái định cư một số công trình phải "
                     "điều chỉnh.",
        "goal": "Phê duyệt xong phương án điều chỉnh và không còn hộ chưa nhận kinh phí bồi thường.",
        "deliverable": "Quyết định phê duyệt phương án điều chỉnh; biên bản đối thoại với từng hộ.",
        "measures": "Công khai lấy ý kiến Nhân dân; tổ chức đối thoại; xử lý dứt điểm vướng mắc.",
        "coordinating_units": "Ban Quản lý dự án đầu tư xây dựng tỉnh; Ủy ban MTTQ tỉnh; UBND các xã có dự án",
        "authority": "superior",
        "locality": "Các xã thuộc huyện Yên Sơn (cũ), tỉnh Tuyên Quang",
        "deadline": (11, 30),
        "indicators": [("Hộ chưa nhận kinh phí bồi thường", "hộ", 11, 0)],
        "milestones": [(5, 31, "Công khai lấy ý kiến phương án điều chỉnh"), (10, 31, "Đối thoại xong với các hộ")],
        "steps": [("update", {}), ("submit",),
                  ("approve", "bithu.yenson", "mttq.yenson", QD_TUYENQUANG, On(1, 28))],
    },
    {
        "key": "trung_mon_plan", "committee": TQ,
        "year": CURRENT, "owner": "truongphong.ktht", "unit": "TQ-SXD-QHKT", "kind": "breakthrough",
        "field": "Kinh tế",
        "title": "Tham mưu lập quy hoạch chung xây dựng xã Trung Môn",
        "situation": "Xã Trung Môn chưa có quy hoạch chung phù hợp với định hướng phát triển mới của tỉnh.",
        "goal": "Có quy hoạch chung xây dựng xã Trung Môn.",
        "deliverable": "Hồ sơ quy hoạch.",
        "measures": "Khảo sát hiện trạng; lấy ý kiến Nhân dân.",
        "deadline": (12, 15),
        "indicators": [("Đồ án quy hoạch", "đồ án", 0, 1)],
        "milestones": [(9, 30, "Khảo sát hiện trạng")],
        "steps": [("submit",),
                  ("return", "bithu.yenson", "Sản phẩm chưa rõ: đề nghị xác định đồ án nào được trình phê duyệt "
                                             "trong năm, thời điểm trình và cấp phê duyệt."),
                  # resubmitted once the province has decided, and approved as a supplement (bổ sung)
                  ("update", {
                      "situation": "Xã Trung Môn chưa có quy hoạch chung phù hợp với định hướng phát triển mới của "
                                   "tỉnh; tháng 9/{y} UBND tỉnh đã cho chủ trương lập quy hoạch.",
                      "deliverable": "Đồ án quy hoạch chung xây dựng xã Trung Môn trình Sở Xây dựng thẩm định trước "
                                     "ngày 15/12/{y}.",
                      "milestones": [(11, 15, "Hoàn thành khảo sát hiện trạng, lấy ý kiến Nhân dân"),
                                     (12, 10, "Trình Sở Xây dựng thẩm định đồ án")],
                  }, On(9, 22)),
                  ("submit", On(9, 23)),
                  ("approve", "bithu.yenson", "mttq.yenson", "Quyết định số 1795-QĐ/TU", On(10, 20))],
    },
    {
        "key": "nam_thang_long_land", "committee": PHUTHUONG,
        "year": CURRENT, "owner": "bithu.phuthuong", "unit": PHUTHUONG, "kind": "hard",
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
        "steps": [("submit",), ("approve", "chutich.tayho", "mttq.phuthuong", QD_PHUTHUONG, On(1, 27))],
    },
    {
        "key": "party_cells", "committee": THUYKHUE,
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
        "steps": [("submit",)],
    },
]


# -- how the years unfold ---------------------------------------------------------------------------------------

#: the secretariat member who opens the years and extends the window (years are installation-wide: only the
#: secretariat of a top unit sets them)
SECRETARY = "vanphong.hanoi"

#: quarterly note deadlines (month, day) of every demo year
QUARTER_DEADLINES = ((4, 5), (7, 5), (10, 5), (12, 20))
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
SUPERVISION_FORMS = ("document_review", "field_survey", "delegation", "public_consultation")

#: how each approved task of the previous year ends, by key: the verdict level; "reached", the share of the way
#: from baseline to target made by the end of the year (the quarterly notes progress towards it); the verdict's
#: reasons, commendation and measures. Optional: "percent" (a partial completion), "self_level" (the owner rates
#: themself otherwise), "late" (quarters whose note came after the deadline), "late_reply" (the owner answered
#: the first recommendation after its deadline), "reopen" (the Standing Committee reopened the verdict and
#: decided again). Text may use {y}.
YEAR_END: dict[str, dict[str, Any]] = {
    "nam_thang_long": {
        "level": "exceeded", "reached": 1.0,
        "reasons": "Thu hồi, bàn giao toàn bộ 104 ha cho chủ đầu tư ngày 15/11/{y}, trước thời hạn; dự án tồn đọng gần "
                   "hai mươi năm được giải quyết dứt điểm, không phát sinh khiếu nại vượt cấp.",
        "commendation": "reward",
        "commendation_form": "Giấy khen của Ban Thường vụ Quận ủy; đề nghị UBND Thành phố tặng Bằng khen",
    },
    "tam_da": {
        "level": "on_time", "reached": 1.0,
        "reasons": "Thu hồi đủ 120 m² tại số 18 Tam Đa, lấy ý kiến 100% hộ hai tổ dân phố về phương án; khởi công "
                   "nhà sinh hoạt cộng đồng đúng mốc 30/9/{y}.",
        "commendation": "praise",
        "commendation_form": "Biểu dương tại Hội nghị tổng kết công tác xây dựng Đảng năm {y} của Quận ủy",
    },
    "dam_bay": {
        "level": "on_time", "reached": 1.0,
        "reasons": "Di dời toàn bộ 42 phương tiện neo đậu trái phép khỏi khu vực đầm Bảy trước ngày 31/10/{y}; mặt "
                   "nước hồ Tây được trả lại cảnh quan.",
        "commendation": "praise", "commendation_form": "Biểu dương trên Bản tin nội bộ của Quận ủy",
    },
    "my_bang_urban": {
        "level": "on_time", "reached": 1.0,
        "reasons": "Thu nhập bình quân đạt 48 triệu đồng/người/năm; 150 hộ chuyển đổi cơ cấu cây trồng, vật nuôi theo "
                   "nghị quyết chuyên đề của Đảng ủy xã.",
    },
    "my_bang_plan": {
        "level": "late", "self_level": "on_time", "reached": 1.0, "late": (2,),
        "reasons": "Đồ án quy hoạch chi tiết được phê duyệt nhưng sau thời hạn đã điều chỉnh; khâu lấy ý kiến cộng "
                   "đồng dân cư kéo dài hơn một tháng so với kế hoạch.",
    },
    "dao_vien_land": {
        "level": "late", "reached": 1.0,
        "reasons": "Rà soát xong 44.000 m² và 100% hộ; theo sổ văn thư, phương án xử lý đến UBND huyện ngày "
                   "05/12/{y}, sau thời hạn 30/11/{y}.",
        "reopen": {
            "by": "bithu.yenson",
            "reason": "Đồng chí Chủ tịch UBND xã xuất trình Tờ trình số 112/TTr-UBND ngày 28/11/{y} kèm phiếu chuyển "
                      "có xác nhận của Văn phòng HĐND và UBND huyện: phương án được gửi đúng hạn, sổ văn thư vào số "
                      "chậm. Mở lại để đánh giá đúng.",
            "level": "on_time",
            "reasons": "Rà soát xong 44.000 m² và 100% hộ sử dụng đất công ích; phương án xử lý trình UBND huyện ngày "
                       "28/11/{y}, đúng thời hạn.",
            "commendation": "praise", "commendation_form": "Biểu dương tại Hội nghị Ban Chấp hành Đảng bộ huyện",
            "conclusion_ref": "Kết luận số 64-KL/HU",
        },
    },
    "dao_vien_mining": {
        "level": "stopped", "reached": 0.67,
        "reasons": "Từ quý III, Công an tỉnh xác lập chuyên án đấu tranh với đường dây khai thác khoáng sản trái phép "
                   "liên huyện; Ban Thường vụ Huyện ủy cho dừng nhiệm vụ ở cấp xã, xã tiếp tục phối hợp.",
    },
    "canal": {
        "level": "partial", "percent": 82, "reached": 0.82, "late": (3,),
        "reasons": "36/44 hộ đã bàn giao mặt bằng; 8 hộ còn lại cam kết đồng thuận khi có quỹ nhà tái định cư, việc "
                   "bố trí quỹ nhà vượt thẩm quyền của phường.",
        "measures": "Chuyển sang năm sau; đề nghị UBND quận báo cáo Thành phố bố trí quỹ nhà tái định cư cho 8 hộ.",
    },
    "yen_son_gpmb": {
        "level": "not_done", "reached": 0.703, "late": (2,), "late_reply": True,
        "reasons": "Còn 11/37 hộ chưa nhận kinh phí bồi thường; 2 công trình trọng điểm chậm bàn giao mặt bằng; chỉ "
                   "tiêu chủ yếu không đạt.",
        "measures": "Chuyển sang năm sau, tập trung hoàn thiện phương án điều chỉnh và đối thoại với từng hộ; Ban Quản "
                    "lý dự án huyện kiểm điểm, làm rõ trách nhiệm.",
    },
}

#: how fast a task moves compared with its deadline, by verdict level (1: it reaches its end share on time)
SLOWNESS = {"exceeded": 0.9, "late": 1.15}

#: the year-end meeting of each district committee (the previous year's): its day (month, day) and the
#: conclusion it issues
VERDICT_MEETINGS = {TAYHO: ((12, 18), "Kết luận số 45-KL/QU"), YENSON: ((12, 19), "Kết luận số 61-KL/HU")}
REOPEN_DAY, REDECIDE_DAY = (12, 23), (12, 26)

#: per verdict level: the monitor's final judgement, what the owner reports of the deliverable ({d}), their
#: shortcomings and lessons, and the monitor's final strengths and weaknesses
LEVEL_TEXTS: dict[str, dict[str, str]] = {
    "exceeded": {
        "judgement": "on_track", "deliverable": "Đã hoàn thành trước thời hạn: {d}", "shortcomings": "",
        "lessons": "Người đứng đầu trực tiếp chỉ đạo, đến tận nơi đối thoại với dân; công khai, minh bạch phương án.",
        "strengths": "Hoàn thành trước thời hạn, vượt yêu cầu đề ra; Nhân dân đồng tình, ủng hộ.", "weaknesses": "",
    },
    "on_time": {
        "judgement": "on_track", "deliverable": "Đã hoàn thành: {d}",
        "shortcomings": "Minh chứng của một số quý nộp chưa đầy đủ.",
        "lessons": "Bám sát mốc tiến độ, phân công rõ người, rõ việc, rõ thời gian.",
        "strengths": "Hoàn thành đúng thời hạn, đúng sản phẩm đã cam kết.", "weaknesses": "",
    },
    "late": {
        "judgement": "late", "deliverable": "Đã hoàn thành nhưng sau thời hạn: {d}",
        "shortcomings": "Một số mốc tiến độ chậm so với đăng ký.",
        "lessons": "Dự liệu sớm thời gian thẩm định, lấy ý kiến Nhân dân ngay khi lập kế hoạch.",
        "strengths": "Sản phẩm đạt yêu cầu.", "weaknesses": "Hoàn thành chậm so với thời hạn đã cam kết.",
    },
    "partial": {
        "judgement": "late", "deliverable": "Hoàn thành một phần: {d}",
        "shortcomings": "Chưa đạt chỉ tiêu chủ yếu; một phần phụ thuộc quyết định của cấp trên.",
        "lessons": "Đề xuất sớm với cấp trên những nội dung vượt thẩm quyền.",
        "strengths": "Có nhiều cố gắng, kết quả từng phần rõ rệt.", "weaknesses": "Chưa đạt mục tiêu đã đăng ký.",
    },
    "not_done": {
        "judgement": "late", "deliverable": "Chưa hoàn thành: {d}",
        "shortcomings": "Chỉ tiêu chủ yếu không đạt; phối hợp giữa các cơ quan chưa chặt chẽ.",
        "lessons": "Giao rõ trách nhiệm từng cơ quan, kiểm tra tiến độ hằng tháng.",
        "strengths": "Đã tổ chức kiểm tra, đối thoại định kỳ.",
        "weaknesses": "Không đạt các chỉ tiêu chủ yếu; nhiều kiến nghị chậm được giải quyết.",
    },
    "stopped": {
        "judgement": "late",
        "deliverable": "Dừng theo kết luận của Ban Thường vụ; hồ sơ, kết quả đã bàn giao cho cơ quan chủ trì.",
        "shortcomings": "Chưa lường hết tính chất phức tạp của vụ việc.",
        "lessons": "Vụ việc liên huyện cần cơ quan cấp trên chủ trì ngay từ đầu.",
        "strengths": "Xã đã phối hợp tích cực với lực lượng chức năng.",
        "weaknesses": "Nhiệm vụ vượt khả năng giải quyết của cấp xã.",
    },
}

#: the current year's tasks that make the dashboards worth a look: one owner has not sent the last note due, one
#: task is at risk (moving at AT_RISK_PACE of the planned pace), one recommendation awaits its reply before the
#: deadline and one is overdue
CURRENT_ROLES = {"skips_last_note": "tay_ho_tay_roads", "at_risk": "phu_thuong_jobs",
                 "open_recommendation": "handbook", "overdue_recommendation": "dao_vien_farms"}
AT_RISK_PACE = 0.85

#: what a note says when the task is behind, by status: difficulties, causes, proposals
NOTE_TEXTS = {
    "at_risk": ("Một số phần việc chậm hơn kế hoạch; một số hộ, đơn vị liên quan chưa phối hợp chặt chẽ.",
                "Vướng mắc về cơ chế, chính sách vượt thẩm quyền; lực lượng tham gia còn mỏng.",
                "Đề nghị cấp trên sớm cho ý kiến chỉ đạo tháo gỡ vướng mắc."),
    "late": ("Chưa đạt mốc tiến độ đã đăng ký; còn nhiều nội dung phải xin ý kiến cấp trên.",
             "Khối lượng công việc lớn; phối hợp giữa các cơ quan chưa đồng bộ.",
             "Đề nghị Ban Thường vụ chỉ đạo các cơ quan liên quan phối hợp, giải quyết dứt điểm."),
}

#: the monitor's in-year assessment, on track or behind: strengths, shortcomings, causes, the recommendation
#: and the owner's reply ({q}: the quarter)
ASSESSMENT_TEXTS = {
    False: ("Chủ động triển khai, bám sát kế hoạch; kết quả quý {q} đúng tiến độ đã cam kết.",
            "Minh chứng kèm báo cáo chưa đầy đủ.", "",
            "Đề nghị bổ sung minh chứng (biên bản, hình ảnh) cho kết quả quý {q} và công khai tiến độ tại địa bàn.",
            "Đã bổ sung minh chứng vào báo cáo quý và niêm yết kết quả tại nhà văn hóa, bảng tin khu dân cư."),
    True: ("Có cố gắng trong chỉ đạo, tổ chức thực hiện.", "Kết quả quý {q} chậm so với mốc đã đăng ký.",
           "Vướng mắc chưa được tháo gỡ kịp thời; phối hợp giữa các đơn vị chưa chặt chẽ.",
           "Đề nghị xây dựng kế hoạch khắc phục tiến độ, phân công người phụ trách từng phần việc và báo cáo kết "
           "quả.",
           "Đã ban hành kế hoạch khắc phục, phân công từng thành viên phụ trách; kết quả sẽ báo cáo trong báo cáo "
           "quý tới."),
}

MID_YEAR_CONCLUSIONS = {
    True: "Ban Thường vụ yêu cầu đồng chí {owner} tập trung tháo gỡ vướng mắc, bảo đảm mốc tiến độ quý III; Văn "
          "phòng theo dõi, báo cáo kết quả.",
    False: "Ghi nhận kết quả 6 tháng đúng tiến độ; đề nghị tiếp tục phát huy, chia sẻ cách làm với các đơn vị.",
}


# -- helpers ----------------------------------------------------------------------------------------------------

def _text(value: Any, year: int) -> Any:
    return value.format(y=year, y1=year - 1) if isinstance(value, str) else value


def _province(code: str) -> str:
    """"HN" or "TQ": the province of a unit, by its code."""
    return code.split("-")[0]


def _references(committee: OrgUnit, year: int) -> str:
    """The plan of the committee a registration cites: its own entry, or a ward's or commune's plan."""
    text = COMMITTEE_REFERENCES.get(committee.code)
    if text is None:
        text = (f"Kế hoạch số 02-KH/ĐU ngày 30/10/{{y1}} của Ban Thường vụ Đảng ủy {committee.name[0].lower()}"
                f"{committee.name[1:]} về đăng ký, giải quyết việc khó năm {{y}}")
    return _text(text, year)


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
    refs = [_references(units[spec["committee"]], year.year)]
    refs += [data["reference_documents"]] if data.get("reference_documents") else []
    data["reference_documents"] = "; ".join(refs)
    data["is_committed"] = True
    return data


def _locality(unit: OrgUnit | None) -> str:
    """The commune and the district above it, e.g. "Phường Thụy Khuê, Quận Tây Hồ" before the reform; once there
    is no district, the province: "Phường Thụy Khuê, Thành phố Hà Nội" (a cell names its ward instead)."""
    names = []
    while unit is not None:
        if unit.level in (OrgLevel.COMMUNE, OrgLevel.DISTRICT, OrgLevel.PROVINCE):
            names.append(unit.name)
        if unit.level in (OrgLevel.DISTRICT, OrgLevel.PROVINCE):
            break
        unit = unit.parent
    return ", ".join(names)


def _year_data(number: int, opens: date, closes: date) -> dict[str, Any]:
    deadlines = {f"q{q}_deadline": date(number, *md) for q, md in enumerate(QUARTER_DEADLINES, start=1)}
    return {"year": number, "registration_opens_on": opens, "registration_closes_on": closes, **deadlines,
            "rating_regulation": "366-QĐ/TW" if number >= 2025 else "124-QĐ/TW"}


def _save_year(actor: Person | None, number: int, opens: date, closes: date) -> Year:
    existing = db.session.scalar(select(Year).where(Year.year == number))
    return admin.save_year(actor, existing, _year_data(number, opens, closes))


def _load_fields() -> dict[str, Field]:
    out = {}
    for position, name in enumerate(FIELDS, start=1):
        existing = db.session.scalar(select(Field).where(func.lower(Field.name) == name.lower()))
        out[name] = existing or admin.save_field(None, None, {"name": name, "sort_order": position * 10})
    return out


def _unit_data(code: str, name: str, level: OrgLevel, parent: OrgUnit | None, head: Person | None,
               is_active: bool = True) -> dict:
    return {"code": code, "name": name, "level": level, "parent_id": parent.id if parent else None,
            "head_id": head.id if head else None, "is_active": is_active}


def _unit_changes(unit: OrgUnit, **changes: Any) -> dict:
    """The unit's data for ``admin.save_org_unit`` with ``changes`` (parent, head, is_active) applied."""
    data = {"parent": db.session.get(OrgUnit, unit.parent_id) if unit.parent_id else None,
            "head": db.session.get(Person, unit.head_id) if unit.head_id else None, "is_active": unit.is_active,
            **changes}
    return _unit_data(unit.code, unit.name, unit.level, data["parent"], data["head"], data["is_active"])


def _person_data(person: Person, position: str | None, unit: OrgUnit, grants: list[tuple[Role, OrgUnit]]) -> dict:
    """A person's data for ``people.update_person``: the new post and the whole set of grants."""
    return {"username": person.username, "full_name": person.full_name, "email": person.email,
            "position": position if position is not None else person.position, "org_unit_id": unit.id,
            "grants": [{"role": role, "unit_id": where.id} for role, where in grants]}


def _at(day: date, minutes: int = 0) -> datetime:
    """8:00 Vietnam time on ``day``, plus ``minutes``."""
    return datetime.combine(day, time(8, 0), tzinfo=clock.LOCAL_TZ) + timedelta(minutes=minutes)


def _value(indicator: Indicator, share: float) -> float:
    """The indicator's value ``share`` of the way from its baseline (0 when unknown) to its target; whole
    numbers stay whole, rounded towards the baseline."""
    base = indicator.baseline or 0.0
    step = (indicator.target - base) * share
    if float(base).is_integer() and float(indicator.target).is_integer():
        return base + math.trunc(round(step, 6))
    return round(base + step, 1)


def _number(value: float) -> str:
    """44 → "44", 44000 → "44.000", 46.5 → "46,5" (Vietnamese style)."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value}".replace(".", ",")


def _progress(task: Task, quarter: int, end_share: float, slowness: float) -> tuple[float, str]:
    """The share of the way made by the end of ``quarter`` and the status the owner reports: progress runs
    evenly to ``end_share`` by the deadline (stretched by ``slowness``)."""
    months = task.deadline.month
    planned = min(1.0, 3 * quarter / months)
    share = end_share * min(1.0, 3 * quarter / (months * slowness))
    if share >= 1.0:
        return 1.0, ProgressStatus.DONE.value
    ratio = share / planned
    status = ProgressStatus.ON_TRACK if ratio >= 0.95 else ProgressStatus.AT_RISK if ratio >= 0.8 \
        else ProgressStatus.LATE
    return share, status.value


def _quarter_span(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def _note_data(task: Task, quarter: int, share: float, status: str) -> dict[str, Any]:
    """Form B for ``quarter``: milestones of the quarter, indicator values ``share`` of the way to the target."""
    first, last = _quarter_span(task.year.year, quarter)
    values = {indicator.id: _value(indicator, share) for indicator in task.indicators}
    due = [m.description for m in task.milestones if first <= m.due_on <= last]
    upcoming = [m.description for m in task.milestones if m.due_on > last]
    results = "; ".join(f"{i.name}: {_number(values[i.id])} {i.unit}" for i in task.indicators)
    done = f"Thực hiện mốc: {'; '.join(due)}." if due else "Tiếp tục triển khai các giải pháp đã đăng ký."
    difficulties, causes, proposals = NOTE_TEXTS.get(status, ("", "", ""))
    return {
        "work_done": f"{done} Kết quả đến hết quý {ROMAN[quarter]}: {results}.",
        "status": status, "values": {str(k): v for k, v in values.items()},
        "percent_complete": round(share * 100), "difficulties": difficulties, "causes": causes,
        "proposals": proposals,
        "next_plan": f"Quý tới: {upcoming[0]}." if upcoming else "Duy trì kết quả, chuẩn bị báo cáo tổng kết năm.",
    }


def _ascii(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D").replace("–", "-").replace("—", "-")
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return plain.encode("ascii", "replace").decode("ascii")


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` (without diacritics: the standard font has none)."""
    def escape(line: str) -> str:
        return _ascii(line)[:95].replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = ("BT /F1 12 Tf 16 TL 60 790 Td " + " ".join(f"({escape(line)}) '" for line in lines) + " ET").encode()
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


# -- the story --------------------------------------------------------------------------------------------------

class _Story:
    """The demo as a list of dated events, planned first and then replayed in date order through the services,
    each inside ``clock.travel`` to its moment. Nothing is planned after today: the current year stops at the
    last quarter whose deadline has passed, and its January registrations are squeezed before today when today
    is earlier."""

    def __init__(self, evidence_folder: str | Path | None) -> None:
        self.now, self.today = clock.now(), clock.today()
        self.limit = self.now - timedelta(minutes=5)  # the latest moment an event may have
        self.numbers = {PREVIOUS: self.today.year - 1, CURRENT: self.today.year}
        self.store = EvidenceStore(Path(evidence_folder)) if evidence_folder is not None else None
        self.events: list[tuple[datetime, int, Callable[[], Any]]] = []
        self.fields: dict[str, Field] = {}
        self.units: dict[str, OrgUnit] = {}
        self.persons: dict[str, Person] = {}
        self.levels: dict[str, VerdictLevel] = {}
        self.years: dict[int, Year] = {}
        self.tasks: dict[str, Task] = {}
        self.forms: dict[str, dict[str, Any]] = {}
        self.approved_at: dict[str, datetime] = {}
        self.assessments: dict[tuple[str, str], Assessment] = {}

    # -- planning

    def at(self, moment: datetime, action: Callable[..., Any], *args: Any) -> None:
        self.events.append((moment, len(self.events), partial(action, *args)))

    def plan(self) -> None:
        previous = self.numbers[PREVIOUS]
        self.at(_at(date(previous - 1, 11, 1)), self.set_up)
        self.at(_at(date(previous, *REFORM_DAY)), self.reform)
        self.at(_at(date(previous, *YEAR_CLOSE_DAY)), self.close_districts)
        self.at(_at(date(previous, 11, 1)), self.open_year, CURRENT)
        for index, spec in enumerate(TASKS):
            self.plan_registration(index, spec)
        self.plan_year(PREVIOUS)
        self.plan_year_end()
        self.plan_year(CURRENT)

    def fit(self, which: int, moment: datetime) -> datetime:
        """The current year registers from 5 to 31 January; when today comes earlier, those days are squeezed
        into the days before today (from 28/12 of the previous year at the earliest), each event keeping its
        time of day. A task's steps share one time of day, so they keep their order."""
        number = self.numbers[CURRENT]
        first, last = date(number, 1, 5), date(number, 1, 31)
        day = moment.astimezone(clock.LOCAL_TZ).date()
        if which != CURRENT or self.today > last or not first <= day <= last:
            return moment
        start = first if (self.today - first).days >= 4 else date(number - 1, 12, 28)
        room = (self.today - timedelta(days=1) - start).days
        return moment + (start + timedelta(days=(day - first).days * room // (last - first).days) - day)

    def plan_registration(self, index: int, spec: dict[str, Any]) -> None:
        which, key, number = spec["year"], spec["key"], self.numbers[spec["year"]]
        minutes = (index * 7) % 300
        moment = _at(date(number, 1, 5 + index % 9), minutes)
        self.at(self.fit(which, moment), self.register, spec)
        for step in spec["steps"]:
            when = step[-1] if isinstance(step[-1], On) else None
            action = step[:-1] if when else step
            following = _at(date(number, *when), minutes) if when else moment + timedelta(days=1)
            if following <= moment:
                raise ValueError(f"demo task {key}: step {action[0]} is dated before the step it follows")
            moment = following
            self.at(self.fit(which, moment), self.step, key, action)
            if action[0] == "approve":
                self.approved_at[key] = self.fit(which, moment)

    def approved_specs(self, which: int) -> list[dict[str, Any]]:
        return [s for s in TASKS if s["year"] == which and self.approved_at.get(s["key"], self.limit) < self.limit]

    def plan_year(self, which: int) -> None:
        """Quarterly notes, the monitor's assessments with recommendations and the owner's answers, the
        six-month review."""
        number = self.numbers[which]
        deadlines = [date(number, *md) for md in QUARTER_DEADLINES]
        for n, spec in enumerate(self.approved_specs(which)):
            key = spec["key"]
            if which == PREVIOUS:
                end = YEAR_END[key]
                quarters = [1, 2, 3, 4]
                end_share, slowness = end["reached"], SLOWNESS.get(end["level"], 1.0)
            else:
                end = {}
                quarters = [q for q, deadline in enumerate(deadlines, start=1) if deadline < self.today]
                if key == CURRENT_ROLES["skips_last_note"]:
                    quarters = quarters[:-1]
                end_share, slowness = (AT_RISK_PACE if key == CURRENT_ROLES["at_risk"] else 1.0), 1.0
            notes: dict[int, datetime] = {}
            for q in quarters:
                if which == PREVIOUS and q == 4:  # early, before the year-end self-assessment
                    day = date(number, 12, 1 + n % 4)
                elif q in end.get("late", ()):
                    day = deadlines[q - 1] + timedelta(days=3 + n % 3)
                else:
                    day = deadlines[q - 1] - timedelta(days=2 + n % 4)
                moment = _at(day, 60 + 5 * n)
                if self.approved_at[key] < moment <= self.limit:
                    notes[q] = moment
                    self.at(moment, self.note, key, q, end_share, slowness)
            self.plan_assessments(which, n, key, notes, bool(end.get("late_reply")))
        self.at(_at(date(number, 7, 15), 60), self.snapshot, which)
        self.at(_at(date(number, 7, 22), 360), self.conclude_mid_year, which)

    def plan_assessments(self, which: int, n: int, key: str, notes: dict[int, datetime], late_reply: bool) -> None:
        """Every other quarter (alternating between tasks) the monitor assesses the note a week later with one
        recommendation; the owner acknowledges two days later and replies within the week."""
        wanted = (1, 3) if n % 2 == 0 else (2, 4)
        if which == PREVIOUS:  # the fourth quarter is covered by the final assessment
            wanted = tuple(q for q in wanted if q < 4)
        planned = {q: notes[q] + timedelta(days=8) for q in wanted if q in notes}
        unanswered, floor = set(), None
        if which == CURRENT and key == CURRENT_ROLES["open_recommendation"] and notes:
            q = max(notes)
            moment = min(notes[q] + timedelta(days=8), self.limit - timedelta(hours=1))
            if moment > notes[q]:
                planned[q], floor = moment, self.today + timedelta(days=14)
                unanswered.add(q)
        if which == CURRENT and key == CURRENT_ROLES["overdue_recommendation"]:
            for q in sorted(notes, reverse=True):
                moment = notes[q] + timedelta(days=8)
                if (moment + timedelta(days=20)).date() < self.today - timedelta(days=1):
                    planned[q] = moment
                    unanswered.add(q)
                    break
        for q in sorted(planned):
            moment = planned[q]
            if moment > self.limit:
                continue
            self.at(moment, self.assess, key, q, n, floor if q in unanswered else None)
            self.at(moment + timedelta(days=2), self.acknowledge, key, f"q{q}")
            if q not in unanswered:
                self.at(moment + timedelta(days=24 if late_reply else 6), self.reply, key, f"q{q}")
                late_reply = False

    def plan_year_end(self) -> None:
        """Self-assessment in early December, the monitor's final assessment, the Standing Committee's verdicts
        at its year-end meeting; one verdict is reopened and decided again."""
        number = self.numbers[PREVIOUS]
        for n, spec in enumerate(self.approved_specs(PREVIOUS)):
            key, end = spec["key"], YEAR_END[spec["key"]]
            self.at(_at(date(number, 12, 5 + n % 4), 90), self.self_assess, key)
            final = _at(date(number, 12, 10 + n % 4), 120)
            self.at(final, self.final_assessment, key, n)
            self.at(final + timedelta(days=1), self.acknowledge, key, "final")
            meeting, ref = VERDICT_MEETINGS[spec["committee"]]
            self.at(_at(date(number, *meeting), 360 + n), self.verdict, key, end, ref)
            if "reopen" in end:
                self.at(_at(date(number, *REOPEN_DAY), 120), self.reopen, key)
                self.at(_at(date(number, *REDECIDE_DAY), 360), self.verdict, key, end["reopen"],
                        end["reopen"]["conclusion_ref"])

    def run(self) -> None:
        for moment, _order, action in sorted(self.events, key=lambda event: event[:2]):
            if moment <= self.limit:
                with clock.travel(moment):
                    action()

    # -- the events

    def set_up(self) -> None:
        """Fields, units (the districts with their wards and communes), people with the grants they hold before
        the reform, unit heads and the verdict scale; the secretariat opens the previous year."""
        self.fields = _load_fields()
        for code, name, level, parent, _head in UNITS:
            self.units[code] = admin.save_org_unit(None, None, _unit_data(code, name, level, self.units.get(parent),
                                                                          None))
        for row in PEOPLE:
            self.create_person(None, *row)
        for code, name, level, parent, head in UNITS:
            if head:
                admin.save_org_unit(None, self.units[code], _unit_data(code, name, level, self.units.get(parent),
                                                                       self.persons[head]))
        for level in reversed(review.ensure_default_levels()):  # the first level of each outcome wins
            self.levels[level.outcome.value] = level
        self.open_year(PREVIOUS)

    def create_person(self, actor: Person | None, username: str, full_name: str, position: str, unit: str,
                      grants: Grants) -> None:
        self.persons[username] = people.create_person(
            actor, {"username": username, "full_name": full_name, "position": position,
                    "org_unit_id": self.units[unit].id,
                    "grants": [{"role": role, "unit_id": self.units[code].id} for role, code in grants]},
            password=DEMO_PASSWORD)

    def office(self, code: str) -> Person:
        """The secretariat of the province of unit ``code``."""
        return self.persons[PROVINCE_OFFICES[_province(code)]]

    def reform(self) -> None:
        """1 July of the previous year: each province office moves its districts' wards and communes up under
        the province and closes the districts and their agencies (inactive, kept in the tree under the
        province); the people take their new posts, keeping their district grants until the district's year is
        decided; the new ward and commune committees get their office and inspection accounts."""
        districts = [code for code, _n, level, _p, _h in UNITS if level is D]
        for district in districts:
            office, province = self.office(district), self.units[district].parent
            for code, _n, level, parent, _h in UNITS:
                if parent == district and level is C:
                    admin.save_org_unit(office, self.units[code], _unit_changes(self.units[code], parent=province))
            for code, _n, level, parent, _h in UNITS:
                if code == district or (parent == district and level is not C):
                    admin.save_org_unit(office, self.units[code], _unit_changes(self.units[code], is_active=False))
        for username, (position, unit, grants) in AFTER_REFORM.items():
            person = self.persons[username]
            held = [(g.role, g.unit) for g in person.grants]
            added = [(role, self.units[code]) for role, code in grants]
            people.update_person(self.office(unit), person,
                                 _person_data(person, position, self.units[unit], held + added))
        for code, head in REFORM_HEADS.items():
            admin.save_org_unit(self.office(code), self.units[code],
                                _unit_changes(self.units[code], head=self.persons[head]))
        for row in NEW_AT_REFORM:
            self.create_person(self.office(row[3]), *row)

    def close_districts(self) -> None:
        """Once the district committees have decided their year, the province offices end every grant held in
        an inactive unit and merge each closed unit into its successor. The previous year's tasks, all decided,
        stay registered with the districts, for the history."""
        for person in self.persons.values():
            kept = [(g.role, g.unit) for g in person.grants if g.unit.is_active]
            if len(kept) < len(person.grants):
                home = db.session.get(OrgUnit, person.org_unit_id)  # ``person.org_unit`` may predate the reform
                people.update_person(self.office(home.code), person, _person_data(person, None, home, kept))
        for code, successor in SUCCESSORS.items():
            admin.merge_units(self.office(code), self.units[code], self.units[successor])

    def open_year(self, which: int) -> None:
        """The secretariat opens a year: registration from 1/11 of the year before to the end of January."""
        number = self.numbers[which]
        self.years[which] = _save_year(self.persons[SECRETARY], number, date(number - 1, 11, 1), date(number, 1, 31))

    def extend_window(self) -> None:
        """Today, the secretariat keeps the current year's registration open at least 60 more days."""
        year = self.years[CURRENT]
        closes = max(year.registration_closes_on, self.today + timedelta(days=60))
        self.years[CURRENT] = _save_year(self.persons[SECRETARY], year.year, year.registration_opens_on, closes)

    def register(self, spec: dict[str, Any]) -> None:
        year, owner = self.years[spec["year"]], self.persons[spec["owner"]]
        form = _full_form(spec, year, self.fields, owner, self.units)
        committee = self.units[spec["committee"]]
        if spec.get("carry"):  # into the one committee the owner now registers with
            task = review.carry_over(owner, self.tasks[spec["carry"]], year, _text(spec["carry_reason"], year.year))
            if task.committee_id != committee.id:  # pragma: no cover - a mistake in TASKS or AFTER_REFORM
                raise ValueError(f"demo task {spec['key']} was carried over into the wrong committee")
        else:
            unit_id = self.units[spec["unit"]].id if spec.get("unit") else None
            task = tasks.create_task(owner, year, form, owner_unit_id=unit_id, committee_id=committee.id)
        self.tasks[spec["key"]], self.forms[spec["key"]] = task, form

    def step(self, key: str, step: tuple) -> None:
        task, form = self.tasks[key], self.forms[key]
        action, *args = step
        owner, number = task.owner, task.year.year
        if action == "submit":
            tasks.submit_task(owner, task)
        elif action == "withdraw":
            tasks.withdraw_task(owner, task, _text(args[0], number))
        elif action == "return":
            tasks.return_task(self.persons[args[0]], task, comment=_text(args[1], number))
        elif action == "update":
            tasks.update_task(owner, task, {**form, **_form_data(args[0], task.year, self.fields)})
        elif action == "adjust":
            tasks.adjust_task(self.persons[args[0]], task, reason=_text(args[1], number),
                              data=_form_data(args[2], task.year, self.fields))
        elif action == "approve":
            approver, monitor, ref = args
            tasks.approve_task(self.persons[approver], task, decision_ref=ref, decision_date=clock.today(),
                               monitor=self.persons[monitor])
        else:  # pragma: no cover - a typo in TASKS
            raise ValueError(f"unknown demo step {action!r}")

    def note(self, key: str, quarter: int, end_share: float, slowness: float) -> None:
        task = self.tasks[key]
        share, status = _progress(task, quarter, end_share, slowness)
        note = progress.add_progress_note(task.owner, task, quarter, _note_data(task, quarter, share, status))
        if self.store is not None and quarter % 2 == 0:
            lines = [f"MINH CHUNG - BAO CAO TIEN DO QUY {ROMAN[quarter]} NAM {task.year.year}", "",
                     f"Viec: {task.title}", f"Nguoi bao cao: {task.owner.full_name}",
                     f"Ngay: {clock.today():%d/%m/%Y}"]
            evidence.attach_evidence(task.owner, note, io.BytesIO(_pdf(lines)),
                                     f"minh-chung-{task.code}-quy-{quarter}.pdf", self.store)

    def assess(self, key: str, quarter: int, n: int, deadline_floor: date | None) -> None:
        task = self.tasks[key]
        note = next(note for note in task.notes if note.quarter == quarter)
        behind = note.status in (ProgressStatus.AT_RISK, ProgressStatus.LATE)
        strengths, shortcomings, causes, content, _reply = ASSESSMENT_TEXTS[behind]
        deadline = clock.today() + timedelta(days=20)
        if deadline_floor is not None:
            deadline = max(deadline, deadline_floor)
        q = ROMAN[quarter]
        self.assessments[(key, f"q{quarter}")] = monitoring.add_assessment(
            task.monitor, task, Period(f"q{quarter}"),
            {"supervision_form": SUPERVISION_FORMS[(n + quarter) % 4], "judgement": "late" if behind else "on_track",
             "strengths": strengths.format(q=q), "shortcomings": shortcomings.format(q=q), "causes": causes},
            [{"content": content.format(q=q), "reply_deadline": deadline,
              "addressee": f"Đồng chí {task.owner.full_name}, {task.owner.position}"}])

    def acknowledge(self, key: str, period: str) -> None:
        monitoring.acknowledge_assessment(self.tasks[key].owner, self.assessments[(key, period)])

    def reply(self, key: str, period: str) -> None:
        assessment = self.assessments[(key, period)]
        reply = ASSESSMENT_TEXTS[assessment.judgement == Judgement.LATE][4]
        monitoring.reply_to_recommendation(self.tasks[key].owner, assessment.recommendations[0], reply)

    def snapshot(self, which: int) -> None:
        """Each province office takes the mid-year snapshots of the committees in its province."""
        for office in PROVINCE_OFFICES.values():
            monitoring.take_mid_year_snapshots(self.persons[office], self.years[which])

    def conclude_mid_year(self, which: int) -> None:
        """The Standing Committee concludes on the tasks behind at mid-year, and praises the first on track."""
        praised = False
        for task in self.tasks.values():
            review_ = task.mid_year_review
            if task.year_id != self.years[which].id or review_ is None:
                continue
            behind = review_.snapshot.get("status") in ("at_risk", "late")
            if not behind and (praised or review_.snapshot.get("status") is None):
                continue
            praised = praised or not behind
            monitoring.conclude_mid_year(task.approved_by, review_,
                                         MID_YEAR_CONCLUSIONS[behind].format(owner=task.owner.full_name))

    def self_assess(self, key: str) -> None:
        task, end = self.tasks[key], YEAR_END[key]
        texts = LEVEL_TEXTS[end["level"]]
        review.submit_self_assessment(task.owner, task, {
            "reached": {i.id: _value(i, end["reached"]) for i in task.indicators},
            "deliverable": texts["deliverable"].format(d=task.deliverable),
            "self_level_id": self.levels[end.get("self_level", end["level"])].id,
            "shortcomings": texts["shortcomings"], "lessons": texts["lessons"]})

    def final_assessment(self, key: str, n: int) -> None:
        task, texts = self.tasks[key], LEVEL_TEXTS[YEAR_END[key]["level"]]
        self.assessments[(key, "final")] = monitoring.add_assessment(task.monitor, task, Period.FINAL, {
            "supervision_form": SUPERVISION_FORMS[(n + 1) % 4], "judgement": texts["judgement"],
            "strengths": texts["strengths"], "shortcomings": texts["weaknesses"], "causes": ""})

    def verdict(self, key: str, outcome: dict[str, Any], ref: str) -> None:
        task = self.tasks[key]
        number, level = task.year.year, self.levels[outcome["level"]]
        data = {"level_id": level.id, "reasons": _text(outcome["reasons"], number),
                "commendation": outcome.get("commendation", "none"),
                "commendation_form": _text(outcome.get("commendation_form", ""), number),
                "measures": _text(outcome.get("measures", ""), number),
                "conclusion_ref": f"{ref} ngày {clock.today():%d/%m/%Y}"}
        if level.requires_percent:
            data["percent"] = outcome["percent"]
        decider = self.persons[outcome["by"]] if "by" in outcome else task.approved_by
        review.record_verdict(decider, task, data)

    def reopen(self, key: str) -> None:
        task, again = self.tasks[key], YEAR_END[key]["reopen"]
        review.reopen_task(self.persons[again["by"]], task, _text(again["reason"], task.year.year))


# -- the loader -------------------------------------------------------------------------------------------------

def demo_present() -> bool:
    """True when the demo accounts exist already."""
    return db.session.scalar(select(Person.id).where(Person.username == DEMO_LOGINS[0][0])) is not None


def load_demo(evidence_folder: str | Path | None = None) -> bool:
    """Load the demo through the services and flush; False (changing nothing) when it is already there.
    With ``evidence_folder`` (the evidence store), the even quarters' notes get a small generated PDF."""
    if demo_present():
        return False
    story = _Story(evidence_folder)
    story.plan()
    story.run()
    story.extend_window()
    db.session.flush()
    return True
