"""The words the office pages show for the registry's codes (purposes, statuses, choices).

Each text is an English message id marked with `_` and translated when the page renders
(`{{ _(label) }}`), so the Spanish lives in `office.po` with every other office text.
"""

from __future__ import annotations

from typing import get_args

from redangel.common.types import BOROUGHS, State
from redangel.web.i18n import _

# Why a clerk opens a record: a subset of `person.api.Purpose`, in the order clerks need them.
PURPOSES: dict[str, str] = {
    "attention": _("Attending the person at the desk"),
    "follow_up": _("Following up an application"),
    "application": _("Applying for programs"),
    "card_issuance": _("Issuing, replacing or reporting a card"),
    "registration": _("Registering or correcting data"),
    "verification": _("Checking data or documents"),
}
SUPERVISOR_PURPOSES: dict[str, str] = {**PURPOSES, "supervision": _("Supervising the office's work")}

SEXES: dict[str, str] = {"M": _("Woman"), "H": _("Man"), "X": _("Non-binary")}

STATE_NAMES: dict[str, str] = {
    "AS": "Aguascalientes", "BC": "Baja California", "BS": "Baja California Sur",
    "CC": "Campeche", "CL": "Coahuila", "CM": "Colima", "CS": "Chiapas", "CH": "Chihuahua",
    "DF": "Ciudad de México", "DG": "Durango", "GT": "Guanajuato", "GR": "Guerrero",
    "HG": "Hidalgo", "JC": "Jalisco", "MC": "Estado de México", "MN": "Michoacán",
    "MS": "Morelos", "NT": "Nayarit", "NL": "Nuevo León", "OC": "Oaxaca", "PL": "Puebla",
    "QT": "Querétaro", "QR": "Quintana Roo", "SP": "San Luis Potosí", "SL": "Sinaloa",
    "SR": "Sonora", "TC": "Tabasco", "TS": "Tamaulipas", "TL": "Tlaxcala", "VZ": "Veracruz",
    "YN": "Yucatán", "ZS": "Zacatecas",
}
BORN_ABROAD = _("Abroad")
assert set(STATE_NAMES) | {"NE"} == set(get_args(State))

RELATIONSHIPS: dict[str, str] = {
    "head": _("Head of household"), "spouse": _("Spouse or partner"), "child": _("Son or daughter"),
    "parent": _("Father or mother"), "grandparent": _("Grandparent"),
    "other_relative": _("Other relative"), "other": _("Other, not a relative"),
}
EMPLOYMENT: dict[str, str] = {
    "formal": _("Formal job (with social security)"), "informal": _("Informal work"),
    "unemployed": _("Looking for work"), "student": _("Student"), "retired": _("Retired"),
    "homemaker": _("Homemaker"), "other": _("Other"),
}
SCHOOLING: dict[str, str] = {
    "none": _("No schooling"), "preschool": _("Preschool"), "primary": _("Primary school"),
    "secondary": _("Secondary school"), "upper_secondary": _("High school"),
    "higher": _("University"),
}
MARITAL: dict[str, str] = {
    "single": _("Single"), "married": _("Married"), "free_union": _("Living together"),
    "divorced": _("Divorced"), "widowed": _("Widowed"), "separated": _("Separated"),
}
HEALTH: dict[str, str] = {
    "none": _("No health coverage"), "imss": "IMSS", "issste": "ISSSTE", "pemex_sedena": "PEMEX / SEDENA",
    "private": _("Private insurance"), "other": _("Other"),
}
DISABILITY: dict[str, str] = {
    "none": _("No disability"), "temporary": _("Temporary disability"),
    "permanent": _("Permanent disability"),
}
SCHOOL_SECTORS: dict[str, str] = {"public": _("Public school"), "private": _("Private school")}
APPLICATION_STATUSES: dict[str, str] = {
    "submitted": _("Submitted"), "in_review": _("In review"), "approved": _("Approved"),
    "rejected": _("Rejected"),
}
ENROLLMENT_STATUSES: dict[str, str] = {
    "active": _("Active"), "suspended": _("Suspended"), "exited": _("Ended"),
}
CARD_STATUSES: dict[str, str] = {
    "pending_write": _("Being issued (not active)"), "active": _("Active"), "lost": _("Reported lost"),
    "stolen": _("Reported stolen"), "damaged": _("Reported damaged"), "expired": _("Expired"),
    "revoked": _("Cancelled"), "replaced": _("Replaced by a newer card"),
}
CARD_REPORTS: dict[str, str] = {"lost": _("Lost"), "stolen": _("Stolen"), "damaged": _("Damaged")}
VERDICTS: dict[str, tuple[str, str]] = {  # verdict -> (badge class, words)
    "eligible": ("ok", _("Can receive it")),
    "not_eligible": ("bad", _("Does not qualify")),
    "needs_information": ("warn", _("Needs more information")),
}
CONFLICTS: dict[str, str] = {
    "already_enrolled": _("Already enrolled in this program."),
    "excluded_by_current": _("Cannot be combined with a program the person already has:"),
    "mutually_exclusive": _("Cannot be held together with another program of this list:"),
}


def borough_name(code: str | None) -> str:
    """A borough's name, or nothing."""
    return BOROUGHS.get(code or "", "")


def state_name(code: str | None) -> str:
    """A state's name ('Abroad' is translated by the caller)."""
    return STATE_NAMES.get(code or "", "")

EVENT_CATEGORIES: dict[str, str] = {
    "family": _("Family"), "education": _("School"), "health": _("Health"),
    "work": _("Work"), "ageing": _("Older age"), "residence": _("Residence"),
    "safety": _("Safety"),
}

# The words for each enum fact of the catalog's schema that the wizard may ask (by fact name).
FACT_OPTIONS: dict[str, dict[str, str]] = {
    "sex": SEXES, "borough": BOROUGHS, "employment_status": EMPLOYMENT,
    "schooling_level": SCHOOLING, "marital_status": MARITAL, "health_coverage": HEALTH,
    "disability": DISABILITY, "school_sector": SCHOOL_SECTORS,
}
