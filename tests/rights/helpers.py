"""The office console as a browser drives it, over real HTTP: signing in, the form token, and
receiving and answering data-rights requests."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from tests.conftest import LiveServer


def office(live: LiveServer, username: str, password: str) -> httpx.Client:
    """A cookie-keeping client signed in to the office console."""
    client = httpx.Client(base_url=live.url, timeout=60, follow_redirects=False,
                          headers={"Origin": live.url, "Sec-Fetch-Site": "same-origin"})
    page = client.get("/office/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token, page.text[:300]
    answer = client.post("/office/login", data={"username": username, "password": password,
                                                "next": "/office", "login_token": token.group(1)})
    assert answer.status_code == 303, answer.text[:300]
    return client


def csrf(client: httpx.Client) -> str:
    """The session's form token, read off a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/office").text)
    assert found
    return found.group(1)


def receive(client: httpx.Client, person_id: str, right: str, *, document: str = "voter_card",
            use: str = "", lang: str = "es") -> httpx.Response:
    """Post the office's form receiving a request."""
    return client.post(f"/office/rights?lang={lang}", data={
        "csrf_token": csrf(client), "person_id": person_id, "right": right,
        "identity_document": document, "use": use})


def received(client: httpx.Client, person_id: str, right: str, **kw: Any) -> str:
    """Receive a request; returns its id."""
    answer = receive(client, person_id, right, **kw)
    assert answer.status_code == 303, answer.text[:2000]
    location = answer.headers["location"]
    return str(uuid.UUID(location.split("/office/rights/")[1].split("?")[0]))


def step(client: httpx.Client, request_id: str, name: str, **data: str) -> httpx.Response:
    """Answer a request (deliver, close, oppose, block, refuse)."""
    return client.post(f"/office/rights/{request_id}/{name}",
                       data={"csrf_token": csrf(client), **data})
