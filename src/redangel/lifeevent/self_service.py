"""What a citizen sees at a kiosk: their programs and the programs they might qualify for.

Why a module of its own: the kiosk pages call services, never repositories; this view exists
for the card holder alone (PIN required, scoped by `person.policy`, the read audited), and
nothing it computes is stored. It sits with the life events because it screens the same facts
of the registry (`lifeevent.facts`) against the catalog. Who looked at their data is
`person.accesses.accesses`.

A kiosk is a public screen: whoever stands beside the card holder reads it. Programs the catalog
marks `sensitive` (family violence, disability) are never named there — not among the programs
the person might get, nor in their programs, applications or deliveries
(`program.overview.public_screen`). The kiosk says instead, always and whatever the person has
(so that the sentence itself tells a bystander nothing), that some support is only talked about
in private at an office.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from redangel import eligibility
from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.crypto.keyring import Keyring
from redangel.lifeevent.facts import household_of
from redangel.person.accesses import check_subject
from redangel.program.overview import private_programs
from redangel.program.repository import live_program_codes

HOLDING = ("already_enrolled",)


def might_qualify(session: Session, *, catalog: Any, keyring: Keyring, principal: Principal,
                  person_id: uuid.UUID, held: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Programs the person may get (eligible or needs information), over the whole catalog.

    The screening runs on the registry's facts of the person and their household; programs the
    person holds or has applied for (`held`) and sensitive programs are left out; nothing is
    stored.
    """
    check_subject(session, principal=principal, person_id=person_id)
    person, household = household_of(session, keyring=keyring, person_id=person_id)
    current = sorted(live_program_codes(session, person_id))
    result = eligibility.evaluate(catalog, event_code=None, person=person, household=household,
                                  answers={}, as_of=city_today(), current_programs=current)
    audit.record(session, principal=principal, action="person.screen", person_id=person_id,
                 purpose="self_service")
    skip = set(current) | set(held) | private_programs(catalog)
    out = []
    for item in result.to_dict().get("results", []):
        if item["verdict"] == eligibility.NOT_ELIGIBLE or item["program"] in skip:
            continue
        if any(c.get("kind") in HOLDING for c in item.get("conflicts", [])):
            continue
        out.append(item)
    return sorted(out, key=lambda i: (i["verdict"] != eligibility.ELIGIBLE, i["program"]))
