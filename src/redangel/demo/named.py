"""The demo's named persons: people a newcomer looks up by name to see a life event at work.

- Yolanda Hernández Rojas, 74, Iztapalapa, never stated since when she lives in the city:
  "turning 68" finds free medical services for her, refuses the community dining room (her
  colonia is not a low-development area) and asks for her residence date before the pension.
- Itzel Xolalpa Martínez, 23, Iztapalapa, a single mother whose baby is five weeks old:
  "birth of a child" finds Bebé seguro, support for single mothers and the dining room, and asks
  whether she has health coverage.
- Rosa María Torres Ávila, who turned 68 five weeks ago and has lived in Iztapalapa since 1979:
  the first name on the supervisor's outreach list, for the pension.

Their ages and the baby's are counted back from the day of the seed, so the story holds on any
day the demo is loaded; their ids are fixed so that tests and guides can name them.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from redangel.demo.generate import DemoHousehold, DemoPerson, PopulationGenerator

YOLANDA = uuid.UUID("5e0d1a0a-0000-4000-8000-000000000068")
ITZEL = uuid.UUID("5e0d1a0a-0000-4000-8000-000000000023")
MATEO = uuid.UUID("5e0d1a0a-0000-4000-8000-000000000001")
ROSA = uuid.UUID("5e0d1a0a-0000-4000-8000-000000000168")
NAMED = {YOLANDA: "Yolanda Hernández Rojas", ITZEL: "Itzel Xolalpa Martínez",
         ROSA: "Rosa María Torres Ávila"}


def _years_ago(today: date, years: int, days: int) -> date:
    anniversary = today.replace(year=today.year - years) if (today.month, today.day) != (2, 29) \
        else today.replace(year=today.year - years, day=28)
    return anniversary - timedelta(days=days)


def households(generator: PopulationGenerator, today: date) -> list[DemoHousehold]:
    """The named persons' households, CURPs drawn from the generator so none is repeated."""
    yolanda = DemoPerson(
        id=YOLANDA, given_names="Yolanda", first_surname="Hernández", second_surname="Rojas",
        sex="M", birth_date=_years_ago(today, 74, 97), birth_state="PL", curp=None,
        relationship="head",
        attributes={"schooling_level": "primary", "studying": False,
                    "employment_status": "homemaker", "monthly_income": 0,
                    "marital_status": "widowed", "arts_training": False,
                    "low_development_area": False},
        sensitive={"disability": "none", "health_coverage": "none", "family_violence": False},
        phone="5551234068",
    )
    itzel = DemoPerson(
        id=ITZEL, given_names="Itzel", first_surname="Xolalpa", second_surname="Martínez",
        sex="M", birth_date=_years_ago(today, 23, 140), birth_state="DF", curp=None,
        relationship="head",
        attributes={"schooling_level": "upper_secondary", "studying": False,
                    "employment_status": "informal", "monthly_income": 4200,
                    "marital_status": "single", "arts_training": False,
                    "low_development_area": True},
        sensitive={"disability": "none", "family_violence": False},
        phone="5551234023",
    )
    itzel.attributes["resident_since"] = itzel.birth_date.isoformat()
    mateo = DemoPerson(
        id=MATEO, given_names="Mateo", first_surname="Xolalpa", second_surname="Martínez",
        sex="H", birth_date=today - timedelta(days=37), birth_state="DF", curp=None,
        relationship="child",
        attributes={"schooling_level": "none", "low_development_area": True},
        sensitive={"disability": "none", "health_coverage": "none", "family_violence": False},
    )
    mateo.attributes["resident_since"] = mateo.birth_date.isoformat()
    rosa = DemoPerson(
        id=ROSA, given_names="Rosa María", first_surname="Torres", second_surname="Ávila",
        sex="M", birth_date=_years_ago(today, 68, 35), birth_state="OC", curp=None,
        relationship="head",
        attributes={"schooling_level": "secondary", "studying": False,
                    "employment_status": "informal", "monthly_income": 3500,
                    "marital_status": "married", "arts_training": False,
                    "low_development_area": False, "resident_since": "1979-03-01"},
        sensitive={"disability": "none", "health_coverage": "imss", "family_violence": False},
        phone="5551234168",
    )
    for person in (yolanda, itzel, mateo, rosa):
        person.curp = generator.assign_curp(person)
    return [
        DemoHousehold(id=uuid.UUID("5e0d1a0a-0000-4000-8000-0000000000a1"), borough="iztapalapa",
                      postal_code="09310", colonia="Santa Cruz Meyehualco",
                      street="Calle Morelos 68", members=[yolanda]),
        DemoHousehold(id=uuid.UUID("5e0d1a0a-0000-4000-8000-0000000000a2"), borough="iztapalapa",
                      postal_code="09880", colonia="San Miguel Teotongo",
                      street="Av. Ermita Iztapalapa 23", members=[itzel, mateo]),
        DemoHousehold(id=uuid.UUID("5e0d1a0a-0000-4000-8000-0000000000a3"), borough="iztapalapa",
                      postal_code="09230", colonia="Agrícola Oriental",
                      street="Calle Allende 168", members=[rosa]),
    ]
