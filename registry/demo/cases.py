"""The demo's cases, read from the TOML files in ``data/`` (shipped with the package) and checked: the world
(password, logins, fields, units, decisions, plans), the people, the reform, the tasks of both years and how the
years unfold. The files write days as dd/mm; here a day is ``(month, day)``."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any, NamedTuple

from registry.models import PUBLIC_COLUMNS, OrgLevel, Role

Day = tuple[int, int]
Grants = tuple[tuple[Role, str], ...]

#: the demo's years: the previous calendar year (closed, its tasks decided) and the current one (under way)
YEARS = ("previous", "current")
#: what a step of a task's story does, and what it names besides ``on`` (its day) and ``changes`` (Form A)
STEPS = {"submit": (), "withdraw": ("reason",), "return": ("by", "comment"), "update": (),
         "adjust": ("by", "reason"), "approve": ("by", "monitor")}


class Unit(NamedTuple):
    code: str
    name: str
    level: OrgLevel
    parent: str | None  #: the unit's code at set-up
    head: str | None  #: a username


class Account(NamedTuple):
    username: str
    full_name: str
    position: str
    unit: str
    grants: Grants


class Post(NamedTuple):
    """A person's post from the reform on (``position`` None: unchanged) and the grants added."""

    position: str | None
    unit: str
    grants: Grants


def read(name: str) -> dict[str, Any]:
    """One data file, parsed."""
    return tomllib.loads(resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8"))


def day(text: str) -> Day:
    """"30/11" → (11, 30)."""
    number, month = (int(part) for part in text.split("/"))
    return month, number


def grants(texts: list[str]) -> Grants:
    """["standing@HN-TAYHO"] → ((Role.STANDING, "HN-TAYHO"),)."""
    return tuple((Role(role), code) for role, _at, code in (text.partition("@") for text in texts))


def form(raw: dict[str, Any]) -> dict[str, Any]:
    """Form A as written (the whole task, or a step's changes) with its days, indicators and milestones read."""
    out = dict(raw)
    if "deadline" in raw:
        out["deadline"] = day(raw["deadline"])
    if "indicators" in raw:
        out["indicators"] = [{"name": i["name"], "unit": i["unit"], "baseline": i.get("baseline"),
                              "target": i["target"]} for i in raw["indicators"]]
    if "milestones" in raw:
        out["milestones"] = [(day(m["due"]), m["text"]) for m in raw["milestones"]]
    return out


def step(raw: dict[str, Any], committee: str) -> dict[str, Any]:
    """A step of a task's story; an approval cites the committee's decision unless it names its own."""
    out = {**raw, "on": day(raw["on"]) if "on" in raw else None, "changes": form(raw.get("changes", {}))}
    if raw["do"] == "approve":
        out["decision"] = raw.get("decision") or DECISIONS[committee]
    return out


def task(raw: dict[str, Any], which: str) -> dict[str, Any]:
    return {**form(raw), "year": which, "steps": [step(s, raw["committee"]) for s in raw.get("steps", [])]}


WORLD, PERSONS, REFORM, STORY = read("world.toml"), read("people.toml"), read("reform.toml"), read("story.toml")

DEMO_PASSWORD: str = WORLD["password"]
#: accounts to try the demo with (username, what you see when signed in as them); the first one marks the
#: demo as loaded
DEMO_LOGINS: list[tuple[str, str]] = [(login["username"], login["shows"]) for login in WORLD["logins"]]
#: the fields of work: (Vietnamese name, English name or None), in display order
FIELDS: list[tuple[str, str | None]] = [(f["name"], f.get("name_en")) for f in WORLD["fields"]]
UNITS = [Unit(u["code"], u["name"], OrgLevel(u["level"]), u.get("parent"), u.get("head")) for u in WORLD["units"]]
SECRETARY: str = WORLD["secretary"]
OFFICES: dict[str, str] = WORLD["offices"]
DECISIONS: dict[str, str] = WORLD["decisions"]
REFERENCES: dict[str, str] = WORLD["references"]

PEOPLE = [Account(p["username"], p["full_name"], p["position"], p["unit"], grants(p["grants"]))
          for p in PERSONS["people"]]
REFORM_DAY, YEAR_CLOSE_DAY = day(REFORM["day"]), day(REFORM["close_day"])
REFORM_HEADS: dict[str, str] = REFORM["heads"]
SUCCESSORS: dict[str, str] = REFORM["successors"]
AFTER_REFORM = {username: Post(p.get("position"), p["unit"], grants(p["grants"]))
                for username, p in REFORM["after_reform"].items()}
NEW_AT_REFORM = [Account(p["username"], p["full_name"], p["position"], p["unit"], grants(p["grants"]))
                 for p in REFORM["new_at_reform"]]

#: every task, the previous year's first: a task's place in this list sets its registration day and time
TASKS = [task(raw, which) for which in YEARS for raw in read(f"tasks-{which}.toml")["tasks"]]

QUARTER_DEADLINES = [day(text) for text in STORY["quarter_deadlines"]]
SUPERVISION_FORMS: list[str] = STORY["supervision_forms"]
RATING_REGULATIONS = sorted((r["from"], r["name"]) for r in STORY["rating_regulations"])
REOPEN_DAY, REDECIDE_DAY = day(STORY["reopen_day"]), day(STORY["redecide_day"])
SLOWNESS: dict[str, float] = STORY["slowness"]
DASHBOARDS: dict[str, str] = {k: v for k, v in STORY["dashboards"].items() if k != "at_risk_pace"}
AT_RISK_PACE: float = STORY["dashboards"]["at_risk_pace"]
VERDICT_MEETINGS = {code: (day(m["day"]), m["conclusion"]) for code, m in STORY["verdict_meetings"].items()}
LEVEL_TEXTS: dict[str, dict[str, str]] = STORY["levels"]
NOTE_TEXTS: dict[str, dict[str, str]] = STORY["notes"]
ASSESSMENT_TEXTS: dict[str, dict[str, str]] = STORY["assessments"]
MID_YEAR: dict[str, str] = STORY["mid_year"]
TEXTS: dict[str, Any] = STORY["texts"]
#: the emulation council's decision on a previous-year verdict's commendation proposal, recorded by the office
COUNCIL: dict[str, Any] = {**STORY["council"], "day": day(STORY["council"]["day"])}
#: the committee whose public page its office switches on, and the columns it publishes
PUBLIC_PAGE: dict[str, Any] = {**STORY["public_page"], "day": day(STORY["public_page"]["day"])}


def _named_units() -> list[tuple[str, str]]:
    """(where, unit code) for every unit the data files name."""
    accounts = PEOPLE + NEW_AT_REFORM
    return ([(p.username, p.unit) for p in accounts] + [(p.username, g) for p in accounts for _r, g in p.grants]
            + [(u, post.unit) for u, post in AFTER_REFORM.items()]
            + [(u, g) for u, post in AFTER_REFORM.items() for _r, g in post.grants]
            + [("successors", code) for pair in SUCCESSORS.items() for code in pair]
            + [("offices", code) for code in OFFICES] + [("decisions", code) for code in DECISIONS]
            + [(t["key"], t["committee"]) for t in TASKS] + [(t["key"], t["unit"]) for t in TASKS if "unit" in t]
            + [("public_page", PUBLIC_PAGE["unit"])])


def _named_people() -> list[tuple[str, str]]:
    """(where, username) for every person the data files name."""
    return ([("logins", u) for u, _shows in DEMO_LOGINS] + [("after_reform", u) for u in AFTER_REFORM]
            + [(f"unit {u.code}", u.head) for u in UNITS if u.head]
            + [(f"unit {code}", head) for code, head in REFORM_HEADS.items()]
            + [("offices", u) for u in OFFICES.values()] + [("secretary", SECRETARY)]
            + [(t["key"], t["owner"]) for t in TASKS]
            + [(t["key"], step[role]) for t in TASKS for step in t["steps"] for role in ("by", "monitor")
               if role in step]
            + [(t["key"], t["end"]["reopen"]["by"]) for t in TASKS if "reopen" in t.get("end", {})]
            + [("council", COUNCIL["by"]), ("public_page", PUBLIC_PAGE["by"])])


def problems() -> list[str]:
    """What in the data files names something that does not exist (empty when the demo can load)."""
    units = {u.code for u in UNITS}
    usernames = {p.username for p in PEOPLE + NEW_AT_REFORM}
    fields = {name for name, _en in FIELDS}
    keys = [t["key"] for t in TASKS]
    previous = {t["key"] for t in TASKS if t["year"] == "previous"}
    out = [f"unit {u.code}: its parent {u.parent} is missing or comes later" for n, u in enumerate(UNITS)
           if u.parent is not None and u.parent not in {v.code for v in UNITS[:n]}]
    out += [f"{where}: no such unit {code}" for where, code in _named_units() if code not in units]
    out += [f"{where}: no such person {name}" for where, name in _named_people() if name not in usernames]
    out += [f"{key}: key used twice" for n, key in enumerate(keys) if key in keys[:n]]
    for t in TASKS:
        if t["field"] not in fields:
            out.append(f"{t['key']}: no such field {t['field']}")
        if "carry" in t and t["carry"] not in previous:
            out.append(f"{t['key']}: carries over {t['carry']}, not a previous-year task")
        if "end" in t and t["end"]["level"] not in LEVEL_TEXTS:
            out.append(f"{t['key']}: unknown level {t['end']['level']}")
        for step in t["steps"]:
            if step["do"] not in STEPS or not set(STEPS[step["do"]]) <= set(step):
                missing = sorted(set(STEPS.get(step["do"], ())) - set(step))
                out.append(f"{t['key']}: unknown step {step['do']!r} or missing {missing}")
    proposing = {t["key"] for t in TASKS
                 if t["year"] == "previous" and t.get("end", {}).get("commendation", "none") != "none"}
    if COUNCIL["task"] not in proposing:
        out.append(f"council: {COUNCIL['task']} is not a previous-year task whose verdict proposes a commendation")
    out += [f"public_page: no such column {c}" for c in PUBLIC_PAGE["columns"] if c not in PUBLIC_COLUMNS]
    return out
