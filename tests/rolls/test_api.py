"""The roll API over real HTTP: an agency sends its roll, follows the job and reads the quality
report; a bad file is answered with problem+json naming file, line and column, in both
languages, and nothing is written."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from redangel.auth.models import AgencyClient
from redangel.program.models import Program
from redangel.rolls.models import RollImport
from tests.conftest import LiveServer, unique_suffix

MAPPING = ("columns:\n  given_names: NOMBRE\n  first_surname: PATERNO\n  birth_date: FEC_NAC\n"
           "  sex: SEXO\ndates:\n  birth_date: dmy\n")


@pytest.fixture
def agency(live: LiveServer, world, sessions) -> Iterator[tuple[httpx.Client, str]]:  # type: ignore[no-untyped-def]
    code = f"rl{uuid.uuid4().hex[:16]}"
    with sessions() as session:
        agency_code = session.scalar(select(AgencyClient.agency_code).where(
            AgencyClient.client_id == world.agency_client_id))
        session.add(Program(code=code, agency_code=agency_code, name_es="Padrón", name_en="Roll",
                            expected_days=30, documents=[]))
        session.commit()
    token = httpx.post(f"{live.url}/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": world.agency_client_id,
        "client_secret": world.agency_secret}).json()["access_token"]
    client = httpx.Client(base_url=f"{live.url}/api/v1", timeout=30,
                          headers={"Authorization": f"Bearer {token}"})
    yield client, code
    client.close()


def _body(program: str, csv: str) -> dict[str, object]:
    return {"program": program, "file_name": "padron.csv", "mapping": MAPPING,
            "content_base64": base64.b64encode(csv.encode("cp1252")).decode()}


def test_agency_sends_its_roll_and_reads_the_report(agency: tuple[httpx.Client, str]) -> None:
    client, program = agency
    tag = unique_suffix()
    csv = (f"NOMBRE;PATERNO;FEC_NAC;SEXO\r\nAna;Peña{tag};01/02/1950;M\r\n"
           f"Luis;Soto{tag};03/04/1960;H\r\n;;01/01/1950;H\r\n")
    answer = client.post("/rolls", json=_body(program, csv))
    assert answer.status_code == 202, answer.text
    roll_id = answer.json()["id"]
    for _ in range(200):
        state = client.get(f"/rolls/{roll_id}").json()
        if state["status"] not in ("reading", "read"):
            break
        time.sleep(0.1)
    assert state["status"] == "linked" and state["rows_done"] == 3
    report = client.get(f"/rolls/{roll_id}/report").json()
    assert report["accounted"] and report["refused"] == [{"reason": "name_missing", "lines": [4]}]
    assert "Peña" not in client.get(f"/rolls/{roll_id}/report").text  # counts, never values


@pytest.mark.parametrize(("lang", "words"), [("es", "línea 3"), ("en", "line 3")])
def test_bad_roll_is_a_problem_naming_file_line_and_column(
        agency: tuple[httpx.Client, str], sessions, lang: str, words: str) -> None:  # type: ignore[no-untyped-def]
    client, program = agency
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(RollImport))
    csv = "NOMBRE;PATERNO;FEC_NAC;SEXO\r\nAna;Ruiz;01/02/1950;M\r\nLuis;Soto\r\n"
    answer = client.post("/rolls", json=_body(program, csv), headers={"Accept-Language": lang})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["file"] == "padron.csv" and problem["line"] == 3 and problem["column"] == "SEXO"
    assert problem["errors"][0]["code"] == "roll_too_few_fields"
    assert words in problem["title"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(RollImport)) == before


def test_mapping_that_names_a_missing_column(agency: tuple[httpx.Client, str]) -> None:
    client, program = agency
    csv = "NOMBRE;APELLIDO;FEC_NAC;SEXO\r\nA;B;01/01/1950;M\r\n"
    answer = client.post("/rolls", json=_body(program, csv))
    assert answer.status_code == 422
    assert answer.json()["column"] == "PATERNO" and answer.json()["line"] == 1
