"""The data steward's roll pages over real HTTP: upload with a mapping, a preview that writes
nothing, the import run as a job, a pair reviewed, the merge and the quality report; and who
may not use them."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select

from redangel.auth import service as auth
from redangel.person.curp import build
from redangel.rolls.models import RollImport, RollRow
from tests.builders import PASSWORD
from tests.conftest import LiveServer, unique_suffix

MAPPING = """\
columns:
  given_names: NOMBRE
  first_surname: PATERNO
  second_surname: MATERNO
  birth_date: FEC_NAC
  sex: SEXO
  curp: CURP
  borough: DELEGACION
dates:
  birth_date: dmy
"""


def _signed_in(live: LiveServer, username: str) -> httpx.Client:
    client = httpx.Client(base_url=live.url, timeout=60)
    page = client.get("/office/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token is not None
    client.post("/office/login", data={"username": username, "password": PASSWORD,
                                       "login_token": token.group(1), "next": "/office"})
    return client


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text[:500]
    return found.group(1)


@pytest.fixture
def steward(live: LiveServer, world, sessions) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    name = f"steward-{unique_suffix()}"
    with sessions() as session:
        auth.create_user(session, username=name, password=PASSWORD, role="steward",
                         display_name="steward", office_id=None)
        session.commit()
    client = _signed_in(live, name)
    yield client
    client.close()


def _roll(tag: str) -> bytes:
    surname = f"Ruiz{tag}"
    born = date(1951, 4, 3)
    curp = build(given_names="Ana", first_surname=surname, second_surname="Vega", birth_date=born,
                 sex="M", birth_state="DF")
    lines = ["NOMBRE;PATERNO;MATERNO;FEC_NAC;SEXO;CURP;DELEGACION",
             f"ANA;{surname.upper()};VEGA;03/04/1951;M;{curp};IZTAPALAPA",
             f"Ana;{surname};Vega;03/04/1951;M;;Delegación Iztapalapa",
             f"Luisa;{surname};Vega;03/04/1951;M;;Iztapalapa",
             "Pedro;;;01/01/1950;H;;Tlalpan"]
    # Other persons of the roll, from whom the linkage model learns how strangers compare.
    lines += [f"Persona{i};Apellido{tag}{i};Segundo{i};{1 + i % 28:02d}/0{1 + i % 9}/19{40 + i};"
              f"{'HM'[i % 2]};;Tlalpan" for i in range(30)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _upload(client: httpx.Client, data: bytes, name: str = "roll.csv", *, link: str = "0.99",
            review: str = "0.5") -> httpx.Response:
    page = client.get("/office/rolls")
    assert page.status_code == 200
    return client.post("/office/rolls", data={"csrf_token": _csrf(page), "mapping": MAPPING,
                                              "program": "pension_adultos_mayores",
                                              "link": link, "review": review},
                       files={"roll": (name, data, "text/csv")})


def test_steward_imports_reviews_merges_and_reads_the_report(steward: httpx.Client, sessions) -> None:  # type: ignore[no-untyped-def]
    answer = _upload(steward, _roll(unique_suffix()), review="0.05")
    assert answer.status_code == 303, answer.text[:800]
    location = answer.headers["location"]
    import_id = uuid.UUID(location.rsplit("/", 1)[1])
    preview = steward.get(location)
    assert 'id="preview"' in preview.text and "Ana" in preview.text
    with sessions() as session:  # the preview wrote no row
        assert session.scalar(select(func.count()).select_from(RollRow).where(
            RollRow.import_id == import_id)) == 0
    steward.post(f"{location}/start", data={"csrf_token": _csrf(preview)})
    for _ in range(300):
        shown = steward.get(location)
        if 'id="roll-summary"' in shown.text:
            break
        time.sleep(0.2)
    assert 'id="roll-summary"' in shown.text
    assert "Vinculado" in shown.text  # linked, not only read
    decided = 0
    while True:  # Luisa (a sister: all alike but the given name) against Ana's two rows
        review = steward.get(f"{location}/review")
        pair = re.search(r'action="(/office/rolls/[^"]+/pairs/\d+)"', review.text)
        if pair is None:
            break
        assert "Coincidencia" in review.text and "Qué indica" in review.text
        answer = steward.post(pair.group(1), data={"csrf_token": _csrf(review),
                                                   "decision": "different"})
        assert answer.status_code == 303
        decided += 1
    # Luisa against Ana's two rows at least; a registry holding other tests' persons can add
    # weak pairs at this low review threshold, each decided the same way.
    assert decided >= 2
    merged = steward.post(f"{location}/merge", data={"csrf_token": _csrf(shown)})
    assert merged.status_code == 303
    report = steward.get(f"{location}/report", params={"format": "json"}).json()
    assert report["status"] == "merged" and report["accounted"]
    assert report["rows_read"] == 34
    assert report["refused"] == [{"reason": "name_missing", "lines": [5]}]
    assert report["decisions"] == {"different": decided}
    # Every row accounted for: nothing held back, as each pair was decided.
    assert report["outcomes"]["refused"] == 1 and "held" not in report["outcomes"], (
        report["held"], report["decisions"], report["flags"])
    assert sum(report["outcomes"].values()) == 34
    page = steward.get(f"{location}/report")
    assert "<svg" in page.text and "Filas leídas" in page.text
    assert steward.get(f"{location}/report", params={"format": "csv"}).text.startswith("section,")
    summary = steward.get("/office/rolls/summary")
    assert summary.status_code == 200 and f"/office/rolls/{import_id}/report" in summary.text
    assert steward.get("/office/rolls/exclusions").status_code == 200


def test_a_bad_file_is_refused_naming_line_and_nothing_is_written(steward: httpx.Client, sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(RollImport))
    bad = _roll(unique_suffix()) + b"Ana;Ruiz;Vega;03/04/1951;M;;Tlalpan;extra\r\n"
    answer = _upload(steward, bad, name="bad.csv")
    assert answer.status_code == 422
    assert "bad.csv" in answer.text and "línea 36" in answer.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(RollImport)) == before


@pytest.mark.parametrize("role", ["clerk", "supervisor"])
def test_desk_staff_cannot_open_the_roll_pages(live: LiveServer, world, role: str) -> None:  # type: ignore[no-untyped-def]
    client = _signed_in(live, getattr(world, role))
    assert client.get("/office/rolls").status_code == 403


def test_steward_cannot_open_the_desk_pages(steward: httpx.Client) -> None:
    assert steward.get("/office").status_code == 403
