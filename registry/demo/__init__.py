"""Demo data drawn from the seed cases (Tây Hồ, Yên Sơn, and ideas from Long Biên and Hồ Sơn), told across the
2025 reform of the administration (since 1 July 2025 there is no district level).

The cases are data, in ``data/*.toml``: the world (units, fields, decisions, plans, the demo logins), the
people, the reform, the tasks of the previous and the current year with their stories, and how the years unfold
(``cases.py`` reads and checks them). ``story.py`` replays them through the real services, so the demo obeys the
same rules as users do and every task carries a realistic audit history. ``load_demo`` only flushes; the caller
(the ``flask demo`` command) commits.

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
  grant reaches from one into the other. Each province's office is the secretariat of its top unit; the Hà Nội
  office opens the years (years and fields are installation-wide).
- **The previous year: districts.** At set-up the wards and communes sit under their district (Quận Tây Hồ,
  Huyện Yên Sơn), and every previous-year task is registered with the district committee, whose Standing
  Committee decides it and whose Fatherland Front monitors it, as in the seeds.
- **1 July of the previous year: the reform** (``reform.toml``). The province office moves each district's
  wards and communes up under the province and marks the district and its agencies inactive; the people take
  their new posts: the ward and commune committees get their own Standing Committee, secretariat, inspector,
  monitor and owners; some district cadres move up to the province committee.
- **The district committees close their year** after the December verdicts: the province office ends every
  grant held in an inactive unit and merges each closed unit into its successor (``admin.merge_units``), which
  takes its grants and open tasks — by then there are none. The previous year's tasks stay registered with the
  districts, read by the province's Standing Committee, secretariat and inspectors and by their owners.
- **The current year: province → wards, communes and agencies.** Every current-year task is registered with a
  ward or commune committee, or with the province committee; the unfinished district tasks carried over land
  with the district's successor, the province committee (``review.carry_over`` follows ``merged_into``).

The people and their names are invented; the cases and figures come from the seed articles.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from registry.demo.cases import DEMO_LOGINS, DEMO_PASSWORD
from registry.demo.story import Story
from registry.models import Person, db

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "demo_present", "load_demo"]


def demo_present() -> bool:
    """True when the demo accounts exist already."""
    return db.session.scalar(select(Person.id).where(Person.username == DEMO_LOGINS[0][0])) is not None


def load_demo(evidence_folder: str | Path | None = None) -> bool:
    """Load the demo through the services and flush; False (changing nothing) when it is already there.
    With ``evidence_folder`` (the evidence store), the even quarters' notes get a small generated PDF."""
    if demo_present():
        return False
    story = Story(evidence_folder)
    story.plan()
    story.run()
    story.extend_window()
    db.session.flush()
    return True
