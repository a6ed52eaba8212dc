"""One year of tasks: registrations in every state with indicators and milestones, quarterly notes with
values and evidence, assessments and recommendations, self-assessments, sealed verdicts, carry-overs and
notifications."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from registry.generate.base import RowView, Writer
from registry.generate.vocabulary import CURRENT_STATES, DECIDED, PAST_STATES, SUBJECTS, UNITS
from registry.models import (
    Assessment,
    EvidenceFile,
    Indicator,
    IndicatorValue,
    Milestone,
    Notification,
    ProgressNote,
    Recommendation,
    SelfAssessment,
    Task,
    Verdict,
)
from registry.services.review import compute_seal
from registry.services.task_input import TEXT_FIELDS
from registry.text import fold


class YearBuilder(Writer):
    """Builds one year of tasks and everything under them."""

    # -- one year of tasks ----------------------------------------------------------------------------------
    def build_year(self, y: int, carry_from: list[dict]) -> list[dict]:
        r, s = self.rng, self.scale
        current = y == self.now.year
        year_row = self.year_rows[y]
        deadlines = [year_row[f"q{q}_deadline"] for q in (1, 2, 3, 4)]
        start = datetime(y, 1, 1, tzinfo=UTC)
        if current:
            now_day = (self.now - start).total_seconds() / 86400
            year_end = min(344.0, now_day - 12)
        else:
            now_day, year_end = 400.0, 344.0
        dl_day = [(datetime(d.year, d.month, d.day, tzinfo=UTC) - start).days for d in deadlines]
        due_quarters = sum(1 for d in dl_day if d + 1 < now_day)
        states, sweights = zip(*(CURRENT_STATES if current else PAST_STATES))
        tasks, indicators, milestones, notes, values, files = [], [], [], [], [], []
        assessments, recs, selfs, verdicts, notifs = [], [], [], [], []
        unfinished = []
        carry = list(carry_from)
        r.shuffle(carry)
        n_carry = min(len(carry), s.tasks // 50)
        picks = r.choices(range(len(self.committees)), weights=self.committee_weights, k=s.tasks)
        for index, ci in enumerate(picks):
            cc = self.committees[ci]
            carried = carry[index] if index < n_carry else None
            if carried is not None:
                cc = next(c for c in self.committees if c["id"] == carried["committee_id"])
            tid = self.next_id("tasks")
            state = r.choices(states, weights=sweights)[0] if carried is None or not current else \
                r.choice(["in_progress", "self_assessed", "reviewed"])
            collective = carried is None and cc["cells"] and r.random() < 0.12
            if carried is not None:
                owner = carried["owner_id"]
            elif collective:
                cell = r.choice(cc["cells"])
                owner = self.cell_head[cell["id"]]
            else:
                owner = r.choice(cc["owners"])
            standing = [p for p in cc["staff"]["standing"] if p != owner]
            monitors = [p for p in cc["staff"]["monitor"] if p != owner]
            approver, monitor = r.choice(standing), r.choice(monitors)
            subject = r.choice(SUBJECTS)
            title = f"{subject} tại {cc['unit']['name'].removeprefix('Đảng ủy ')} năm {y}"
            if carried is not None:
                title = f"{carried['title'].rsplit(' năm ', 1)[0]} năm {y} (chuyển tiếp)"
            t_create = self.day(y, r.uniform(1, 30))
            t_submit = t_create + timedelta(days=r.uniform(1, 10))
            t_decide = t_submit + timedelta(days=r.uniform(3, 20))
            decided = state in DECIDED
            row = {
                "id": tid, "year_id": year_row["id"], "kind": r.choices(["hard", "breakthrough", "mass_mobilisation"],
                                                                        weights=[6, 3, 1])[0],
                "ownership": "collective" if collective else "individual", "owner_id": owner,
                "owner_unit_id": cell["id"] if collective else None,
                "org_unit_id": cell["id"] if collective else self.unit_of[owner], "committee_id": cc["id"],
                "field_id": r.choice(self.field_ids), "state": state, "title": title, "search_text": fold(title),
                "situation": f"Thực trạng: {subject.lower()} còn chậm, nhiều vướng mắc kéo dài.",
                "goal": "Hoàn thành dứt điểm trong năm", "deliverable": "Báo cáo kết quả và hồ sơ hoàn thành",
                "measures": "Thành lập tổ công tác, họp dân, phân công cụ thể", "deadline": date(y, 11, 30),
                "coordinating_units": "Ủy ban MTTQ, các đoàn thể", "authority": r.choice(["own", "own", "superior"]),
                "resources": "Ngân sách địa phương", "support_requested": "", "locality": cc["unit"]["name"],
                "reference_documents": "Nghị quyết Đại hội", "is_committed": True,
                "submitted_at": None if state == "draft" or (state == "withdrawn" and r.random() < 0.5) else t_submit,
                "decided_at": t_decide if decided else None,
                "decision_ref": f"{r.randint(1, 400)}-QĐ/{cc['code'].upper()}" if decided else None,
                "decision_date": t_decide.date() if decided else None,
                "approved_by_id": approver if decided else None, "monitor_id": monitor if decided else None,
                "return_comment": "Đề nghị làm rõ chỉ tiêu và thời hạn." if state == "returned" else None,
                "withdrawn_reason": "Đã giải quyết xong trước khi đăng ký." if state == "withdrawn" else None,
                "carried_from_id": carried["id"] if carried else None,
                "carry_reason": "Chưa hoàn thành, tiếp tục thực hiện" if carried else None,
                "created_at": t_create, "updated_at": t_decide if decided else t_create, "version": 1,
            }
            tasks.append(row)
            unit_id, ev = cc["id"], self.event
            ev(t_create, owner, "task.carry_over" if carried else "task.create", "task", tid, task=tid,
               subject=owner, unit=unit_id, after={"state": "draft", "title": title})
            if row["submitted_at"] is not None:
                ev(t_submit, owner, "task.submit", "task", tid, task=tid, subject=owner, unit=unit_id,
                   before={"state": "draft"}, after={"state": "submitted"})
            if state == "returned":
                ev(t_decide, approver, "task.return", "task", tid, task=tid, subject=owner, unit=unit_id,
                   before={"state": "submitted"}, after={"state": "returned", "comment": row["return_comment"]})
                notifs.append(self.notif(owner, "task.returned", tid, t_decide, current))
            if state == "withdrawn":
                ev(t_decide, owner, "task.withdraw", "task", tid, task=tid, subject=owner, unit=unit_id,
                   after={"state": "withdrawn", "reason": row["withdrawn_reason"]})
            # indicators and milestones
            inds = []
            for pos in range(2 if r.random() < 0.7 else 1):
                unit_name, base, target = r.choice(UNITS)
                iid = self.next_id("indicators")
                inds.append({"id": iid, "task_id": tid, "position": pos, "name": f"Chỉ tiêu {pos + 1}",
                             "unit": unit_name, "baseline": base, "target": target})
            indicators.extend(inds)
            ms = [{"id": self.next_id("milestones"), "task_id": tid, "position": pos, "description": d,
                   "due_on": date(y, m, 28)} for pos, (d, m) in enumerate([("Hoàn thành khảo sát", 3),
                                                                         ("Triển khai thực hiện", 9)])]
            milestones.extend(ms)
            if not decided:
                continue
            ev(t_decide, approver, "task.approve", "task", tid, task=tid, subject=owner, unit=unit_id,
               before={"state": "submitted"},
               after={"state": "approved", "decision_ref": row["decision_ref"], "monitor_id": monitor})
            notifs.append(self.notif(owner, "task.approved", tid, t_decide, current))
            notifs.append(self.notif(monitor, "task.assigned", tid, t_decide, current))
            # quarterly notes
            n_notes = {"approved": 0, "in_progress": max(1, due_quarters) if current else 4, "self_assessed": 4,
                       "reviewed": 4}[state]
            progress = r.uniform(0.15, 0.3)
            task_notes, task_files, task_ass, task_recs, task_values = [], [], [], [], []
            for q in range(1, n_notes + 1):
                when_day = dl_day[q - 1] + r.uniform(-12, 2) if q < 4 else min(dl_day[3] + r.uniform(-12, 0),
                                                                                year_end - r.uniform(1, 6))
                when = self.day(y, when_day)
                late = when.date() > deadlines[q - 1]
                progress = min(1.0, progress + r.uniform(0.1, 0.3))
                status = "done" if progress >= 1.0 else r.choice(["on_track", "on_track", "at_risk", "late"])
                nid = self.next_id("progress_notes")
                note = {"id": nid, "task_id": tid, "quarter": q, "author_id": owner,
                        "work_done": f"Quý {q}: đã tổ chức {r.randint(2, 9)} cuộc họp, vận động {r.randint(5, 80)} hộ.",
                        "percent_complete": round(progress * 100, 1), "is_percent_derived": False,
                        "status": status, "difficulties": "Một số hộ chưa đồng thuận." if r.random() < 0.5 else "",
                        "causes": "", "proposals": "", "next_plan": "Tiếp tục vận động, hoàn thiện hồ sơ.",
                        "submitted_at": when, "is_late": late, "updated_at": when, "version": 1}
                task_notes.append(note)
                note_values = {}
                for ind in inds:
                    value = round(ind["baseline"] + (ind["target"] - ind["baseline"]) * progress, 1)
                    task_values.append({"id": self.next_id("indicator_values"), "note_id": nid,
                                        "indicator_id": ind["id"], "value": value})
                    note_values[str(ind["id"])] = value
                ev(when, owner, "note.create", "progress_note", nid, task=tid, subject=owner, unit=unit_id,
                   after={"quarter": q, "is_late": late, "status": status,
                          "percent_complete": note["percent_complete"], "values": note_values,
                          "task_state": "in_progress"})
                notifs.append(self.notif(monitor, "note.new", tid, when, current, {"quarter": q}))
                if q in (2, 4) and r.random() < 0.5:  # evidence: a tiny file on disk
                    fid = self.next_id("evidence_files")
                    content = f"%PDF-1.4\n% minh chung {fid} {secrets.token_hex(4)}\n%%EOF\n".encode()
                    stored = secrets.token_hex(16)
                    (self.evidence_dir / stored).write_bytes(content)
                    digest = hashlib.sha256(content).hexdigest()
                    frow = {"id": fid, "task_id": tid, "note_id": nid, "original_name": f"bien-ban-quy-{q}.pdf",
                            "stored_name": stored, "size_bytes": len(content), "content_type": "application/pdf",
                            "sha256": digest, "uploaded_by_id": owner, "uploaded_at": when + timedelta(minutes=5)}
                    task_files.append(frow)
                    ev(frow["uploaded_at"], owner, "evidence.attach", "evidence_file", fid, task=tid, subject=owner,
                       unit=unit_id, after={"note_id": nid, "quarter": q, "name": frow["original_name"],
                                            "size": len(content), "type": "application/pdf", "sha256": digest})
                # the monitor assesses Q2 and Q4, sometimes Q1 and Q3
                if q in (2, 4) or r.random() < 0.25:
                    a_when = min(when + timedelta(days=r.uniform(2, 15)), self.day(y, year_end))
                    task_ass.append(self.assessment(tid, owner, monitor, f"q{q}", a_when, current, unit_id,
                                                    task_recs, notifs))
            notes.extend(task_notes)
            values.extend(task_values)
            files.extend(task_files)
            if state in ("self_assessed", "reviewed"):
                t_self = self.day(y, year_end + r.uniform(0, 2))
                level_code = r.choices(self.level_codes, weights=self.level_weights)[0]
                results = [{"indicator_id": ind["id"], "name": ind["name"], "unit": ind["unit"],
                            "baseline": ind["baseline"], "target": ind["target"],
                            "reached": round(ind["baseline"] + (ind["target"] - ind["baseline"]) * progress, 1)}
                           for ind in inds]
                sa = {"id": self.next_id("self_assessments"), "task_id": tid, "author_id": owner,
                      "indicator_results": results, "deliverable": "Đã hoàn thành hồ sơ, bàn giao mặt bằng.",
                      "self_level_id": self.levels[level_code].id, "shortcomings": "Tiến độ quý 2 còn chậm.",
                      "lessons": "Phát huy vai trò người có uy tín.", "submitted_at": t_self}
                selfs.append(sa)
                ev(t_self, owner, "task.self_assess", "self_assessment", sa["id"], task=tid, subject=owner,
                   unit=unit_id, before={"state": "in_progress"},
                   after={"state": "self_assessed", "indicator_results": results, "deliverable": sa["deliverable"],
                          "self_level": level_code, "shortcomings": sa["shortcomings"], "lessons": sa["lessons"]})
                notifs.append(self.notif(monitor, "task.self_assessed", tid, t_self, current))
                t_final = t_self + timedelta(days=r.uniform(0.5, 3))
                task_ass.append(self.assessment(tid, owner, monitor, "final", t_final, current, unit_id,
                                                task_recs, notifs, final=True))
                if state == "reviewed":
                    task_view = self.task_view(row, y, inds, ms, task_notes, task_values, task_files, task_ass,
                                               task_recs, sa)
                    t_verdict = t_final + timedelta(days=r.uniform(1, 4))
                    reopened = r.random() < 0.01
                    if reopened:  # decided, reopened with a reason, decided again
                        old = self.verdict(tid, approver, "on_time", t_verdict, task_view, owner, unit_id, notifs,
                                           current, reopened=(t_verdict + timedelta(hours=20),
                                                              "Bổ sung minh chứng theo kiến nghị của MTTQ."))
                        verdicts.append(old)
                        t_verdict += timedelta(days=2)
                    v = self.verdict(tid, approver, level_code, t_verdict, task_view, owner, unit_id, notifs,
                                     current)
                    verdicts.append(v)
                    if self.levels[level_code].outcome.value in ("partial", "not_done"):
                        unfinished.append(row)
            assessments.extend(task_ass)
            recs.extend(task_recs)
            for rec in task_recs:
                if rec["status"] == "replied":
                    ev(rec["replied_at"], owner, "recommendation.reply", "recommendation", rec["id"], task=tid,
                       subject=owner, unit=unit_id, before={"status": "open"},
                       after={"status": "replied", "reply": rec["reply"], "late": rec["replied_at"].date()
                              > rec["reply_deadline"]})
        self.write(Task, tasks)
        self.write(Indicator, indicators)
        self.write(Milestone, milestones)
        self.write(ProgressNote, notes)
        self.write(IndicatorValue, values)
        self.write(EvidenceFile, files)
        self.write(Assessment, [{k: v for k, v in a.items() if k != "_recs"} for a in assessments])
        self.write(Recommendation, recs)
        self.write(SelfAssessment, selfs)
        self.write(Verdict, verdicts)
        self.write(Notification, notifs)
        self.tasks_of_year = tasks
        return unfinished

    def notif(self, person: int, kind: str, task: int, when: datetime, current: bool, params=None) -> dict:
        read = not current or self.rng.random() < 0.6
        return {"id": self.next_id("notifications"), "person_id": person, "kind": kind, "task_id": task,
                "params": params or {}, "dedupe_key": None, "created_at": when,
                "read_at": min(when + timedelta(hours=self.rng.randint(1, 72)), self.now) if read else None,
                "emailed_at": None}

    def assessment(self, tid, owner, monitor, period, when, current, unit_id, recs, notifs, final=False) -> dict:
        r = self.rng
        aid = self.next_id("assessments")
        ack = r.random() < 0.6 and not final
        row = {"id": aid, "task_id": tid, "monitor_id": monitor, "period": period,
               "supervision_form": r.choice(["document_review", "field_survey", "delegation", "public_consultation"]),
               "strengths": "Chủ động, sát cơ sở.", "shortcomings": "Tiến độ một số hạng mục còn chậm.",
               "causes": "Vướng mắc về hồ sơ đất đai.", "judgement": r.choice(["on_track", "on_track", "late"]),
               "created_at": when, "acknowledged_at": when + timedelta(days=1) if ack else None,
               "acknowledged_by_id": owner if ack else None}
        mine = []
        if not final and r.random() < 0.4:
            replied = r.random() < 0.7
            deadline = (when + timedelta(days=30)).date()
            rec = {"id": self.next_id("recommendations"), "assessment_id": aid, "task_id": tid,
                   "content": "Đề nghị công khai kết quả đo đạc cho các hộ dân.", "addressee": "Chủ tịch UBND",
                   "reply_deadline": deadline, "status": "replied" if replied else "open",
                   "reply": "Đã niêm yết công khai tại nhà văn hóa thôn." if replied else None,
                   "replied_at": min(when + timedelta(days=r.uniform(3, 40)), self.now - timedelta(hours=2)).replace(
                       microsecond=0) if replied else None, "replied_by_id": owner if replied else None}
            mine.append(rec)
            recs.append(rec)
            notifs.append(self.notif(owner, "recommendation.new", tid, when, current))
        row["_recs"] = mine
        self.event(when, monitor, "assessment.create", "assessment", aid, task=tid, subject=owner, unit=unit_id,
                   after={"period": period, "supervision_form": row["supervision_form"],
                          "judgement": row["judgement"], "strengths": row["strengths"],
                          "shortcomings": row["shortcomings"], "causes": row["causes"],
                          "recommendations": [{"id": x["id"], "content": x["content"], "addressee": x["addressee"],
                                               "reply_deadline": x["reply_deadline"].isoformat()} for x in mine]})
        if ack:
            self.event(row["acknowledged_at"], owner, "assessment.acknowledge", "assessment", aid, task=tid,
                       subject=owner, unit=unit_id, after={"acknowledged": True})
        notifs.append(self.notif(owner, "assessment.new", tid, when, current))
        return row

    def task_view(self, row, y, inds, ms, notes, values, files, assessments, recs, sa) -> SimpleNamespace:
        """The task as ``registry.services.review.compute_seal`` reads it, from the rows about to be written."""
        from registry.models import Authority, Judgement, Period, ProgressStatus, RecommendationStatus, TaskKind
        by_note: dict[int, list] = {}
        for v in values:
            by_note.setdefault(v["note_id"], []).append(SimpleNamespace(**v))
        ns = RowView
        return ns(
            id=row["id"], year=ns(year=y), owner_id=row["owner_id"], decision_ref=row["decision_ref"],
            decision_date=row["decision_date"], monitor_id=row["monitor_id"],
            **{k: row.get(k, "") for k in TEXT_FIELDS},  # a text field the generator leaves out is empty
            **{k: row[k] for k in ("field_id", "deadline", "is_committed", "owner_unit_id")},
            kind=TaskKind(row["kind"]), authority=Authority(row["authority"]),
            ownership=ns(value=row["ownership"]),
            indicators=[ns(as_dict=lambda i=i: Indicator.as_dict(ns(**i))) for i in inds],
            milestones=[ns(as_dict=lambda m=m: Milestone.as_dict(ns(**m))) for m in ms],
            adjustments=[],
            notes=[ns(**{**n, "status": ProgressStatus(n["status"])}, values=by_note.get(n["id"], []), amendments=[])
                   for n in notes],
            files=[ns(**f) for f in files],
            assessments=[ns(**{**a, "period": Period(a["period"]), "judgement": Judgement(a["judgement"])},
                            recommendations=[ns(**{**x, "status": RecommendationStatus(x["status"])})
                                             for x in a["_recs"]]) for a in assessments],
            self_assessment=ns(**sa),
        )

    def verdict(self, tid, approver, level_code, when, view, owner, unit_id, notifs, current, reopened=None):
        from registry.models import Commendation
        r = self.rng
        level = self.levels[level_code]
        commend = level_code == "exceeded" and r.random() < 0.5
        unfinished = level.outcome.value in ("partial", "not_done")
        row = {"id": self.next_id("verdicts"), "task_id": tid, "level_id": level.id,
               "percent": float(r.randint(40, 90)) if level.requires_percent else None,
               "reasons": f"Kết quả đạt mức: {level.name}.", "commendation": "reward" if commend else "none",
               "commendation_form": "Giấy khen của Ban Thường vụ" if commend else "",
               "measures": "Chuyển tiếp sang năm sau, bổ sung nguồn lực." if unfinished else "",
               "conclusion_ref": f"Thông báo kết luận số {r.randint(1, 300)}-TB", "decided_by_id": approver,
               "decided_at": when, "seal": "", "is_current": reopened is None,
               "reopened_at": reopened[0] if reopened else None, "reopened_by_id": approver if reopened else None,
               "reopen_reason": reopened[1] if reopened else None}
        verdict_view = RowView(**{**row, "commendation": Commendation(row["commendation"])})
        row["seal"] = compute_seal(view, verdict_view)
        self.event(when, approver, "task.verdict", "verdict", row["id"], task=tid, subject=owner, unit=unit_id,
                   before={"state": "self_assessed"},
                   after={"state": "reviewed", "level": level_code, "percent": row["percent"],
                          "reasons": row["reasons"], "commendation": row["commendation"],
                          "commendation_form": row["commendation_form"], "measures": row["measures"],
                          "conclusion_ref": row["conclusion_ref"], "seal": row["seal"]})
        if reopened:
            self.event(reopened[0], approver, "task.reopen", "task", tid, task=tid, subject=owner, unit=unit_id,
                       before={"state": "reviewed"}, after={"state": "self_assessed", "reason": reopened[1]})
        notifs.append(self.notif(owner, "task.verdict", tid, when, current,
                                 {"level": level.name, "level_en": level.name_en}))
        return row
