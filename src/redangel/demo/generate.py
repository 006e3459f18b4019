"""A deterministic, realistic population of Mexico City households for demos and benchmarks.

Same seed, same people: households with children, elderly people, single mothers, extended
families; compound names with accents; CURPs built by the real rules with valid check digits
(about 2% of people have none, as in the registry the city runs).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from redangel.demo import names
from redangel.person import curp as curp_rules

REFERENCE_DATE = date(2026, 1, 1)
_BOROUGHS = list(names.BOROUGH_WEIGHTS)
_WEIGHTS = list(names.BOROUGH_WEIGHTS.values())
_HOMONYMY_OLD = "0123456789"
_HOMONYMY_NEW = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class DemoPerson:
    """One generated person, with everything the registry stores about them."""

    id: uuid.UUID
    given_names: str
    first_surname: str
    second_surname: str | None
    sex: str
    birth_date: date
    birth_state: str
    curp: str | None
    relationship: str
    attributes: dict[str, Any] = field(default_factory=dict)
    sensitive: dict[str, Any] = field(default_factory=dict)
    phone: str | None = None


@dataclass
class DemoHousehold:
    """One generated household and where it lives."""

    id: uuid.UUID
    borough: str
    postal_code: str
    colonia: str
    street: str
    members: list[DemoPerson]


class PopulationGenerator:
    """Generates households one by one; CURPs stay unique across everything it generated."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self._curp_prefixes: dict[str, int] = {}

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _birth(self, min_age: int, max_age: int) -> date:
        days = self.rng.randint(min_age * 365 + 1, max_age * 365 + 300)
        return REFERENCE_DATE - timedelta(days=days)

    def _curp(self, p: DemoPerson) -> str | None:
        if self.rng.random() < 0.02:
            return None
        return self.assign_curp(p)

    def assign_curp(self, p: DemoPerson) -> str | None:
        """The person's CURP by the real rules, its homonymy character unused so far."""
        base = curp_rules.build(
            given_names=p.given_names, first_surname=p.first_surname,
            second_surname=p.second_surname, birth_date=p.birth_date, sex=p.sex,
            birth_state=p.birth_state, homonymy="0",
        )[:16]
        used = self._curp_prefixes.get(base, 0)
        alphabet = _HOMONYMY_OLD if p.birth_date.year < 2000 else _HOMONYMY_NEW
        if used >= len(alphabet):
            return None
        self._curp_prefixes[base] = used + 1
        first17 = base + alphabet[used]
        return first17 + str(curp_rules.check_digit(first17))

    def _person(self, *, sex: str, age: tuple[int, int], first: str, second: str | None,
                relationship: str) -> DemoPerson:
        given = self.rng.choice(names.FEMALE_GIVEN if sex == "M" else names.MALE_GIVEN)
        p = DemoPerson(
            id=self._uuid(), given_names=given, first_surname=first, second_surname=second,
            sex=sex, birth_date=self._birth(*age), birth_state=self.rng.choice(names.BIRTH_STATES),
            curp=None, relationship=relationship,
        )
        p.curp = self._curp(p)
        self._facts(p)
        return p

    def _facts(self, p: DemoPerson) -> None:
        rng = self.rng
        years = (REFERENCE_DATE - p.birth_date).days // 365
        a: dict[str, Any] = {}
        if years < 3:
            a["schooling_level"] = "none"
        elif years < 6:
            a.update(schooling_level="preschool", studying=True, school_sector="public")
        elif years < 12:
            a.update(schooling_level="primary", studying=True,
                     school_sector=rng.choice(("public",) * 8 + ("private",)))
            a["grade_average"] = round(rng.uniform(6.0, 10.0), 1)
        elif years < 15:
            a.update(schooling_level="secondary", studying=True, school_sector="public")
            a["grade_average"] = round(rng.uniform(6.0, 10.0), 1)
        elif years < 18:
            studying = rng.random() < 0.8
            a.update(schooling_level="upper_secondary" if studying else "secondary",
                     studying=studying, school_sector="public")
        else:
            a["schooling_level"] = rng.choice(("primary", "secondary", "upper_secondary", "higher"))
            a["studying"] = years < 25 and rng.random() < 0.3
            if years >= 65:
                a["employment_status"] = rng.choice(("retired", "retired", "informal", "homemaker"))
            else:
                a["employment_status"] = rng.choice(
                    ("formal", "formal", "informal", "informal", "unemployed", "homemaker", "student")
                )
            earning = a["employment_status"] in ("formal", "informal", "retired")
            a["monthly_income"] = round(rng.uniform(3000, 25000), 2) if earning else 0
            a["marital_status"] = "married" if p.relationship in ("head", "spouse") else "single"
            a["arts_training"] = years < 30 and rng.random() < 0.05
            if rng.random() < 0.6:
                p.phone = "55" + "".join(rng.choice("0123456789") for _ in range(8))
            for fact in ("schooling_level", "monthly_income"):
                if rng.random() < 0.06:  # never asked at the desk: the wizard will ask
                    a.pop(fact, None)
        a["low_development_area"] = rng.random() < 0.3
        resident_since = self._resident_since(p, years)
        if resident_since is not None:
            a["resident_since"] = resident_since.isoformat()
        p.attributes = a
        p.sensitive = {
            "disability": "permanent" if rng.random() < 0.05 else "none",
            "health_coverage": rng.choice(("none", "none", "imss", "imss", "issste", "private")),
            "family_violence": p.sex == "M" and years >= 18 and rng.random() < 0.01,
        }
        if rng.random() < 0.1:  # coverage not yet declared
            del p.sensitive["health_coverage"]

    def _resident_since(self, p: DemoPerson, years: int) -> date | None:
        """Since when the person lives in the city: born here, or moved in as an adult; about
        one adult in eight has never stated it."""
        if years < 18:
            return p.birth_date
        if self.rng.random() < 0.12:
            return None
        if p.birth_state == "DF":
            return p.birth_date
        adult = p.birth_date + timedelta(days=18 * 365)
        return adult + timedelta(days=self.rng.randint(0, max(1, (REFERENCE_DATE - adult).days)))

    def household(self) -> DemoHousehold:
        """The next household."""
        rng = self.rng
        borough = rng.choices(_BOROUGHS, _WEIGHTS)[0]
        kind = rng.choices(("nuclear", "single_mother", "elderly", "extended", "single"),
                           (35, 15, 15, 15, 20))[0]
        father_surname = rng.choice(names.SURNAMES)
        mother_surname = rng.choice(names.SURNAMES)
        members: list[DemoPerson] = []

        def child_of(first: str, second: str | None) -> DemoPerson:
            return self._person(sex=rng.choice("HM"), age=(0, 17), first=first, second=second,
                                relationship="child")

        if kind in ("nuclear", "extended"):
            head = self._person(sex="H", age=(25, 60), first=father_surname,
                                second=rng.choice(names.SURNAMES), relationship="head")
            spouse = self._person(sex="M", age=(22, 58), first=mother_surname,
                                  second=rng.choice(names.SURNAMES), relationship="spouse")
            members += [head, spouse]
            members += [child_of(father_surname, mother_surname) for _ in range(rng.randint(1, 3))]
            if kind == "extended":
                members.append(self._person(sex=rng.choice("HM"), age=(65, 92),
                                            first=head.second_surname or father_surname,
                                            second=rng.choice(names.SURNAMES),
                                            relationship="grandparent"))
        elif kind == "single_mother":
            mother = self._person(sex="M", age=(17, 50), first=mother_surname,
                                  second=rng.choice(names.SURNAMES), relationship="head")
            mother.attributes["marital_status"] = rng.choice(("single", "separated", "divorced"))
            members.append(mother)
            recognised = rng.random() < 0.6
            for _ in range(rng.randint(1, 3)):
                if recognised:
                    members.append(child_of(father_surname, mother_surname))
                else:
                    members.append(child_of(mother_surname, None))
        elif kind == "elderly":
            members.append(self._person(sex=rng.choice("HM"), age=(66, 95), first=father_surname,
                                        second=rng.choice(names.SURNAMES), relationship="head"))
            if rng.random() < 0.5:
                members.append(self._person(sex="M" if members[0].sex == "H" else "H",
                                            age=(64, 93), first=mother_surname,
                                            second=rng.choice(names.SURNAMES),
                                            relationship="spouse"))
        else:
            members.append(self._person(sex=rng.choice("HM"), age=(18, 67), first=father_surname,
                                        second=rng.choice(names.SURNAMES), relationship="head"))
        return DemoHousehold(
            id=self._uuid(), borough=borough,
            postal_code=names.BOROUGH_POSTAL[borough] + f"{rng.randint(0, 99):02d}",
            colonia=rng.choice(names.COLONIAS), street=f"{rng.choice(names.STREETS)} {rng.randint(1, 999)}",
            members=members,
        )

    def persons(self, count: int, *, named: Iterable[DemoHousehold] = ()) -> Iterator[DemoHousehold]:
        """Households until `count` persons have been generated (the last may be cut short),
        the `named` ones first."""
        made = 0
        queue = list(named)
        while made < count:
            household = queue.pop(0) if queue else self.household()
            household.members = household.members[: count - made]
            made += len(household.members)
            yield household
