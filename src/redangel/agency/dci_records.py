"""A person as the DCI standard's `Member`, built from the agency's allowlisted view only.

The standard has members for identifiers, the name, sex, birth date, address, phones and
e-mails; every other fact the agency may see travels as a named `additional_attributes` item.
The two surnames are joined in `surname` (as they are written) and also given apart, since a
Mexican name has two. A field the allowlist does not give is absent — never `null`.
"""

from __future__ import annotations

from typing import Any

from redangel.agency.dci_schemas import Address, Attribute, Demographics, Identifier, Member, PersonName
from redangel.common.types import BOROUGHS

PERSON_ID_TYPE = "redangel:person_id"
_SEX = {"H": "male", "M": "female", "X": "other"}
_STANDARD = {"id", "curp", "given_names", "sex", "birth_date", "phone", "email", "address",
             "borough", "postal_code"}


def _name(view: dict[str, Any]) -> PersonName | None:
    surnames = [view.get("first_surname"), view.get("second_surname")]
    surname = " ".join(s for s in surnames if s) or None
    if not view.get("given_names") and surname is None:
        return None
    return PersonName(given_name=view.get("given_names"), surname=surname)


def _address(view: dict[str, Any]) -> list[Address] | None:
    home = view.get("address") or {}
    borough = home.get("borough") or view.get("borough")
    postal = home.get("postal_code") or view.get("postal_code")
    if not (home or borough or postal):
        return None
    return [Address(address_line1=home.get("street"), locality=home.get("colonia"),
                    sub_region_code=BOROUGHS.get(borough) if borough else None,
                    postal_code=postal)]


def member(view: dict[str, Any]) -> Member:
    """The allowlisted view of one person (`person.fields.view`) as a `Member`."""
    person_id = str(view["id"])
    ids = [Identifier(identifier_type=PERSON_ID_TYPE, identifier_value=person_id)]
    identifiers = list(ids)
    if view.get("curp"):
        identifiers.append(Identifier(identifier_type="CURP", identifier_value=view["curp"]))
    extra = [Attribute(name=key, value=value) for key, value in view.items()
             if key not in _STANDARD and value is not None]
    if view.get("borough"):
        extra.append(Attribute(name="borough", value=view["borough"]))
    return Member(
        id_=f"urn:redangel:person:{person_id}",
        member_identifier=ids,
        demographic_info=Demographics(
            identifier=identifiers,
            name=_name(view),
            sex=_SEX.get(view["sex"]) if view.get("sex") else None,
            birth_date=view.get("birth_date"),
            address=_address(view),
            phone_number=[view["phone"]] if view.get("phone") else None,
            email=[view["email"]] if view.get("email") else None,
        ),
        additional_attributes=extra,
    )
