"""`redangel crvs simulate` plays the civil registry against a running service: it signs and
sends births, deaths and a reversal for registered persons, over HTTP, as a real one would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from redangel.config import Settings
from redangel.crvs import simulator
from redangel.person import curp as curp_rules
from tests.audit.test_verify_command import run
from tests.conftest import LiveServer, login
from tests.crvs.helpers import household, person


def test_the_simulator_drives_a_running_service(
    live: LiveServer, settings: Settings, clerk: httpx.Client, world: Any, tmp_path: Any,
) -> None:
    for year in ("1990", "1991"):  # at least two possible mothers with a household
        mother = person(clerk, birth_date=f"{year}-02-02")
        household(clerk, [(mother["id"], "head")])
    person(clerk, birth_date="1960-03-03")  # someone for the civil registry to report dead
    key_file = tmp_path / "registro.key"
    made = run(settings, "crvs", "keygen", str(key_file))
    assert made.returncode == 0, made.stderr
    sender = f"sim-{tmp_path.name[-12:]}".replace("_", "-")
    played = run(settings, "crvs", "simulate", "--url", live.url, "--key-file", str(key_file),
                 "--sender-id", sender, "--births", "2", "--deaths", "1", "--register")
    assert played.returncode == 0, played.stdout + played.stderr
    assert "sent 2 births, 1 deaths and a reversal" in played.stdout
    admin = login(live, world.admin, world.password)
    items = admin.get("/crvs/events", params={"limit": 200}).json()["items"]
    mine = [e for e in items if e["sender_id"] == sender]
    assert sorted(e["kind"] for e in mine) == ["birth", "birth", "death", "death_reversal"]
    assert all(e["state"] in ("processed", "needs_review") for e in mine), mine
    reversal = next(e for e in mine if e["kind"] == "death_reversal")
    assert reversal["state"] == "processed"
    assert any(n["what"] == "card" for n in reversal["outcome"]["not_restored"])
    # A second run with the same sender: the key is registered, the CLI reuses it.
    again = run(settings, "crvs", "simulate", "--url", live.url, "--key-file", str(key_file),
                "--sender-id", sender, "--births", "0", "--deaths", "0", "--register")
    assert again.returncode == 0, again.stdout + again.stderr
    # Two births for the steward's review: a misspelt mother, a mother nobody registered.
    review = run(settings, "crvs", "simulate", "--url", live.url, "--key-file", str(key_file),
                 "--sender-id", sender, "--births", "0", "--deaths", "0", "--for-review")
    assert review.returncode == 0, review.stdout + review.stderr
    assert "and two births for review" in review.stdout
    items = admin.get("/crvs/events", params={"limit": 200}).json()["items"]
    waiting = [e for e in items if e["sender_id"] == sender and e["state"] == "needs_review"
               and e["reason"] == "mother_not_found"]
    assert len(waiting) >= 2


def test_the_simulated_newborns_have_distinct_curps_however_many() -> None:
    """A benchmark of a thousand births runs a thousand registrations, not a few dozen and then
    the same newborns notified again (which the registry answers as already registered)."""
    today = date(2026, 12, 7)
    mothers = [simulator.Known("GOMA900101MDFMRR01", date(1990, 1, 1))] * 2500
    events = simulator.births_for(mothers, today=today, at=datetime(2026, 12, 7, tzinfo=UTC))
    records = [e["data"]["reg_records"] for e in events]
    curps = [r["identifier"][0]["identifier_value"] for r in records]
    assert len(set(curps)) == len(curps) == 2500
    born = {date.fromisoformat(r["birth_date"]) for r in records}
    assert max(born) == today - timedelta(days=2) and min(born) >= today - timedelta(days=10)
    assert all(curp_rules.explain(c) is None for c in curps)
