"""A deterministic program history for the demo population: what years of office work leave.

For each generated household, the programs its members plausibly got from their facts:
enrollments started over past years (active, suspended, or ended with a reason), the approved
application behind each, deliveries under them, open applications (some past their expected
decision date), rejected ones with a reason a citizen can read, and beneficiary cards (one lost
and replaced). The invariants of the registry hold: one live enrollment and one open application
per person and program, no two live enrollments in programs that exclude each other, no open
application for a program the person holds or is excluded from. Nothing here touches the
database: `demo.bulk.load_history` writes the rows. Each application names its submitter (the
demo clerk) and its decider (the demo supervisor) in the history, so separation of duties holds
when the demo's open applications are decided. The agencies' change feeds start after the seed
(the history is the past they already hold), and demo cards were never written to a chip.

Same seed, same day, same history. The first persons that can take a program or an application
outcome not yet seen take it, so even a small demo covers every program and every status.
"""

from __future__ import annotations

import functools
import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from redangel.card.format import serial_text
from redangel.common.folio import CHECK_SYMBOLS, SYMBOLS
from redangel.demo import named
from redangel.demo.generate import DemoHousehold, DemoPerson
from redangel.demo.program_work import (
    APPROVED_REASON,
    CHANNELS,
    DELIVERIES,
    EXIT_REASONS,
    OUTCOMES,
    PROGRAMS,
    REJECTIONS,
    YEARLY,
)


@dataclass(frozen=True)
class ProgramTerms:
    """What the history needs of a program: days to a decision, documents, exclusions."""

    expected_days: int
    documents: list[dict[str, Any]]
    excludes: frozenset[str]


@dataclass(frozen=True)
class Actors:
    """Who did the work the history describes: offices per borough, a clerk, a supervisor."""

    offices: dict[str, uuid.UUID]
    clerk: str
    supervisor: str
    issuer_kid: str
    puk_hash: str


@dataclass
class History:
    """The rows of one batch of households, ready for a bulk insert."""

    applications: list[dict[str, Any]] = field(default_factory=list)
    enrollments: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)


@functools.lru_cache(maxsize=65_536)
def _at(day: date, hour: int = 10) -> datetime:
    """A moment in office hours of a city day, in UTC (the city is six hours behind)."""
    return datetime.combine(day, time(hour + 6), tzinfo=UTC)


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return born.replace(year=born.year + years, day=28)


def _school_year(today: date) -> date:
    """The first day of the current school year (late August)."""
    start = date(today.year, 8, 25)
    return start if today >= start else date(today.year - 1, 8, 25)


RECENT = 120
"""Days within which a person who became eligible has not been enrolled yet."""


class HistoryGenerator:
    """Program histories for households, in order; the same seed and day give the same rows."""

    def __init__(self, seed: int, *, today: date, programs: dict[str, ProgramTerms],
                 actors: Actors) -> None:
        self.rng = random.Random(f"{seed}:history")  # noqa: S311 - reproducible demo data
        self.today = today
        self.programs = programs
        self.actors = actors
        self.unseen_programs = [p for p in PROGRAMS if p in programs]
        self.unseen_outcomes = list(OUTCOMES)
        self.lost_card_shown = False
        self._serials: set[int] = set()

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _folio(self) -> str:
        """A folio as `common.folio` makes them: 40 random bits as eight base-32 symbols."""
        number = self.rng.getrandbits(40)
        body = "".join(SYMBOLS[(number >> shift) & 31] for shift in range(35, -5, -5))
        return f"RA-{body[:4]}-{body[4:]}-{CHECK_SYMBOLS[number % 37]}"

    def _day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def candidates(self, p: DemoPerson, home: DemoHousehold) -> dict[str, date]:
        """The programs a person's facts point to, each with the first day they could start."""
        a, s, today = p.attributes, p.sensitive, self.today
        age = _age(p.birth_date, today)
        out: dict[str, date] = {}
        resident = a.get("resident_since")
        if age >= 68 and resident:
            out["pension_adultos_mayores"] = max(_birthday(p.birth_date, 68),
                                                 date.fromisoformat(resident) + timedelta(days=1096))
        if s.get("health_coverage") == "none":
            out["servicios_medicos_gratuitos"] = p.birth_date
        if a.get("low_development_area"):
            out["comedores_comunitarios"] = p.birth_date
        if s.get("disability") == "permanent":
            out["apoyo_discapacidad"] = p.birth_date
        public = a.get("studying") and a.get("school_sector") == "public"
        if public and a.get("schooling_level") in ("preschool", "primary", "secondary"):
            out["utiles_escolares"] = out["uniformes_escolares"] = _birthday(p.birth_date, 3)
        if public and a.get("schooling_level") == "upper_secondary":
            out["prepa_si"] = _birthday(p.birth_date, 15)
        if 6 <= age <= 15 and (a.get("grade_average") or 0) >= 9:
            out["ninos_talento"] = _birthday(p.birth_date, 6)
        if age < 18 and a.get("studying") and self.rng.random() < 0.05:
            out["educacion_garantizada"] = _birthday(p.birth_date, 6)
        if age <= 29 and a.get("arts_training"):
            out["becas_cultura"] = _birthday(p.birth_date, 15)
        if s.get("family_violence"):
            out["seguro_violencia_familiar"] = _birthday(p.birth_date, 18)
        if 18 <= age <= 67 and a.get("employment_status") == "unemployed":
            out["seguro_desempleo"] = _birthday(p.birth_date, 18)
        elif 14 <= age <= 29 and not a.get("studying") and a.get(
                "employment_status") in ("unemployed", None):
            out["apoyo_jovenes_riesgo"] = _birthday(p.birth_date, 14)
        children = [m for m in home.members if m.relationship == "child"]
        if p.relationship in ("head", "spouse") and p.sex == "M":
            young = [c.birth_date for c in children if _age(c.birth_date, today) < 15]
            if young and a.get("marital_status") in ("single", "separated", "divorced", "widowed"):
                out["apoyo_madres_solas"] = min(young)
            babies = [c.birth_date for c in children if (today - c.birth_date).days < 365 * 3]
            if babies:
                out["bebe_seguro"] = min(babies)
        return {code: start for code, start in out.items() if code in self.programs}

    def household(self, home: DemoHousehold, out: History) -> None:
        """Add one household's history to `out`."""
        for person in home.members:
            self.person(person, home, out)

    def person(self, p: DemoPerson, home: DemoHousehold, out: History) -> None:
        """Add one person's history to `out`."""
        if p.id in named.NAMED or p.id == named.MATEO:
            self._named(p, home, out)
            return
        rng = self.rng
        offered = self.candidates(p, home)
        if not offered:
            return
        live: set[str] = set()
        held: set[str] = set()
        for code, first_day in offered.items():
            wanted = code in self.unseen_programs or rng.random() < 0.55
            if not wanted or self.programs[code].excludes & live:
                continue
            if self._enrol(p, home, code, first_day, out):
                live.add(code)
            held.add(code)
            if code in self.unseen_programs:
                self.unseen_programs.remove(code)
        free = [c for c in offered if c not in live and not (self.programs[c].excludes & live)]
        if free and (self.unseen_outcomes or rng.random() < 0.25):
            outcome = self.unseen_outcomes.pop(0) if self.unseen_outcomes else rng.choice(OUTCOMES)
            self._extra_application(p, home, rng.choice(free), outcome, out)
        if live and rng.random() < 0.45:
            self._cards(p, home, out)

    def _named(self, p: DemoPerson, home: DemoHousehold, out: History) -> None:
        """The named persons' stories (see `demo.named`): told the same way every time."""
        if p.id == named.YOLANDA:
            self._extra_application(p, home, "comedores_comunitarios", "rejected", out)
        elif p.id == named.ITZEL:
            start = _birthday(p.birth_date, 16) + timedelta(days=30)
            self._enrol(p, home, "prepa_si", start, out,
                        fixed=(start, "exited", _birthday(p.birth_date, 18), "end_of_term"))

    def _enrol(self, p: DemoPerson, home: DemoHousehold, code: str, first_day: date,
               out: History, fixed: tuple[date, str, date | None, str | None] | None = None
               ) -> bool:
        """An enrollment and its approved application; True when it is still live."""
        if fixed is not None:
            return self._enrolment(p, home, code, *fixed, out)
        rng, today = self.rng, self.today
        earliest = max(first_day, today - timedelta(days=365 * 12), date(2011, 1, 1))
        latest = today - timedelta(days=20)
        if first_day > today - timedelta(days=RECENT):
            return False  # newly eligible: not reached yet (the supervisor's outreach list)
        if code in YEARLY:
            start = max(earliest, _school_year(today))
            if start > latest:
                return False
        else:
            start = self._day_between(earliest, latest)
        status, ended, reason = "active", None, None
        if code == "seguro_desempleo" and (today - start).days > 182:
            status, ended, reason = "exited", start + timedelta(days=182), "end_of_term"
        elif code == "bebe_seguro" and (today - first_day).days >= 365:
            status, ended, reason = "exited", first_day + timedelta(days=365), "end_of_term"
            start = min(start, ended - timedelta(days=20))
        elif code not in YEARLY:
            roll = rng.random()
            if roll < 0.07:
                status = "suspended"
            elif roll < 0.19:
                status, reason = "exited", rng.choice(EXIT_REASONS)
                ended = self._day_between(min(start + timedelta(days=30), latest), latest)
        return self._enrolment(p, home, code, start, status, ended, reason, out)

    def _enrolment(self, p: DemoPerson, home: DemoHousehold, code: str, start: date,
                   status: str, ended: date | None, reason: str | None, out: History) -> bool:
        rng, today = self.rng, self.today
        latest = today - timedelta(days=20)
        terms = self.programs[code]
        submitted = start - timedelta(days=rng.randint(2, max(3, terms.expected_days)))
        application = self._application(p, home, code, "approved", submitted, out)
        application["decided_at"] = _at(start, 12)
        application["decision_reason"] = APPROVED_REASON
        self._entry(out, "application", application["id"], "approved", start,
                    {"reason": APPROVED_REASON}, self.actors.supervisor)
        enrollment: dict[str, Any] = {
            "id": self._uuid(), "version": 1, "person_id": p.id, "program_code": code,
            "application_id": application["id"], "status": status, "started_on": start,
            "ended_on": ended, "exit_reason": reason, "change_seq": 0}
        out.enrollments.append(enrollment)
        self._entry(out, "enrollment", enrollment["id"], "active", start,
                    {"application": application["folio"]}, self.actors.supervisor)
        until = today
        if status != "active":
            until = ended or self._day_between(min(start + timedelta(days=30), latest), latest)
            self._entry(out, "enrollment", enrollment["id"], status, until,
                        {"reason": reason or "documents_missing", "note": None},
                        self.actors.supervisor)
        self._deliveries(p, enrollment, until, out)
        return status != "exited"

    def _application(self, p: DemoPerson, home: DemoHousehold, code: str, status: str,
                     submitted: date, out: History) -> dict[str, Any]:
        terms = self.programs[code]
        received = status in ("approved", "in_review")
        row: dict[str, Any] = {
            "id": self._uuid(), "folio": self._folio(), "version": 1, "person_id": p.id,
            "program_code": code, "channel": self.rng.choice(CHANNELS), "status": status,
            "submitted_at": _at(submitted, self.rng.randint(0, 7)),
            "expected_decision_on": submitted + timedelta(days=terms.expected_days),
            "decided_at": None, "decision_reason": None,
            "documents": [{**d, "received": received or self.rng.random() < 0.5}
                          for d in terms.documents],
            "catalog_version": None, "evaluation": None,
            "office_id": self.actors.offices.get(home.borough), "change_seq": 0,
        }
        out.applications.append(row)
        self._entry(out, "application", row["id"], "submitted", submitted,
                    {"program": code, "channel": row["channel"]}, self.actors.clerk)
        return row

    def _extra_application(self, p: DemoPerson, home: DemoHousehold, code: str, outcome: str,
                           out: History) -> None:
        """An application that did not (yet) lead to an enrollment."""
        rng, today = self.rng, self.today
        days = self.programs[code].expected_days
        if outcome == "overdue":
            submitted = today - timedelta(days=days + rng.randint(3, 45))
            status = rng.choice(("submitted", "in_review"))
        elif outcome == "rejected":
            submitted = today - timedelta(days=rng.randint(days + 10, 365 * 4))
            status = "rejected"
        else:
            submitted = today - timedelta(days=rng.randint(0, max(0, days - 1)))
            status = outcome
        row = self._application(p, home, code, status, submitted, out)
        if status == "in_review":
            moved = self._day_between(submitted, min(today, row["expected_decision_on"]))
            self._entry(out, "application", row["id"], "in_review", moved, {"reason": None},
                        self.actors.supervisor)
        if status == "rejected":
            decided = self._day_between(submitted + timedelta(days=1), row["expected_decision_on"])
            row["decided_at"], row["decision_reason"] = _at(decided, 12), REJECTIONS[code]
            self._entry(out, "application", row["id"], "rejected", decided,
                        {"reason": REJECTIONS[code]}, self.actors.supervisor)

    def _deliveries(self, p: DemoPerson, enrollment: dict[str, Any], until: date,
                    out: History) -> None:
        """The latest few deliveries under an enrollment (monthly, or once a school year)."""
        code = enrollment["program_code"]
        kind, amount = DELIVERIES[code]
        start: date = enrollment["started_on"]
        step = 365 if code in YEARLY else 30
        day = until - timedelta(days=self.rng.randint(0, 20))
        for _ in range(1 if code in YEARLY else self.rng.randint(1, 4)):
            if day < start or day > self.today:
                break
            out.deliveries.append({
                "id": self._uuid(), "enrollment_id": enrollment["id"], "person_id": p.id,
                "program_code": code, "delivered_on": day, "kind": kind,
                "amount": Decimal(amount) if amount is not None else None,
                "place": None, "actor_kind": "agency", "actor_id": code[:64],
                "recorded_at": _at(day, 14),
            })
            day -= timedelta(days=step)

    def _cards(self, p: DemoPerson, home: DemoHousehold, out: History) -> None:
        """An active card; now and then an earlier one that was reported lost."""
        rng, today = self.rng, self.today
        lost = not self.lost_card_shown or rng.random() < 0.02
        self.lost_card_shown = True
        first = today - timedelta(days=rng.randint(400 if lost else 30, 365 * 4))
        if lost:
            reported = self._day_between(first + timedelta(days=60), today - timedelta(days=30))
            self._card(p, home, 1, "lost", first, reported, out)
            self._card(p, home, 2, "active", reported + timedelta(days=rng.randint(1, 14)), None,
                       out)
        else:
            self._card(p, home, 1, "active", first, None, out)

    def _card(self, p: DemoPerson, home: DemoHousehold, generation: int, status: str,
              issued: date, changed: date | None, out: History) -> None:
        serial = self.rng.getrandbits(49)
        while serial in self._serials:
            serial = self.rng.getrandbits(49)
        self._serials.add(serial)
        public = self.rng.getrandbits(256).to_bytes(32, "big")
        out.cards.append({
            "id": self._uuid(), "serial": serial_text(serial), "person_id": p.id,
            "generation": generation, "status": status,
            "status_reason": "reported lost" if status == "lost" else None,
            "kid": self.actors.issuer_kid, "card_public_key": public,
            "payload_sha256": hashlib.sha256(public + serial.to_bytes(7, "big")).hexdigest(),
            "puk_hash": self.actors.puk_hash, "issued_by": self.actors.clerk,
            "office_id": self.actors.offices.get(home.borough), "issued_at": _at(issued),
            "activated_at": _at(issued, 11), "expires_on": _birthday(issued, 5),
            "status_changed_at": _at(changed or issued, 11), "revocation_seq": None,
        })

    def _entry(self, out: History, entity: str, entity_id: uuid.UUID, action: str, day: date,
               changes: dict[str, Any], actor: str) -> None:
        out.entries.append({"at": _at(day, 11), "actor_kind": "staff", "actor_id": actor,
                            "entity": entity, "entity_id": entity_id, "action": action,
                            "changes": changes})

