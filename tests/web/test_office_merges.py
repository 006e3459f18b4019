"""The data steward's merge pages over real HTTP: two records merged through the page, the merge
read and undone through the page; a refusal shown in the steward's words; a clerk kept out."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.auth import service as auth
from redangel.linkage.models import PersonMerge, PersonPairBlock
from redangel.person.models import Person
from tests.builders import PASSWORD
from tests.conftest import LiveServer, unique_suffix
from tests.program.helpers import new_person


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
def steward_page(live: LiveServer, world: Any, sessions: Any) -> Iterator[httpx.Client]:
    name = f"steward-{unique_suffix()}"
    with sessions() as session:
        auth.create_user(session, username=name, password=PASSWORD, role="steward",
                         display_name="steward", office_id=None)
        session.commit()
    client = _signed_in(live, name)
    yield client
    client.close()


@pytest.fixture
def clerk_page(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    client = _signed_in(live, world.clerk)
    yield client
    client.close()


def _merge(client: httpx.Client, survivor: str, absorbed: str, *, lang: str = "es") -> httpx.Response:
    form = client.get("/office/merges", params={"lang": lang})
    assert form.status_code == 200 and 'id="merge-form"' in form.text
    return client.post("/office/merges", params={"lang": lang}, data={
        "csrf_token": _csrf(form), "survivor_id": survivor, "absorbed_id": absorbed,
        "reason": "duplicate_registration"})


def test_steward_merges_two_records_and_undoes_it_through_the_pages(
        steward_page: httpx.Client, clerk: httpx.Client, sessions: Any) -> None:
    survivor = new_person(clerk)["id"]
    absorbed = new_person(clerk, with_curp=False, phone="5599887766")["id"]
    answer = _merge(steward_page, survivor, absorbed)
    assert answer.status_code == 303, answer.text[:800]
    location = answer.headers["location"]
    merge_id = uuid.UUID(location.rsplit("/", 1)[1])
    with sessions() as session:
        gone = session.get(Person, uuid.UUID(absorbed))
        assert gone is not None and str(gone.merged_into_id) == survivor
    page = steward_page.get(location)
    assert page.status_code == 200
    assert survivor in page.text and absorbed in page.text
    assert "Qué registro aportó cada campo" in page.text and 'id="merge-moved"' in page.text
    assert "del registro modificado más recientemente" in page.text  # the newer phone, and why
    assert 'id="unmerge-form"' in page.text and 'id="merge-undone"' not in page.text
    listed = steward_page.get("/office/merges")
    assert f"/office/merges/{merge_id}" in listed.text

    undone = steward_page.post(f"{location}/unmerge", data={"csrf_token": _csrf(page),
                                                            "reason": "different_persons"})
    assert undone.status_code == 303 and undone.headers["location"] == location
    again = steward_page.get(location, params={"lang": "en"})
    assert 'id="merge-undone"' in again.text and "They are two different persons" in again.text
    assert 'id="unmerge-form"' not in again.text
    with sessions() as session:
        back = session.get(Person, uuid.UUID(absorbed))
        assert back is not None and back.merged_into_id is None
        row = session.get(PersonMerge, merge_id)
        assert row is not None and row.unmerged_at is not None and row.unmerge_reason == "different_persons"
        low, high = sorted((uuid.UUID(survivor), uuid.UUID(absorbed)), key=str)
        assert session.get(PersonPairBlock, (low, high)) is not None

    # The pair said to be two persons is refused, in the service's words, beside the form.
    refused = _merge(steward_page, survivor, absorbed)
    assert refused.status_code == 409
    assert 'id="merge-error"' in refused.text
    assert "nunca se fusionan" in refused.text
    assert f'value="{survivor}"' in refused.text  # the steward's input is kept


def test_a_refused_merge_shows_its_reason_and_writes_nothing(
        steward_page: httpx.Client, clerk: httpx.Client, sessions: Any) -> None:
    first, second = new_person(clerk)["id"], new_person(clerk)["id"]  # two different CURPs
    refused = _merge(steward_page, first, second, lang="en")
    assert refused.status_code == 409
    assert "The two records have different CURPs; correct the wrong one before merging." in refused.text
    spanish = _merge(steward_page, first, second)
    assert "Los dos registros tienen CURP distintas" in spanish.text
    itself = _merge(steward_page, first, first, lang="en")
    assert itself.status_code == 409 and "A record cannot be merged into itself." in itself.text
    bad = _merge(steward_page, "not-an-id", second, lang="en")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    with sessions() as session:
        ids = [uuid.UUID(first), uuid.UUID(second)]
        assert session.scalars(select(PersonMerge).where(PersonMerge.survivor_id.in_(ids))).all() == []
        rows = session.scalars(select(Person).where(Person.id.in_(ids))).all()
        assert len(rows) == 2 and all(p.merged_into_id is None for p in rows)


def test_a_clerk_may_not_open_or_use_the_merge_pages(clerk_page: httpx.Client, clerk: httpx.Client,
                                                     sessions: Any) -> None:
    home = clerk_page.get("/office")
    assert home.status_code == 200 and "/office/merges" not in home.text  # not in the clerk's nav
    assert clerk_page.get("/office/merges").status_code == 403
    assert clerk_page.get(f"/office/merges/{uuid.uuid4()}").status_code == 403
    first, second = new_person(clerk)["id"], new_person(clerk, with_curp=False)["id"]
    posted = clerk_page.post("/office/merges", data={
        "csrf_token": _csrf(home), "survivor_id": first, "absorbed_id": second,
        "reason": "duplicate_registration"})
    assert posted.status_code == 403
    assert clerk_page.post(f"/office/merges/{uuid.uuid4()}/unmerge", data={
        "csrf_token": _csrf(home), "reason": "other"}).status_code == 403
    with sessions() as session:
        row = session.get(Person, uuid.UUID(second))
        assert row is not None and row.merged_into_id is None
