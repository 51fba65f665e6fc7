#!/usr/bin/env python3
"""Exact benchmark for Xuequ's teacher-rotation suggestion (交流方案建议).

For each district of the county, this script

1. reads everything through the app's HTTP API (schools, per-part students of the balance
   year, teachers, the eligible list, the suggestion, the quality-standard balance answers,
   the other plans of the year, the itinerant timetable);
2. rebuilds the balance engine's teacher indicators in Python and checks that it reproduces
   the app's own coefficients (`balanceBefore` and `balanceAfter` of the suggestion);
3. checks the suggestion's moves against every hard rotation rule;
4. solves a mixed-integer model of the same choice with CBC (PuLP's bundled solver), within a
   time limit, and evaluates the solver's moves exactly;
5. prints one table row per district.

Objective (both the model's and the exact evaluator's)
------------------------------------------------------
    F = Σ_{part ∈ {primary, junior}} Σ_{k ∈ teacher indicators} CV_{part,k} / limit_part

over the three teacher indicators of the quality standard (优质均衡): teachers above the
required education per 100 students (专科+ for primary, 本科+ for junior), county-or-higher
backbone teachers per 100, full-time PE/music/art teachers per 100.  For one (part, k), with the
units i (school parts that take part, see BalanceEngine.units), P_i students, amount A_i:

    X_i = 100·A_i/P_i,  X̄ = Σ P_i X_i / P,  S² = Σ (P_i/P)(X_i − X̄)²,  CV = S/X̄.

The four facility indicators do not depend on teacher moves, so the app's score (which sums all
seven) differs from F by a constant; F is what is reported here.

Amounts: a single-part school holds all its teachers; a split school (nine-year, complete
secondary, twelve-year) holds the teachers of each part, plus the teachers without a part
shared out by student weight (junior ×1.1 in a nine-year school, senior ×1.2 in a complete
secondary one, 1 : 1.1 : 1.32 in a twelve-year one).  A moved teacher leaves the origin's key
(their stagePart, or the shared pool) and joins the receiving school in `toPart` (split) or the
whole school (single part), exactly like Scenario.applied.

Hard rules (model constraints and the suggestion check)
-------------------------------------------------------
* exactly `quota.required` movers, at least `quota.backboneRequired` county-or-higher backbone;
* only teachers on the eligible list of the year (GET /api/v1/exchange/eligible);
* receiving school: active, in the district, not the teacher's own; never rural → town/urban;
* the teacher keeps their part (receivingPart of Optimiser.swift): own part, or the origin's
  first part when they have none; a school without that part cannot receive them;
* the teacher's qualification type must cover the receiving stage (QualificationType.covers);
  a teacher without a recorded qualification is allowed, as the app allows it (with a
  warning), unless --strict-qualification;
* a school sends at most max(1, ⌊teachers/5⌋) (teachers = its compulsory-part teachers);
* teachers already in another plan of the year (any plan of the year except the district's own
  open plan, which the suggestion replaces) and itinerant (走教) teachers on the district's
  timetable do not move.

The model (per district)
------------------------
* x[t,s] ∈ {0,1} for every allowed (teacher, receiving school); Σ_s x[t,s] ≤ 1; the quota,
  backbone and one-fifth rules are linear constraints.
* Each unit amount A_{i,k} is linear in x (±1 per moved teacher holding the indicator, −share
  for a split school's teacher without a part).
* Per unit and indicator u ≥ (100·A/P − c)², c = the part's mean before the moves, modelled by
  the secants between consecutive *reachable* amounts (every value A can take given the unit's
  possible arrivals and departures, including multiples of a shared-pool share).  The square is
  convex, so the secants' maximum equals it at every reachable amount: u is exact at every plan.
  V_c = Σ_i (P_i/P) u_i is then exactly Σ(P_i/P)(X_i − c)².
* The mean: ΔT, the change of the part's total, is linear in x and nonzero only for moves that
  cross the edge of the computation (to or from a school that is not a unit: a teaching point
  under 50 students, a school without conditions, a senior school) or take a split school's
  teacher without a part.  One binary per reachable integer value of ΔT ("level") selects it;
  then exactly S² = V_c − (100·ΔT/P)² and X̄ = c + 100·ΔT/P.  (Were ΔT fractional — shared
  teachers — the levels become unit-wide bins and the model a relaxation, exact at integers.)
* √S² is concave: a multiple-choice piecewise-linear model (one binary per segment), with
  breakpoints quadratically spaced in S between valid bounds: below, the LP relaxation's least
  V_c minus the largest shift; above, from the best known plan's exact value F (a better plan
  has each term ≤ F − the other terms' lower bounds).  Chords lie below √, so the model never
  overestimates a plan and the solver's bound is valid for the true objective.
* Each term S / (limit · X̄): S is split by level, each share bounded by its level's binary and
  divided by that level's exact denominator.

Solving: phase 1 holds the mean at c (no levels; quick, finds good plans), then the exact-mean
model is solved from the best plan (CBC warm start), with the best plan's exact variances added
as breakpoints; while time remains and it is solved with a gap left by the √ chords, it is
solved again with twice the segments.  The reported plan is always the best one found,
evaluated *exactly* by an independent recomputation (the evaluator reproduces the app's own
coefficients, checked on every run against balanceBefore/balanceAfter); the reported bound is
CBC's best bound of the last exact-mean solve (+ the constant terms no move changes).

Usage
-----
    python3 exchange_exact.py --url http://127.0.0.1:8231 [--year YEAR] [--districts 1,2]
                              [--time-limit 120] [--segments 48] [--threads 1]
                              [--strict-qualification] [--no-solve] [--json results.json]

Without --year the suggest endpoint's default year is used (its answer's `year`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

# --------------------------------------------------------------------------------------------
# Domain constants (national rules, Sources/Balance/Domain/BalanceRules.swift). The API does not
# expose the rule set in force; the script checks that it reproduces the app's coefficients and
# says so loudly when it does not.
# --------------------------------------------------------------------------------------------

EDUCATION_ORDER = ["high_school", "secondary", "junior_college", "bachelor", "master", "doctor"]
REQUIRED_EDUCATION = {"primary": "junior_college", "junior": "bachelor"}
JUNIOR_WEIGHT, SENIOR_WEIGHT, TWELVE_YEAR_WEIGHTS = 1.1, 1.2, (1.0, 1.1, 1.32)
TEACHING_POINT_MINIMUM = 50
# Valid inequalities tying the ΔT levels to the moves across the edge of the computation. They
# tighten the root relaxation a little but, in trials, slowed CBC's search: off by default.
LEVEL_MOVE_CUTS = False
TEACHER_INDICATORS = ["above_required_education_per_100", "backbone_per_100", "pe_art_per_100"]
PARTS = ["primary", "junior"]
COMPULSORY_STAGES = {"primary", "junior", "nine_year", "complete_secondary", "twelve_year", "teaching_point"}
STAGE_PARTS = {
    "primary": ["primary"], "teaching_point": ["primary"], "junior": ["junior"],
    "nine_year": ["primary", "junior"], "complete_secondary": ["junior", "senior"],
    "twelve_year": ["primary", "junior", "senior"], "senior": ["senior"], "vocational": ["senior"],
}
COUNTY_OR_HIGHER = {"county", "city", "province"}
PE_ART = {"pe", "music", "art"}
QUALIFICATION_LEVEL = {"kindergarten": 1, "primary": 2, "junior": 3, "senior": 4, "vocational": 4}


def level_needed(part: str | None, stage: str) -> int:
    """CertificateType.levelNeeded."""
    if part is not None:
        return {"primary": 2, "junior": 3}.get(part, 4)
    if stage == "kindergarten":
        return 1
    if stage in ("primary", "teaching_point", "special"):
        return 2
    if stage in ("junior", "nine_year"):
        return 3
    return 4


def covers(qualification: str | None, part: str | None, stage: str) -> bool:
    level = QUALIFICATION_LEVEL.get(qualification or "")
    return level is not None and level >= level_needed(part, stage)


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


class API:
    def __init__(self, base: str, username: str, password: str, timeout: float = 300):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.token = None
        self.token = self.call("POST", "/api/v1/session", {"username": username, "password": password})["token"]

    def call(self, method: str, path: str, body=None, query: dict | None = None, allow=(200, 201)):
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        last = None
        for attempt in range(4):
            req = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    return json.loads(r.read().decode() or "null")
            except urllib.error.HTTPError as e:
                text = e.read().decode(errors="replace")
                if e.code in allow:
                    return json.loads(text)
                if e.code in (502, 503, 504) and attempt < 3:
                    time.sleep(2 * (attempt + 1))
                    continue
                raise RuntimeError(f"{method} {url} → {e.code}: {text[:300]}") from None
            except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
                last = e
                time.sleep(2 * (attempt + 1))
        raise RuntimeError(f"{method} {url}: {last}")

    def get(self, path: str, **query):
        return self.call("GET", path, query=query)

    def get_optional(self, path: str, **query):
        try:
            return self.get(path, **query)
        except RuntimeError as e:
            if "→ 404" in str(e) or "→ 403" in str(e):
                return None
            raise

    def paged(self, path: str, **query) -> list:
        out, page = [], 1
        while True:
            r = self.get(path, page=page, per=200, **query)
            items = r.get("items", [])
            out.extend(items)
            if not items or len(out) >= r.get("total", 0) or len(items) < 200:
                return out
            page += 1


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass
class School:
    id: int
    name: str
    stage: str
    locality: str
    active: bool
    in_facts: bool                      # taken by the balance engine (compulsory stage, active or merged later)
    students: dict                      # {"primary","junior","senior"} of the balance year (0 without conditions)
    has_conditions: bool

    @property
    def parts(self) -> list:
        return STAGE_PARTS.get(self.stage, [])

    @property
    def split(self) -> bool:
        return len(self.parts) > 1

    @property
    def rural(self) -> bool:
        return self.locality == "rural"

    def share(self, part: str) -> float:
        """BalanceEngine.share: the part's share of facilities and of teachers without a part."""
        a, b, c = self.students["primary"], self.students["junior"], self.students["senior"]
        if self.stage == "nine_year":
            w = {"primary": a, "junior": JUNIOR_WEIGHT * b}
        elif self.stage == "complete_secondary":
            w = {"junior": b, "senior": SENIOR_WEIGHT * c}
        elif self.stage == "twelve_year":
            w = {"primary": TWELVE_YEAR_WEIGHTS[0] * a, "junior": TWELVE_YEAR_WEIGHTS[1] * b, "senior": TWELVE_YEAR_WEIGHTS[2] * c}
        else:
            return 1.0 if part in self.parts else 0.0
        total = sum(w.values())
        return w.get(part, 0.0) / total if total > 0 else 0.0


@dataclass
class Teacher:
    id: int
    school: int
    part: str | None                    # stagePart
    education: str
    backbone: bool
    pe_art: bool
    qualification: str | None = None    # from the eligible list (the app's effective type)

    def flag(self, k: int, part: str) -> int:
        """Does this teacher count for indicator k in `part`?"""
        if k == 0:
            edu = self.education if self.education in EDUCATION_ORDER else "bachelor"
            return int(EDUCATION_ORDER.index(edu) >= EDUCATION_ORDER.index(REQUIRED_EDUCATION[part]))
        if k == 1:
            return int(self.backbone)
        return int(self.pe_art)


@dataclass
class Move:
    teacher: int
    origin: int
    dest: int
    to_part: str | None


@dataclass
class District:
    id: int
    name: str
    year: int                           # the plan year
    facts_year: int                     # the balance year the suggestion evaluates
    schools: dict                       # id → School (all schools of the district)
    teachers: dict                      # id → Teacher (all teachers of the district)
    eligible: dict                      # teacher id → eligible item
    limits: dict                        # part → quality limit
    balance: dict                       # part → the /balance answer (before)
    suggestion: dict
    suggest_seconds: float
    blocked_plan: set = field(default_factory=set)       # teachers in another plan of the year
    blocked_itinerant: set = field(default_factory=set)  # itinerant teachers on the timetable
    notes: list = field(default_factory=list)

    def teachers_at(self, school_id: int) -> int:
        """Teachers counted for the fifth rule (the optimiser's candidates: no senior part)."""
        return sum(1 for t in self.teachers.values() if t.school == school_id and t.part != "senior")


def load_district(api: API, district: dict, year: int | None, plans_cache: dict) -> District:
    d = district["id"]
    started = time.time()
    suggestion = api.call("POST", "/api/v1/exchange/plans/suggest", {"year": year, "district": d})
    suggest_seconds = time.time() - started
    year = suggestion["year"]
    facts_year = suggestion["balanceBefore"]["primary"]["year"]
    notes = []

    balance = {}
    for part in PARTS:
        balance[part] = api.get("/api/v1/balance", standard="quality", stage=part, district=d, year=facts_year)
        if balance[part].get("teachers") == "recorded":
            notes.append(f"balance {part} {facts_year} uses RECORDED teacher figures: the live roster will not reproduce it")
    limits = {part: balance[part]["coefficients"][0]["limit"] for part in PARTS}

    schools = {}
    for s in api.paged("/api/v1/schools", district=d):
        active = s["status"] == "active"
        in_facts = s["stage"] in COMPULSORY_STAGES and active
        if s["stage"] in COMPULSORY_STAGES and not active:
            detail = api.get(f"/api/v1/schools/{s['id']}")
            merged_on = detail.get("mergedOn")
            in_facts = bool(merged_on and merged_on > f"{facts_year}-12-31")
        students = {"primary": 0, "junior": 0, "senior": 0}
        has_conditions = False
        if in_facts:
            for c in api.get(f"/api/v1/schools/{s['id']}/conditions").get("items", []):
                if c["year"] == facts_year:
                    students = {k: int(c["students"].get(k) or 0) for k in students}
                    has_conditions = True
        schools[s["id"]] = School(s["id"], s["name"], s["stage"], s["locality"], active, in_facts, students, has_conditions)

    teachers = {}
    for t in api.paged("/api/v1/teachers", district=d):
        subjects = t.get("subjects") or []
        teachers[t["id"]] = Teacher(t["id"], t["schoolId"], t.get("stagePart"), t.get("education") or "bachelor",
                                    t.get("backbone") in COUNTY_OR_HIGHER, bool(subjects) and all(x in PE_ART for x in subjects))

    eligible = {}
    for e in api.get("/api/v1/exchange/eligible", year=year, district=d).get("items", []):
        eligible[e["teacherId"]] = e
        if e["teacherId"] in teachers:
            teachers[e["teacherId"]].qualification = e.get("qualificationType")
        else:
            notes.append(f"eligible teacher {e['teacherId']} is not in the district's teacher list")

    # Teachers in another plan of the year: every plan of the year but the district's own open one.
    if year not in plans_cache:
        plans = api.get("/api/v1/exchange/plans", year=year).get("items", [])
        plans_cache[year] = [(p, api.get(f"/api/v1/exchange/plans/{p['id']}")) for p in plans if p["year"] == year]
    blocked_plan = set()
    for p, detail in plans_cache[year]:
        own_open = p.get("district") == d and p["state"] in ("draft", "submitted")
        if not own_open:
            blocked_plan |= {m["teacherId"] for m in detail.get("moves", [])}

    blocked_itinerant = set()
    timetable = api.get_optional("/api/v1/exchange/itinerant/timetable", district=d)
    if timetable is None:
        notes.append("itinerant timetable not readable: itinerant rule skipped")
    else:
        blocked_itinerant = {p["teacherId"] for p in timetable.get("placements", [])}

    return District(d, district.get("name", str(d)), year, facts_year, schools, teachers, eligible, limits, balance,
                    suggestion, suggest_seconds, blocked_plan, blocked_itinerant, notes)


# --------------------------------------------------------------------------------------------
# Exact evaluator (BalanceEngine.units / amounts / weighted, Scenario.applied)
# --------------------------------------------------------------------------------------------


@dataclass
class Unit:
    school: int
    part: str
    students: int


def units(dist: District, part: str) -> tuple[list, list]:
    """The school parts that take part, and the excluded (school, reason)."""
    out, excluded = [], []
    for s in sorted(dist.schools.values(), key=lambda s: s.id):
        if not s.in_facts or part not in s.parts:
            continue
        if s.stage == "teaching_point" and s.students["primary"] < TEACHING_POINT_MINIMUM:
            excluded.append((s.id, "small_teaching_point"))
            continue
        if not s.has_conditions:
            excluded.append((s.id, "no_conditions"))
            continue
        if s.students[part] <= 0:
            excluded.append((s.id, "no_students"))
            continue
        out.append(Unit(s.id, part, s.students[part]))
    return out, excluded


def placement(dist: District, moves: list) -> dict:
    """teacher id → (school, key) after the moves; key is the tally key ('' or a part)."""
    where = {t.id: (t.school, t.part or "") for t in dist.teachers.values()}
    for m in moves:
        dest = dist.schools.get(m.dest)
        key = (m.to_part or "") if dest is not None and dest.split else ""
        where[m.teacher] = (m.dest, key)
    return where


def amounts(dist: District, moves: list) -> dict:
    """(school, part) → [amount per teacher indicator] after the moves."""
    tallies: dict = {}
    for tid, (sid, key) in placement(dist, moves).items():
        t = dist.teachers[tid]
        row = tallies.setdefault((sid, key), {})
        for part in PARTS:
            acc = row.setdefault(part, [0, 0, 0])
            for k in range(3):
                acc[k] += t.flag(k, part)
    out = {}
    for s in dist.schools.values():
        for part in PARTS:
            if part not in s.parts:
                continue
            keys = [key for (sid, key) in tallies if sid == s.id]
            if not s.split:
                vals = [sum(tallies[(s.id, key)][part][k] for key in keys) for k in range(3)]
            else:
                own = tallies.get((s.id, part), {}).get(part, [0, 0, 0])
                loose = tallies.get((s.id, ""), {}).get(part, [0, 0, 0])
                sh = s.share(part)
                vals = [own[k] + loose[k] * sh for k in range(3)]
            out[(s.id, part)] = vals
    return out


def weighted(pairs: list) -> tuple:
    total = sum(p for p, _ in pairs)
    if total <= 0:
        return 0.0, 0.0, None
    mean = sum(p * x for p, x in pairs) / total
    var = sum((p / total) * (x - mean) ** 2 for p, x in pairs)
    sd = math.sqrt(var)
    cv = sd / mean if mean > 0 else (0.0 if sd == 0 else None)
    return mean, sd, cv


def evaluate(dist: District, moves: list) -> dict:
    """Exact coefficients: {(part, k): (mean, sd, cv, total amount)} and 'score'."""
    am = amounts(dist, moves)
    res, score = {}, 0.0
    for part in PARTS:
        us, _ = units(dist, part)
        for k in range(3):
            pairs = [(u.students, am[(u.school, part)][k] / u.students * 100) for u in us]
            mean, sd, cv = weighted(pairs)
            res[(part, k)] = (mean, sd, cv, sum(am[(u.school, part)][k] for u in us))
            if cv is not None and dist.limits[part] > 0:
                score += cv / dist.limits[part]
    res["score"] = score
    return res


def api_teacher_score(balance: dict, limits: dict) -> tuple[float, dict]:
    """Σ CV/limit over the teacher indicators from an API balance pair (values rounded to 3 d.p.)."""
    total, by = 0.0, {}
    for part in PARTS:
        coeffs = {c["indicator"]: c for c in balance[part]["coefficients"]}
        for k, ind in enumerate(TEACHER_INDICATORS):
            v = coeffs[ind]["value"]
            by[(part, k)] = v
            if v is not None:
                total += v / limits[part]
    return total, by


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


def receiving_part(dist: District, t: Teacher, dest: School) -> str | None:
    """receivingPart of Optimiser.swift."""
    origin = dist.schools.get(t.school)
    own = t.part or (origin.parts[0] if origin and origin.parts else None)
    if own is not None and own in dest.parts:
        return own
    return dest.parts[0] if len(dest.parts) == 1 and own is None else None


def send_cap(dist: District, school_id: int) -> int:
    return max(1, dist.teachers_at(school_id) // 5)


def movable(dist: District, tid: int, strict_qualification: bool) -> tuple[bool, str]:
    if tid not in dist.eligible:
        return False, "not eligible"
    if tid not in dist.teachers:
        return False, "not in the district"
    if tid in dist.blocked_plan:
        return False, "in another plan of the year"
    if tid in dist.blocked_itinerant:
        return False, "itinerant"
    if strict_qualification and not dist.teachers[tid].qualification:
        return False, "no qualification on record"
    return True, ""


def allowed_destinations(dist: District, t: Teacher, strict_qualification: bool) -> list:
    """[(school id, toPart)] a teacher may be sent to under the hard rules."""
    origin = dist.schools.get(t.school)
    if origin is None:
        return []
    out = []
    for s in sorted(dist.schools.values(), key=lambda s: s.id):
        if not s.active or s.id == t.school:
            continue
        if origin.rural and not s.rural:
            continue
        part = receiving_part(dist, t, s)
        if part is None:
            continue
        if t.qualification:
            if not covers(t.qualification, part if s.split else None, s.stage):
                continue
        elif strict_qualification:
            continue
        out.append((s.id, part))
    return out


def check_moves(dist: District, moves: list, required: int, backbone_required: int) -> tuple[list, list]:
    """Hard-rule violations of a plan, and softer notes."""
    violations, notes = [], []
    if len(moves) != required:
        violations.append(f"{len(moves)} movers, required exactly {required}")
    backbone = sum(1 for m in moves if m.teacher in dist.teachers and dist.teachers[m.teacher].backbone)
    if backbone < backbone_required:
        violations.append(f"{backbone} backbone movers < {backbone_required}")
    seen, leaving = set(), {}
    for m in moves:
        tag = f"teacher {m.teacher} {m.origin}→{m.dest}"
        t = dist.teachers.get(m.teacher)
        if t is None:
            violations.append(f"{tag}: teacher not in the district")
            continue
        if m.teacher in seen:
            violations.append(f"{tag}: moved twice")
        seen.add(m.teacher)
        if m.origin != t.school:
            violations.append(f"{tag}: teacher is at school {t.school}")
        if m.teacher not in dist.eligible:
            violations.append(f"{tag}: not eligible")
        if m.teacher in dist.blocked_plan:
            violations.append(f"{tag}: already in another plan of the year")
        if m.teacher in dist.blocked_itinerant:
            violations.append(f"{tag}: itinerant (走教) teacher")
        dest, origin = dist.schools.get(m.dest), dist.schools.get(t.school)
        if dest is None:
            violations.append(f"{tag}: receiving school outside the district")
            continue
        if not dest.active:
            violations.append(f"{tag}: receiving school not active")
        if dest.id == t.school:
            violations.append(f"{tag}: same school")
        if origin is not None and origin.rural and not dest.rural:
            violations.append(f"{tag}: rural → {dest.locality}")
        part = receiving_part(dist, t, dest)
        if part is None:
            violations.append(f"{tag}: receiving school has no {t.part or 'matching'} part")
        elif (m.to_part or None) != part:
            violations.append(f"{tag}: toPart {m.to_part} but the teacher's part is {part}")
        check_part = (m.to_part or part) if dest.split else None
        if t.qualification:
            if not covers(t.qualification, check_part, dest.stage):
                violations.append(f"{tag}: qualification {t.qualification} does not cover {check_part or dest.stage}")
        else:
            notes.append(f"{tag}: no qualification on record (not checkable)")
        leaving[t.school] = leaving.get(t.school, 0) + 1
    for sid, n in sorted(leaving.items()):
        cap = send_cap(dist, sid)
        if n > cap:
            violations.append(f"school {sid} sends {n} > max(1, ⌊{dist.teachers_at(sid)}/5⌋) = {cap}")
    return violations, notes


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


def reachable_offsets(arrive: int, depart_whole: int, depart_shared: int, share: float) -> list:
    """Amount offsets a unit can reach: +a arrivals, −b whole departures, −m·share shared ones."""
    vals = set()
    for m in range(depart_shared + 1):
        for off in range(-depart_whole, arrive + 1):
            vals.add(round(off - m * share, 9))
    return sorted(vals)


def sqrt_breakpoints(s_lo: float, s_hi: float, n: int, extra: list = ()) -> list:
    """Breakpoints in V = s² for the √ chords: quadratic spacing in s from s_lo (the chord error
    (s₁−s₀)²/(4(s₀+s₁)) is then about the same on every segment), plus `extra` values of V."""
    s_hi = max(s_hi, s_lo + 1e-9)
    pts = {(s_lo + (s_hi - s_lo) * (j / n) ** 2) ** 2 for j in range(n + 1)}
    pts |= {v for v in extra if s_lo ** 2 < v < s_hi ** 2}
    return sorted(pts)


@dataclass
class Term:
    """One (part, teacher indicator) of the model."""
    part: str
    k: int
    mean: float                 # c, the mean before the moves
    limit: float
    P: int
    Vc: object                  # Σ(P_i/P) u_i: the variance about c (linear expression)
    levels: list                # [(lo, hi)] of ΔT, the change of the part's total ([] when ΔT ≡ 0)
    y: list                     # a binary per level
    z: list                     # a binary per √ segment
    bps: list                   # √ breakpoints (in V)
    delta: object               # ΔT as a linear expression
    shift2: list                # (100·ΔT/P)² per level: S² = Vc − shift²
    denominators: list          # limit · (c + 100·ΔT/P) per level (one entry when ΔT ≡ 0)


def build_model(dist: District, required: int, backbone_required: int, segments: int, strict_qualification: bool,
                exact_mean: bool = True, ranges: dict | None = None, extra_breakpoints: dict | None = None):
    """The MILP.  `exact_mean`: model the change of each part's total (levels of ΔT) so that both
    S² = Σ(P_i/P)(X_i − X̄)² and the denominator X̄ are exact, else hold X̄ at c.  `ranges`:
    {(part, k): (s_lo, s_hi)} for the √ breakpoints (valid bounds on S); `extra_breakpoints`:
    {(part, k): [V…]} added to them."""
    import pulp

    prob = pulp.LpProblem(f"rotation_d{dist.id}", pulp.LpMinimize)
    pairs = {}
    for tid in sorted(dist.eligible):
        if not movable(dist, tid, strict_qualification)[0]:
            continue
        for sid, part in allowed_destinations(dist, dist.teachers[tid], strict_qualification):
            pairs[(tid, sid)] = (part, pulp.LpVariable(f"x_{tid}_{sid}", cat="Binary"))
    by_teacher, by_origin = {}, {}
    for (tid, sid), (_, v) in pairs.items():
        by_teacher.setdefault(tid, []).append(v)
        by_origin.setdefault(dist.teachers[tid].school, []).append(v)
    for tid, vs in by_teacher.items():
        prob += pulp.lpSum(vs) <= 1, f"once_{tid}"
    prob += pulp.lpSum(v for _, v in pairs.values()) == required, "required"
    prob += pulp.lpSum(v for (tid, _), (_, v) in pairs.items() if dist.teachers[tid].backbone) >= backbone_required, "backbone"
    for sid, vs in by_origin.items():
        cap = send_cap(dist, sid)
        if len(vs) > cap:
            prob += pulp.lpSum(vs) <= cap, f"fifth_{sid}"

    # Amount changes per (school, part, indicator): [(coefficient, variable, kind, teacher)].
    coef: dict = {}
    for (tid, sid), (part_to, v) in pairs.items():
        t = dist.teachers[tid]
        origin, dest = dist.schools[t.school], dist.schools[sid]
        for k in range(3):
            if not origin.split:                       # leaves a single-part school
                for p in origin.parts:
                    if p in PARTS and t.flag(k, p):
                        coef.setdefault((origin.id, p, k), []).append((-1.0, v, "whole", tid))
            elif t.part:                               # leaves their part of a split school
                if t.part in PARTS and t.flag(k, t.part):
                    coef.setdefault((origin.id, t.part, k), []).append((-1.0, v, "whole", tid))
            else:                                      # leaves a split school's shared pool
                for p in origin.parts:
                    if p in PARTS and t.flag(k, p) and origin.share(p) > 0:
                        coef.setdefault((origin.id, p, k), []).append((-origin.share(p), v, "shared", tid))
            p = part_to if dest.split else (dest.parts[0] if dest.parts else None)
            if p in PARTS and t.flag(k, p):            # arrives
                coef.setdefault((dest.id, p, k), []).append((1.0, v, "arrive", tid))

    base = amounts(dist, [])
    before = evaluate(dist, [])
    terms, objective, constant = [], [], 0.0
    stats = {"secants": 0, "level_binaries": 0, "sqrt_binaries": 0}
    for part in PARTS:
        us, _ = units(dist, part)
        P = sum(u.students for u in us)
        limit = dist.limits[part]
        for k in range(3):
            mean, _, cv0, _ = before[(part, k)]
            if P <= 0 or limit <= 0 or cv0 is None:
                continue
            tag = f"{part[0]}{k}"
            if mean <= 0 or not any(coef.get((u.school, part, k)) for u in us):
                constant += cv0 / limit        # no move changes it (or 0/0 before)
                continue
            var_terms, const_var, delta_expr = [], 0.0, []
            for u in us:
                A0 = base[(u.school, part)][k]
                w = u.students / P

                def f(a, n=u.students):
                    return (100.0 * a / n - mean) ** 2
                uterms = coef.get((u.school, part, k), [])
                if not uterms:
                    const_var += w * f(A0)
                    continue

                def distinct(kind):
                    return len({tid for _, _, kd, tid in uterms if kd == kind})
                cap = send_cap(dist, u.school)
                school = dist.schools[u.school]
                offs = reachable_offsets(min(required, distinct("arrive")), min(cap, distinct("whole")),
                                         min(cap, distinct("shared")), school.share(part) if school.split else 0.0)
                pts = sorted({max(0.0, A0 + o) for o in offs})
                change = pulp.lpSum(c * v for c, v, _, _ in uterms)
                delta_expr.append(change)
                uvar = pulp.LpVariable(f"u_{tag}_{u.school}", lowBound=0)
                # Secants of the convex (100A/P − c)² between consecutive reachable amounts:
                # their maximum equals the square at every reachable amount.
                if len(pts) == 1:
                    prob += uvar >= f(pts[0])
                for a, b in zip(pts, pts[1:]):
                    slope = (f(b) - f(a)) / (b - a)
                    prob += uvar >= f(a) + slope * (A0 + change - a), f"sec_{tag}_{stats['secants']}"
                    stats["secants"] += 1
                var_terms.append(w * uvar)
            Vc = const_var + pulp.lpSum(var_terms)

            # Levels of ΔT: per teacher the net contributions; at most `required` teachers move.
            delta = pulp.lpSum(delta_expr)
            per_teacher: dict = {}
            for v, c in delta.items():
                if abs(c) > 1e-12:
                    per_teacher.setdefault(v.name.split("_")[1], set()).add(c)
            downs = sorted(min(cs) for cs in per_teacher.values() if min(cs) < 0)[:required]
            ups = sorted((max(cs) for cs in per_teacher.values() if max(cs) > 0), reverse=True)[:required]
            if all(abs(c - round(c)) < 1e-9 for cs in per_teacher.values() for c in cs):
                levels = [(float(d), float(d)) for d in range(round(sum(downs)), round(sum(ups)) + 1)]
            else:                               # bins of width 1: a relaxation, exact at their ends
                lo, hi = math.floor(sum(downs)), math.ceil(sum(ups))
                levels = [(float(d), float(d + 1)) for d in range(lo, max(hi, lo + 1))]
            scale = 100.0 / P
            levels = [(a, b) for a, b in levels if mean + a * scale > 0]
            if not exact_mean or levels == [(0.0, 0.0)] or not levels:
                levels = []
            ys = []
            if levels:
                ys = [pulp.LpVariable(f"y_{tag}_{j}", cat="Binary") for j in range(len(levels))]
                stats["level_binaries"] += len(ys)
                prob += pulp.lpSum(ys) == 1, f"lev_{tag}"
                prob += delta >= pulp.lpSum(a * y for (a, _), y in zip(levels, ys)), f"levlo_{tag}"
                prob += delta <= pulp.lpSum(b * y for (_, b), y in zip(levels, ys)), f"levhi_{tag}"
                # A level of ΔT < 0 needs that many moves out of the computation, > 0 that many in
                # (valid for integer plans; it keeps the relaxation from mixing far-apart levels).
                if LEVEL_MOVE_CUTS:
                    out_moves = pulp.lpSum(-c * v for v, c in delta.items() if c < 0)
                    in_moves = pulp.lpSum(c * v for v, c in delta.items() if c > 0)
                    prob += pulp.lpSum(-b * y for (_, b), y in zip(levels, ys) if b < 0) <= out_moves, f"levout_{tag}"
                    prob += pulp.lpSum(a * y for (a, _), y in zip(levels, ys) if a > 0) <= in_moves, f"levin_{tag}"
                # Optimistic end of each level: the largest shift², the largest mean.
                shift2 = [max(a * a, b * b) * scale * scale for a, b in levels]
                denominators = [limit * (mean + b * scale) for _, b in levels]
                V_expr = Vc - pulp.lpSum(d2 * y for d2, y in zip(shift2, ys))
            else:
                shift2, denominators, V_expr = [0.0], [limit * mean], Vc

            # √S² by a multiple-choice piecewise-linear model: the chords lie below √, so the
            # model never overestimates a plan.
            s_lo, s_hi = (ranges or {}).get((part, k), (0.0, None))
            if s_hi is None:
                s_hi = 100.0 * max(max(v for v in base_values(base, us, part, k, required)), mean)
            bps = sqrt_breakpoints(s_lo, s_hi, segments, (extra_breakpoints or {}).get((part, k), []))
            V = pulp.LpVariable(f"V_{tag}", lowBound=bps[0], upBound=bps[-1])
            prob += V >= V_expr, f"var_{tag}"   # = at an optimum; ≥ keeps bins a relaxation
            zs, ws, s_terms = [], [], []
            for j in range(len(bps) - 1):
                a, b = bps[j], bps[j + 1]
                z = pulp.LpVariable(f"z_{tag}_{j}", cat="Binary")
                wv = pulp.LpVariable(f"w_{tag}_{j}", lowBound=0)
                prob += wv >= a * z
                prob += wv <= b * z
                slope = (math.sqrt(b) - math.sqrt(a)) / (b - a)
                s_terms.append((math.sqrt(a) - slope * a) * z + slope * wv)
                zs.append(z)
                ws.append(wv)
            stats["sqrt_binaries"] += len(zs)
            prob += pulp.lpSum(zs) == 1, f"seg_{tag}"
            prob += V == pulp.lpSum(ws), f"segv_{tag}"
            s = pulp.lpSum(s_terms)
            if levels:
                # term = S / (limit · X̄): S split by level, each share bounded by its binary.
                shares = [pulp.LpVariable(f"s_{tag}_{j}", lowBound=0) for j in range(len(levels))]
                prob += pulp.lpSum(shares) == s, f"ssplit_{tag}"
                for sv, y in zip(shares, ys):
                    prob += sv <= math.sqrt(bps[-1]) * y
                objective.append(pulp.lpSum(sv * (1.0 / den) for sv, den in zip(shares, denominators)))
            else:
                objective.append(s * (1.0 / denominators[0]))
            terms.append(Term(part, k, mean, limit, P, Vc, levels, ys, zs, bps, delta, shift2, denominators))
    prob += pulp.lpSum(objective)            # + constant, added outside: CBC never sees it
    size = {"teachers": len(by_teacher), "x": len(pairs), **stats, "variables": len(prob.variables()),
            "constraints": len(prob.constraints)}
    return prob, pairs, terms, constant, size


def base_values(base: dict, us: list, part: str, k: int, required: int) -> list:
    """Largest indicator value each unit could reach (all `required` movers arriving)."""
    return [(base[(u.school, part)][k] + required) / u.students for u in us]


def set_start(dist: District, pairs: dict, terms: list, moves: list) -> bool:
    """Gives CBC a starting plan: x, and the level and segment binaries that go with it."""
    chosen = {(m.teacher, m.dest) for m in moves}
    if not chosen <= set(pairs):
        return False
    for key, (_, v) in pairs.items():
        v.setInitialValue(1 if key in chosen else 0)
    ev, ev0 = evaluate(dist, moves), evaluate(dist, [])
    for term in terms:
        mean, sd, _, total = ev[(term.part, term.k)]
        d = total - ev0[(term.part, term.k)][3]
        if term.levels:
            j = min(range(len(term.levels)), key=lambda j: 0.0 if term.levels[j][0] - 1e-9 <= d <= term.levels[j][1] + 1e-9
                    else 1 + abs(term.levels[j][0] - d))
            for i, y in enumerate(term.y):
                y.setInitialValue(1 if i == j else 0)
        V = sd ** 2 if term.levels else sd ** 2 + (mean - term.mean) ** 2
        seg = next((j for j in range(len(term.bps) - 1) if term.bps[j] - 1e-12 <= V <= term.bps[j + 1] + 1e-12), None)
        if seg is None:
            return False               # outside the pruned range: the plan is worse than the reference
        for i, z in enumerate(term.z):
            z.setInitialValue(1 if i == seg else 0)
    return True


def run_cbc(prob, time_limit: float, threads: int, verbose: bool, warm: bool = False, mip: bool = True) -> dict:
    import os
    import tempfile

    import pulp
    log = tempfile.NamedTemporaryFile(prefix="cbc_", suffix=".log", delete=False).name
    solver = pulp.PULP_CBC_CMD(msg=verbose, timeLimit=max(1, int(time_limit)), threads=threads, gapRel=1e-9,
                               logPath=log, warmStart=warm, mip=mip)
    started = time.time()
    status = prob.solve(solver)
    figures = cbc_log_figures(log)
    os.unlink(log)
    figures["status"] = pulp.LpStatus[status]
    figures["seconds"] = time.time() - started
    return figures


def term_ranges(dist: District, required: int, backbone_required: int, strict_qualification: bool,
                reference: float | None, threads: int) -> tuple[dict, dict]:
    """Valid bounds on each term's S for the √ breakpoints.  Lower: the LP relaxation's least
    Σ(P_i/P)(X_i − c)² minus the largest (X̄ − c)².  Upper: from the reference plan's value F
    (a better plan has each term ≤ F − Σ other terms' lower bounds)."""
    import pulp
    prob, pairs, terms, constant, _ = build_model(dist, required, backbone_required, 8, strict_qualification, exact_mean=True)
    for v in prob.variables():
        if v.cat == pulp.LpInteger:
            v.cat = pulp.LpContinuous
    lows, lb_terms = {}, {}
    for term in terms:
        prob.setObjective(term.Vc)
        fig = run_cbc(prob, 60, threads, False, mip=False)
        vmin = max(0.0, pulp.value(term.Vc) or 0.0) if fig["status"] == "Optimal" else 0.0
        s_lo = math.sqrt(max(0.0, vmin - max(term.shift2)))
        lows[(term.part, term.k)] = s_lo
        lb_terms[(term.part, term.k)] = s_lo / max(term.denominators)
    ranges = {}
    for term in terms:
        key = (term.part, term.k)
        hi = None
        if reference is not None:
            room = reference - constant - sum(v for kk, v in lb_terms.items() if kk != key)
            hi = max(room, 0.0) * max(term.denominators) * (1 + 1e-6) + 1e-9
            hi = max(hi, lows[key] + 1e-6)
        ranges[key] = (lows[key], hi)
    return ranges, lb_terms


def solve(dist: District, required: int, backbone_required: int, time_limit: float, segments: int,
          strict_qualification: bool, threads: int = 1, verbose: bool = False, start: list | None = None,
          warmup_share: float = 0.25) -> dict:
    """Two phases within `time_limit`.  Phase 1: the fixed-mean model (finds good plans fast).
    Phase 2: the exact-mean model, started from the best plan so far, with √ ranges pruned by
    that plan's exact value and its exact variances as extra breakpoints.  The bound reported is
    phase 2's (valid for every plan); phase 1's bound holds only for plans keeping every total."""
    import pulp

    deadline = time.time() + time_limit
    best_moves, best_exact = None, math.inf
    if start:
        best_moves, best_exact = start, evaluate(dist, start)["score"]
    extra: dict = {}
    info = {"phases": [], "bound": None, "optimal": False}
    # Phase 1 (fixed mean), then the exact-mean model; a second exact-mean round with twice the
    # √ segments only when the first was solved and its chords leave more than 0.5%.
    phases = ([(False, segments)] if warmup_share > 0 else []) + [(True, segments * 2 ** j) for j in range(2)]
    for exact_mean, n_segments in phases:
        remaining = deadline - time.time()
        if remaining < 2:
            break
        # Another round (more segments) only for a solved model whose √ chords leave > 0.5%.
        if exact_mean and info["optimal"] and info["bound"] is not None and best_exact - info["bound"] <= 0.005 * best_exact:
            break
        reference = best_exact if best_exact < math.inf else None
        ranges, _ = term_ranges(dist, required, backbone_required, strict_qualification, reference, threads)
        prob, pairs, terms, constant, size = build_model(dist, required, backbone_required, n_segments, strict_qualification,
                                                         exact_mean, ranges, extra)
        warm = best_moves is not None and set_start(dist, pairs, terms, best_moves)
        budget = (deadline - time.time()) * (warmup_share if not exact_mean else 1.0)
        fig = run_cbc(prob, max(1.0, budget), threads, verbose, warm)
        chosen = [Move(tid, dist.teachers[tid].school, sid, part) for (tid, sid), (part, v) in pairs.items()
                  if v.value() is not None and v.value() > 0.5]
        exact = evaluate(dist, chosen)["score"] if len(chosen) == required else math.inf
        finished = fig.get("result", "").startswith("Optimal")
        bound = fig.get("lower_bound", fig.get("objective") if finished else None)
        bound = None if bound is None else bound + constant
        info["phases"].append({"exact_mean": exact_mean, "segments": n_segments, "seconds": round(fig["seconds"], 1),
                               "result": fig.get("result"), "bound": bound, "plan": exact, "warm": warm})
        if exact < best_exact - 1e-12:
            best_moves, best_exact = chosen, exact
        if exact_mean and bound is not None and (info["bound"] is None or bound > info["bound"]):
            info.update({"bound": bound, "optimal": finished, "size": size})
        if exact_mean and info.get("size") is None:
            info["size"] = size
        if best_moves is not None:
            ev = evaluate(dist, best_moves)
            for term in terms:
                mean, sd, _, _ = ev[(term.part, term.k)]
                extra.setdefault((term.part, term.k), []).extend([sd ** 2, sd ** 2 + (mean - term.mean) ** 2])
        if exact_mean and not finished:
            break                       # out of time inside the MILP
    info["moves"] = best_moves or []
    info["exact"] = best_exact
    return info


# --------------------------------------------------------------------------------------------
# CBC's bound: PuLP's CBC_CMD does not return it, so it is read from CBC's log.
# --------------------------------------------------------------------------------------------


def cbc_log_figures(path: str) -> dict:
    import re
    out = {}
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return out
    m = re.search(r"^Result - (.+)$", text, re.M)
    if m:
        out["result"] = m.group(1).strip()
    for key, pat in (("objective", r"^Objective value:\s+(\S+)"), ("lower_bound", r"^Lower bound:\s+(\S+)"),
                     ("gap", r"^Gap:\s+(\S+)")):
        m = re.search(pat, text, re.M)
        if m:
            try:
                out[key] = float(m.group(1))
            except ValueError:
                pass
    return out


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def suggestion_moves(s: dict) -> list:
    return [Move(m["teacherId"], m["fromSchoolId"], m["toSchoolId"], m.get("toPart")) for m in s.get("moves", [])]


def total_shift(dist: District, moves: list) -> float:
    """The largest change of a part's total over the teacher indicators (0: the means hold)."""
    a, b = evaluate(dist, []), evaluate(dist, moves)
    return max(abs(b[(p, k)][3] - a[(p, k)][3]) for p in PARTS for k in range(3))


def reproduce(mine: dict, api: dict, label: str) -> list:
    """Differences between the evaluator's coefficients and the API's (rounded to 3 d.p.)."""
    out = []
    for key, v in api.items():
        m = mine[key][2]
        if (v is None) != (m is None) or (v is not None and abs(round(m, 3) - v) > 0.0011):
            out.append(f"{label} {key[0]} {TEACHER_INDICATORS[key[1]]}: evaluator {m} vs API {v}")
    return out


def fmt(x, digits=4):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{x:.{digits}f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8231")
    ap.add_argument("--username", default="admin")
    ap.add_argument("--password", default="xuequ-demo")
    ap.add_argument("--year", type=int, default=None, help="plan year (default: the suggest endpoint's)")
    ap.add_argument("--districts", default=None, help="comma-separated district ids (default: all)")
    ap.add_argument("--time-limit", type=float, default=120.0, help="solver seconds per district")
    ap.add_argument("--segments", type=int, default=48, help="√ segments per term (doubled in later rounds)")
    ap.add_argument("--threads", type=int, default=1, help="CBC threads")
    ap.add_argument("--warmup-share", type=float, default=0.25, help="share of the time for the fixed-mean phase (0: none)")
    ap.add_argument("--strict-qualification", action="store_true", help="teachers without a recorded qualification do not move")
    ap.add_argument("--no-solve", action="store_true", help="only check and evaluate the suggestion")
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--verbose", action="store_true", help="show CBC's log")
    args = ap.parse_args(argv)

    try:
        import pulp  # noqa: F401
    except ImportError:
        if not args.no_solve:
            print("PuLP is missing: pip install pulp", file=sys.stderr)
            return 2

    api = API(args.url, args.username, args.password)
    districts = api.get("/api/v1/districts")["items"]
    if args.districts:
        wanted = {int(x) for x in args.districts.split(",") if x.strip()}
        districts = [d for d in districts if d["id"] in wanted]
    plans_cache: dict = {}
    rows, problems = [], False
    for d in sorted(districts, key=lambda d: d["id"]):
        print(f"district {d['id']} {d.get('name', '')}: loading…", file=sys.stderr, flush=True)
        dist = load_district(api, d, args.year, plans_cache)
        q = dist.suggestion["quota"]
        required, backbone_required = q["required"], q["backboneRequired"]
        before = evaluate(dist, [])
        api_before, api_before_by = api_teacher_score(dist.suggestion["balanceBefore"], dist.limits)
        mismatches = reproduce(before, api_before_by, "before")
        for part in PARTS:
            mine = {s for s, _ in units(dist, part)[1]}
            theirs = {e["schoolId"] for e in dist.balance[part].get("excluded", [])}
            if mine != theirs or len(units(dist, part)[0]) != dist.balance[part]["schools"]:
                mismatches.append(f"{part} units differ: excluded {sorted(mine)} vs API {sorted(theirs)}")

        sugg = suggestion_moves(dist.suggestion)
        violations, notes = check_moves(dist, sugg, required, backbone_required)
        sugg_eval = evaluate(dist, sugg)
        api_after, api_after_by = api_teacher_score(dist.suggestion["balanceAfter"], dist.limits)
        mismatches += reproduce(sugg_eval, api_after_by, "suggestion after")

        row = {
            "district": d["id"], "name": d.get("name"), "year": dist.year, "balanceYear": dist.facts_year,
            "eligible": q["eligible"], "required": required, "backboneRequired": backbone_required,
            "movable": sum(1 for t in dist.eligible if movable(dist, t, args.strict_qualification)[0]),
            "blockedInOtherPlans": len(dist.blocked_plan & set(dist.eligible)), "blockedItinerant": len(dist.blocked_itinerant & set(dist.eligible)),
            "before": before["score"], "apiBefore": api_before,
            "suggestionAfter": sugg_eval["score"], "apiSuggestionAfter": api_after,
            "suggestionReduction": before["score"] - sugg_eval["score"],
            "suggestionMs": dist.suggestion.get("milliseconds"), "suggestRequestSeconds": round(dist.suggest_seconds, 3),
            "suggestionTotalShift": total_shift(dist, sugg),
            "violations": violations, "notes": notes + dist.notes, "mismatches": mismatches,
            "suggestion": [m.__dict__ for m in sugg],
        }
        if mismatches:
            problems = True
        if not args.no_solve:
            start = None if violations else sugg
            print(f"district {d['id']}: solving ({args.time_limit:.0f} s)…", file=sys.stderr, flush=True)
            r = solve(dist, required, backbone_required, args.time_limit, args.segments, args.strict_qualification,
                      args.threads, args.verbose, start, args.warmup_share)
            solver_violations, _ = check_moves(dist, r["moves"], required, backbone_required) if r["moves"] else (["no plan found"], [])
            after = r["exact"] if r["moves"] else None
            row.update({
                "solverAfter": after, "solverReduction": None if after is None else before["score"] - after,
                "bound": r["bound"], "optimal": r["optimal"], "solverPhases": r["phases"], "modelSize": r.get("size"),
                "solverTotalShift": total_shift(dist, r["moves"]) if r["moves"] else None,
                "solverViolations": solver_violations, "solverPlan": [m.__dict__ for m in r["moves"]],
            })
            if after is not None and r["bound"] is not None:
                row["gapToBound"] = (after - r["bound"]) / after if after > 0 else 0.0
            sr, gr = row["solverReduction"], row["suggestionReduction"]
            if sr:
                row["suggestionGap"] = (sr - gr) / sr
        rows.append(row)
        print(f"district {d['id']}: before {before['score']:.4f}, suggestion {sugg_eval['score']:.4f}"
              + (f", solver {fmt(row.get('solverAfter'))} (bound {fmt(row.get('bound'))})" if not args.no_solve else ""),
              file=sys.stderr, flush=True)

    print_report(rows, args)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, ensure_ascii=False, indent=1, default=str)
    return 1 if problems else 0


def print_report(rows: list, args) -> None:
    solve_cols = not args.no_solve
    head = ["district", "eligible", "required", "before", "sugg after", "(API)", "sugg red"]
    if solve_cols:
        head += ["solver after", "solver red", "bound", "status", "gap%", "sugg ms"]
    else:
        head += ["sugg ms"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [str(r["district"]), str(r["eligible"]), f"{r['required']} ({r['backboneRequired']} bb)", fmt(r["before"]),
                 fmt(r["suggestionAfter"]), fmt(r["apiSuggestionAfter"], 3), fmt(r["suggestionReduction"])]
        if solve_cols:
            g = r.get("gapToBound")
            if g is None:
                status = "no bound"
            elif g <= 1e-6:
                status = "optimal"
            else:
                status = f"{'solved, ' if r.get('optimal') else ''}gap {100 * g:.{2 if g < 0.01 else 1}f}%"
            cells += [fmt(r.get("solverAfter")), fmt(r.get("solverReduction")), fmt(r.get("bound")), status,
                      "—" if r.get("suggestionGap") is None else f"{100 * r['suggestionGap']:.1f}%", str(r["suggestionMs"])]
        else:
            cells += [str(r["suggestionMs"])]
        lines.append("| " + " | ".join(cells) + " |")
    print("\n".join(lines))
    print()
    print("before/after: Σ over primary, junior × the three teacher indicators of CV ÷ limit, recomputed exactly;"
          " (API): the same sum from the suggestion's balanceAfter (3-decimal values). gap% = (solver reduction − suggestion"
          " reduction) / solver reduction; status: the solver plan's gap to the bound ('solved': CBC finished the"
          " exact-mean model, the gap left is the √ chords').")
    print()
    for r in rows:
        shift = f"largest change of a part total: suggestion {r['suggestionTotalShift']:g}"
        if solve_cols and r.get("solverTotalShift") is not None:
            shift += f", solver {r['solverTotalShift']:g}"
        print(f"district {r['district']}: movable {r['movable']} of {r['eligible']} eligible "
              f"(in another plan: {r['blockedInOtherPlans']}, itinerant: {r['blockedItinerant']}); {shift}")
        if r.get("modelSize"):
            print(f"  model: {r['modelSize']}; phases: "
                  + "; ".join(f"{'exact' if p['exact_mean'] else 'fixed'}-mean/{p['segments']} seg {p['seconds']}s "
                              f"{p['result']} bound {fmt(p['bound'])} plan {fmt(p['plan'])}" for p in r["solverPhases"]))
        for v in r["violations"]:
            print(f"  SUGGESTION VIOLATION: {v}")
        for v in r.get("solverViolations", []):
            print(f"  solver plan violation (bug): {v}")
        for m in r["mismatches"]:
            print(f"  EVALUATOR MISMATCH: {m}")
        for n in r["notes"]:
            print(f"  note: {n}")


if __name__ == "__main__":
    sys.exit(main())
