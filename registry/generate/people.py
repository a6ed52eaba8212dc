"""The org tree, the people with their role grants, and the reference data (years, fields, verdict levels)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from registry.generate.base import Writer
from registry.generate.vocabulary import AGENCIES, FIELDS, LEVEL_WEIGHTS, PLACES, PROVINCES, STAFF
from registry.models import Field, OrgUnit, Person, RoleGrant, Year, db
from registry.services.review import ensure_default_levels
from registry.text import fold


class PeopleBuilder(Writer):
    """Builds the org tree, the people and the reference data."""

    # -- the org tree and the people ------------------------------------------------------------------------
    def build_people(self) -> None:
        s = self.scale
        first_year = self.now.year - self.years + 1
        units, people, grants, heads = [], [], [], []
        self.committees: list[dict] = []  # {"id", "level", "staff": {role: [ids]}, "owners": [ids], "cells": [...]}
        self.logins: dict[str, str] = {}
        created = datetime(first_year - 1, 10, 1, tzinfo=UTC)

        def add_unit(name, code, level, parent):
            uid = self.next_id("org_units")
            path = f"{parent['path'] if parent else '/'}{uid}/"
            row = {"id": uid, "name": name, "code": code, "level": level, "parent_id": parent["id"] if parent else None,
                   "path": path, "head_id": None, "is_active": True, "merged_into_id": None}
            units.append(row)
            return row

        def add_person(username, position, unit_id, grant_roles):
            pid = self.next_id("people")
            full = self.name()
            people.append({"id": pid, "username": username, "full_name": full, "search_name": fold(full),
                           "position": position, "email": None, "org_unit_id": unit_id,
                           "password_hash": self.password_hash, "is_active_account": True, "created_at": created})
            self.usernames[pid] = username
            for role, gunit in grant_roles:
                grants.append({"id": self.next_id("role_grants"), "person_id": pid, "role": role, "unit_id": gunit})
            return pid

        def staff_committee(unit, prefix, big):
            committee = {"id": unit["id"], "level": unit["level"], "code": prefix, "staff": {}, "owners": [],
                         "cells": [], "unit": unit}
            for role, (suffix, title, small_n, big_n) in STAFF.items():
                ids = []
                for n in range(1, (big_n if big else small_n) + 1):
                    ids.append(add_person(f"{prefix}.{suffix}{n}", title, unit["id"], [(role, unit["id"])]))
                committee["staff"][role] = ids
            self.committees.append(committee)
            return committee

        for p in range(s.provinces):
            pname = PROVINCES[p % len(PROVINCES)] + ("" if p < len(PROVINCES) else f" {p}")
            pcode = f"p{p + 1:02d}"
            province = add_unit(f"Tỉnh ủy {pname}", pcode.upper(), "province", None)
            pc = staff_committee(province, pcode, True)
            for c in range(s.communes):
                kind = "Phường" if c % 5 == 0 else "Xã"
                unit = add_unit(f"Đảng ủy {kind.lower()} {PLACES[c % len(PLACES)]}"
                                + (f" {c // len(PLACES) + 1}" if c >= len(PLACES) else ""),
                                f"{pcode.upper()}-X{c + 1:03d}", "commune", province)
                cc = staff_committee(unit, f"{pcode}.x{c + 1:03d}", False)
                for k in range(s.cells):
                    cell = add_unit(f"Chi bộ thôn {k + 1}, {unit['name'].removeprefix('Đảng ủy ')}",
                                    f"{pcode.upper()}-X{c + 1:03d}-C{k + 1}", "party_cell", unit)
                    cc["cells"].append(cell)
            for a in range(s.agencies):
                unit = add_unit(f"Đảng ủy {AGENCIES[a % len(AGENCIES)]}" + (f" {a}" if a >= len(AGENCIES) else ""),
                                f"{pcode.upper()}-A{a + 1:02d}", "agency", province)
                staff_committee(unit, f"{pcode}.a{a + 1:02d}", False)
            # the Party secretary of each commune (its first standing member) also sits on the province committee
            for cc in self.committees:
                if cc["level"] == "commune" and cc["unit"]["parent_id"] == province["id"]:
                    grants.append({"id": self.next_id("role_grants"), "person_id": cc["staff"]["standing"][0],
                                   "role": "owner", "unit_id": province["id"]})
                    pc["owners"].append(cc["staff"]["standing"][0])

        # tasks per committee: province 8 %, agencies 12 %, communes the rest
        weights = []
        for cc in self.committees:
            weights.append({"province": 8.0 / s.provinces, "agency": 12.0 / max(1, s.provinces * s.agencies)
                            if s.agencies else 0}.get(cc["level"], 80.0 / max(1, s.provinces * s.communes)))
        total = sum(weights)
        self.committee_weights = [w / total for w in weights]
        for cc, share in zip(self.committees, self.committee_weights):
            owners = max(2, math.ceil(s.tasks * share / 4))  # about four tasks a year each
            for n in range(1, owners + 1):
                pid = add_person(f"{cc['code']}.uv{n}", "Ủy viên Ban Chấp hành", cc["id"], [("owner", cc["id"])])
                cc["owners"].append(pid)
            for k, cell in enumerate(cc["cells"]):  # a cell's head is one of the commune's owners
                head = cc["owners"][k % len(cc["owners"])]
                heads.append({"id": cell["id"], "head_id": head})
            heads.append({"id": cc["id"], "head_id": cc["staff"]["standing"][0]})

        self.write(OrgUnit, units)
        self.write(Person, people)
        self.write(RoleGrant, grants)
        db.session.execute(update(OrgUnit), heads)
        self.unit_of = {p["id"]: p["org_unit_id"] for p in people}
        for row in people:
            self.event(created + timedelta(seconds=row["id"]), None, "person.create", "person", row["id"],
                       subject=row["id"], unit=row["org_unit_id"],
                       after={"username": row["username"], "full_name": row["full_name"],
                              "position": row["position"], "org_unit_id": row["org_unit_id"]})
        self.units = units
        province_c = self.committees[0]
        commune_c = next((c for c in self.committees if c["level"] == "commune"), province_c)
        self.logins = {
            "standing": self.usernames[province_c["staff"]["standing"][1]],
            "secretariat": self.usernames[province_c["staff"]["secretariat"][0]],
            "inspector": self.usernames[province_c["staff"]["inspector"][0]],
            "monitor": self.usernames[commune_c["staff"]["monitor"][0]],
            "owner": self.usernames[commune_c["owners"][0]],
            "commune_standing": self.usernames[commune_c["staff"]["standing"][1]],
            "commune_secretariat": self.usernames[commune_c["staff"]["secretariat"][0]],
        }
        self.commune_c = commune_c

    def build_reference(self) -> None:
        fields = [{"id": self.next_id("fields"), "name": n, "name_en": en, "sort_order": i * 10,
                   "is_active": True} for i, (n, en) in enumerate(FIELDS.items())]
        self.write(Field, fields)
        self.field_ids = [f["id"] for f in fields]
        self.levels = {lv.code: lv for lv in ensure_default_levels()}
        self.level_codes = [c for c in LEVEL_WEIGHTS if c in self.levels]
        self.level_weights = [LEVEL_WEIGHTS[c] for c in self.level_codes]
        rows = []
        self.year_rows = {}
        for y in range(self.now.year - self.years + 1, self.now.year + 1):
            row = {"id": self.next_id("years"), "year": y, "registration_opens_on": date(y - 1, 11, 1),
                   "registration_closes_on": date(y, 3, 31), "q1_deadline": date(y, 4, 5),
                   "q2_deadline": date(y, 7, 5), "q3_deadline": date(y, 10, 5), "q4_deadline": date(y, 12, 20),
                   "grace_days": 7, "rating_regulation": "366-QĐ/TW"}
            rows.append(row)
            self.year_rows[y] = row
        self.write(Year, rows)
