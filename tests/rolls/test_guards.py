"""Who may import a roll: stewards, admins and an agency for its own programs — not a clerk,
and not one agency for another's program."""

from __future__ import annotations

from pathlib import Path

import pytest

from redangel.auth.principal import Principal
from redangel.errors import Forbidden, NotFound
from redangel.rolls import service as rolls
from redangel.rolls.mapping import load_mapping
from redangel.rolls.readers import read_roll

DATA = Path(__file__).parent / "data"


def _start(sessions, keyring, principal: Principal, agency: str, program: str):  # type: ignore[no-untyped-def]
    mapping = load_mapping(DATA / "iaam_pension.yaml")
    data = (DATA / "iaam_pension.csv").read_bytes()
    roll = read_roll(data, name="iaam_pension.csv", mapping=mapping, max_bytes=10**6)
    with sessions() as session:
        try:
            return rolls.start(session, keyring=keyring, principal=principal, roll=roll, data=data,
                               agency_code=agency, program_code=program, mapping=mapping)
        finally:
            session.rollback()


@pytest.mark.parametrize("role", ["clerk", "supervisor", "analyst"])
def test_front_desk_and_analysts_cannot_import(sessions, keyring, world, role: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        _start(sessions, keyring, Principal(kind="staff", id=role, role=role), "iaam",
               "pension_adultos_mayores")


def test_agency_cannot_import_for_another_agencys_program(sessions, keyring, world) -> None:  # type: ignore[no-untyped-def]
    other = Principal(kind="agency", id="dif-client", role="agency", agency_code="dif")
    with pytest.raises(NotFound):
        _start(sessions, keyring, other, "iaam", "pension_adultos_mayores")


def test_agency_and_steward_may_import_their_roll(sessions, keyring, world) -> None:  # type: ignore[no-untyped-def]
    own = Principal(kind="agency", id="iaam-client", role="agency", agency_code="iaam")
    steward = Principal(kind="staff", id="steward", role="steward")
    assert _start(sessions, keyring, own, "iaam", "pension_adultos_mayores").status == "reading"
    assert _start(sessions, keyring, steward, "iaam", "pension_adultos_mayores").status == "reading"
