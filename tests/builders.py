"""Builders per domain: valid payloads with unique names, and the staff a test needs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from redangel.auth import service as auth
from redangel.auth.models import Agency, Office
from redangel.person import curp as curp_rules

PASSWORD = "test-password-123"


@dataclass
class World:
    """Who exists in the test database."""

    password: str
    clerk: str
    other_clerk: str
    supervisor: str
    analyst: str
    admin: str
    office_id: Any
    other_office_id: Any
    agency_client_id: str
    agency_secret: str
    other_agency_client_id: str
    other_agency_secret: str
    kiosk_token: str


def build_world(session: Session) -> World:
    """Create two offices, staff of every role, two agency clients and a kiosk."""
    tag = f"{random.randrange(16**6):06x}"
    iztapalapa = Office(code=f"T-IZ-{tag}", name="Módulo Iztapalapa", borough="iztapalapa")
    coyoacan = Office(code=f"T-CO-{tag}", name="Módulo Coyoacán", borough="coyoacan")
    session.add_all([iztapalapa, coyoacan])
    for code in (f"ag1{tag}", f"ag2{tag}"):
        session.add(Agency(code=code, name_es=f"Agencia {code}", name_en=f"Agency {code}"))
    session.flush()
    names = {}
    for role, office in (("clerk", iztapalapa), ("other_clerk", coyoacan), ("supervisor", iztapalapa),
                         ("analyst", None), ("admin", None)):
        username = f"{role}-{tag}"
        auth.create_user(session, username=username, password=PASSWORD,
                         role="clerk" if role == "other_clerk" else role, display_name=role,
                         office_id=office.id if office else None)
        names[role] = username
    client, secret = auth.create_agency_client(session, agency_code=f"ag1{tag}")
    other, other_secret = auth.create_agency_client(session, agency_code=f"ag2{tag}")
    _, kiosk = auth.create_kiosk_device(session, name=f"kiosk-{tag}", office_id=iztapalapa.id)
    return World(PASSWORD, names["clerk"], names["other_clerk"], names["supervisor"],
                 names["analyst"], names["admin"], iztapalapa.id, coyoacan.id, client.client_id,
                 secret, other.client_id, other_secret, kiosk)


def born_in(year: int) -> str:
    """A random day of that year (ISO): persons of other tests share a CURP's first letters often
    enough that a fixed birth date would make their CURPs collide now and then."""
    return (date(year, 1, 1) + timedelta(days=random.randrange(365))).isoformat()


def person_payload(suffix: str, *, with_curp: bool = True, **overrides: Any) -> dict[str, Any]:
    """A valid new person whose surname makes them unique; CURP built by the real rules."""
    data: dict[str, Any] = {
        "given_names": "María Guadalupe",
        "first_surname": f"{suffix}hernández",
        "second_surname": "López",
        "sex": "M",
        "birth_date": (date(1950, 1, 1) + timedelta(days=random.randrange(18_000))).isoformat(),
        "birth_state": "DF",
        "phone": "5512345678",
        "address": {"borough": "iztapalapa", "colonia": "Centro", "postal_code": "09000",
                    "street": "Calle Hidalgo 12"},
        "attributes": {"employment_status": "informal", "monthly_income": "4200.00"},
        "sensitive": {"disability": "none", "health_coverage": "none"},
    }
    data.update(overrides)
    if with_curp and "curp" not in overrides:
        data["curp"] = curp_rules.build(
            given_names=data["given_names"], first_surname=data["first_surname"],
            second_surname=data.get("second_surname"),
            birth_date=date.fromisoformat(data["birth_date"]), sex=data["sex"],
            birth_state=data.get("birth_state") or "DF",
            homonymy=random.choice(
                "0123456789" if data["birth_date"] < "2000" else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        )
    return data
