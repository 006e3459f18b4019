"""Which record's value the merged record keeps, field by field (pure).

- Identity (names, sex, birth date, birth state) comes from the most trusted record: the one
  holding a CURP (checked against the registry's rules when it was entered); when both or
  neither hold one, the survivor the steward chose. A value the trusted record lacks (a second
  surname, the birth state) is filled from the other.
- Where the person lives and how to reach them (borough, postal code, phone, email, address)
  comes from the record changed most recently: people move, and the newest word is the best;
  each contact detail the newest record lacks is filled from the other.
- The CURP is whichever record holds one (two different CURPs are refused before this).
- Sensitive facts and attributes: the survivor's, each missing one filled from the absorbed.
- Date of death: either's (the earlier if both). Registered office: the survivor's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

IDENTITY = ("given_names", "first_surname", "second_surname", "sex", "birth_date", "birth_state")
PLACE = ("borough", "postal_code")
CONTACT = ("phone", "email", "address")


@dataclass
class Side:
    """One record's values as the rules read them (sealed fields opened)."""

    values: dict[str, Any]
    curp: str | None
    contact: dict[str, Any]
    sensitive: dict[str, Any]
    attributes: dict[str, Any]
    updated_at: datetime


@dataclass
class Kept:
    """The merged record's values and, per field, which record gave each and by which rule."""

    values: dict[str, Any] = field(default_factory=dict)
    curp: str | None = None
    contact: dict[str, Any] = field(default_factory=dict)
    sensitive: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    sources: list[tuple[str, str, str]] = field(default_factory=list)  # (field, source, rule)


def _pick(kept: Kept, name: str, first: tuple[str, Any], second: tuple[str, Any], rule: str) -> Any:
    (first_name, first_value), (second_name, second_value) = first, second
    if first_value not in (None, "", {}):
        kept.sources.append((name, first_name, rule))
        return first_value
    if second_value not in (None, "", {}):
        kept.sources.append((name, second_name, "filled"))
        return second_value
    return first_value


def _filled(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    return {**second, **{k: v for k, v in first.items() if v is not None}}


def keep(survivor: Side, absorbed: Side) -> Kept:
    """The values the merged record keeps."""
    kept = Kept()
    trusted_absorbed = absorbed.curp is not None and survivor.curp is None
    trusted, other = (("absorbed", absorbed), ("survivor", survivor)) if trusted_absorbed else \
        (("survivor", survivor), ("absorbed", absorbed))
    for name in IDENTITY:
        kept.values[name] = _pick(kept, name, (trusted[0], trusted[1].values[name]),
                                  (other[0], other[1].values[name]), "trusted")
    newer_absorbed = absorbed.updated_at > survivor.updated_at
    newest, older = (("absorbed", absorbed), ("survivor", survivor)) if newer_absorbed else \
        (("survivor", survivor), ("absorbed", absorbed))
    for name in PLACE:
        kept.values[name] = _pick(kept, name, (newest[0], newest[1].values[name]),
                                  (older[0], older[1].values[name]), "newest")
    for name in CONTACT:
        value = _pick(kept, name, (newest[0], newest[1].contact.get(name)),
                      (older[0], older[1].contact.get(name)), "newest")
        if value not in (None, "", {}):
            kept.contact[name] = value
    kept.curp = _pick(kept, "curp", ("survivor", survivor.curp), ("absorbed", absorbed.curp), "kept")
    kept.sensitive = _filled(survivor.sensitive, absorbed.sensitive)
    kept.attributes = _filled(survivor.attributes, absorbed.attributes)
    deaths = [d for d in (survivor.values["deceased_on"], absorbed.values["deceased_on"]) if d is not None]
    kept.values["deceased_on"] = min(deaths) if deaths else None
    if deaths:
        kept.sources.append(("deceased_on", "survivor" if survivor.values["deceased_on"] == min(deaths)
                             else "absorbed", "either"))
    kept.values["confirmed_distinct"] = bool(survivor.values["confirmed_distinct"]
                                             or absorbed.values["confirmed_distinct"])
    return kept

