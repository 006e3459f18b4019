"""The demo's civil registry: two births a data steward reviews at /office/crvs, received through
the same door and checks as a real civil registry's (`crvs.service.receive`, signed), so a new
steward sees the review page filled: one whose mother's surname was misspelt (she shows as a
candidate), one whose mother nobody registered."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from redangel.auth.principal import SYSTEM
from redangel.common.clock import city_today
from redangel.crvs import service as crvs
from redangel.crvs import simulator
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow

SENDER = "registro-civil-demo-semilla"


def seed_review_events(session: Session, *, keyring: Keyring, catalog: Any) -> int:
    """Send the demo's births for review once (its sender registered here); how many events.

    The sender's key is made here and not kept: nobody can sign as it afterwards."""
    if SENDER in {s.sender_id for s in crvs.sources(session)}:
        return 0
    key = simulator.new_key()
    crvs.add_source(session, principal=SYSTEM, sender_id=SENDER, name="Registro Civil (demo)",
                    public_key=simulator.public_text(key), receiver_id=crvs.DEFAULT_RECEIVER)
    mothers, _ = crvs.simulation_subjects(session, keyring=keyring, mothers=1, deceased=0)
    named = ((mothers[0].given_names, mothers[0].first_surname, mothers[0].second_surname,
              mothers[0].birth_date) if mothers else None)
    registry = simulator.CivilRegistry(sender_id=SENDER, key=key)
    now = utcnow()
    events = simulator.births_for_review(named=named, today=city_today(), at=now)
    answer = crvs.receive(session, keyring=keyring, catalog=catalog,
                          raw=registry.envelope(events, at=now), now=now)
    if answer.status != 200:
        raise RuntimeError(f"the demo's civil registry was refused: {answer.body}")
    return len(events)
