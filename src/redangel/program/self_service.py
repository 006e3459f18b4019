"""What a citizen sees at a kiosk: their programs and the programs they might qualify for.

Why a module of its own: the kiosk pages call services, never repositories; these views exist
for the card holder alone (PIN required, scoped by `auth.policy`, the read audited), and
nothing they compute is stored. Who looked at their data is `audit.subject.accesses`.

A kiosk is a public screen: whoever stands beside the card holder reads it. Programs the catalog
marks `sensitive` (family violence, disability) are never named there — not among the programs
the person might get, nor in their programs, applications or deliveries. The kiosk says instead,
always and whatever the person has (so that the sentence itself tells a bystander nothing), that
some support is only talked about in private at an office.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.audit.subject import check_subject
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.crypto.keyring import Keyring
from redangel.program import overview as overviews

HOLDING = ("already_enrolled",)
SHOWN_BY_PROGRAM = ("enrollments", "open_applications", "decided_applications", "deliveries",
                    "overdue")


def private_programs(catalog: Any) -> frozenset[str]:
    """The codes of the programs never named on a public screen."""
    return frozenset(code for code, program in catalog.programs.items() if program.sensitive)


def kiosk_overview(session: Session, *, catalog: Any, keyring: Keyring, principal: Principal,
                   person_id: uuid.UUID) -> dict[str, Any]:
    """The card holder's programs, applications and deliveries as a public screen may show
    them: the person 360 (read and audited as `self_service`) without sensitive programs."""
    data = overviews.overview(session, keyring=keyring, principal=principal,
                              person_id=person_id, purpose="self_service")
    private = private_programs(catalog)
    for key in SHOWN_BY_PROGRAM:
        data[key] = [item for item in data[key] if item["program"] not in private]
    return data


def might_qualify(session: Session, *, catalog: Any, keyring: Keyring, principal: Principal,
                  person_id: uuid.UUID, held: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Programs the person may get (eligible or needs information), over the whole catalog.

    The screening runs on the registry's facts of the person and their household; programs the
    person holds or has applied for (`held`) and sensitive programs are left out; nothing is
    stored.
    """
    from redangel import eligibility
    from redangel.lifeevent.facts import household_of
    from redangel.program.repository import live_program_codes

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
