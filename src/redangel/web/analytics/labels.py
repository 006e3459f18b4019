"""The words of the analysts' console: each view's and figure's title, how each was computed, the
columns and the groups. The analytics service hands keys; these say them in each language."""

from __future__ import annotations

from typing import Any

from redangel.common.types import BOROUGHS
from redangel.web.i18n import _, translate
from redangel.web.office.labels import SEXES

VIEWS: dict[str, str] = {
    "coverage": _("Coverage of target groups"),
    "centre": _("The person at the centre"),
    "decisions": _("Time to decision"),
    "deliveries": _("Deliveries"),
    "feedback": _("Citizen feedback"),
    "quality": _("Data quality"),
}
TARGETS: dict[str, str] = {
    "": _("Everyone"),
    "elderly": _("Older people (65 or more)"),
    "school_age": _("School-age children (6 to 17)"),
    "single_mother": _("Single mothers"),
    "low_income": _("Low-income households"),
}
BY: dict[str, str] = {"borough": _("Borough"), "sex": _("Sex"), "age_band": _("Age band")}
TITLES: dict[str, str] = {
    "coverage_by_borough": _("Coverage by borough"),
    "coverage_by_sex": _("Coverage by sex"),
    "coverage_by_age_band": _("Coverage by age band"),
    "coverage_by_program": _("Coverage by program"),
    "coverage_over_time": _("Coverage over time"),
    "inclusion_by_borough": _("Enrolled who no longer meet the rules, by borough"),
    "inclusion_by_sex": _("Enrolled who no longer meet the rules, by sex"),
    "inclusion_by_age_band": _("Enrolled who no longer meet the rules, by age band"),
    "programs_per_person": _("Programs per person"),
    "agencies_per_person": _("Agencies per person"),
    "programs_per_household": _("Programs per household"),
    "pairs": _("Programs most often held together"),
    "exclusive": _("People in two programs the rules say are exclusive"),
    "unserved": _("Households where someone is eligible and nobody is enrolled"),
    "decisions_by_program": _("Decisions by program"),
    "decisions_by_channel": _("Decisions by channel"),
    "breached": _("Open applications past their promised day"),
    "reasons": _("Reasons given for rejections"),
    "deliveries_by_month": _("Persons served and enrolled, by month"),
    "curp": _("Persons with a CURP, by borough"),
    "completeness": _("Persons with every fact a program needs"),
}
NOTES: dict[str, str] = {
    "coverage": _("Eligible: living persons who meet the program's rules today, by the outreach "
                  "engine over the whole registry, on the day the data was taken. Covered: "
                  "eligible and enrolled. Excluded: eligible and not enrolled. Coverage is "
                  "covered over eligible; a group is flagged when its coverage is under 0.8 of "
                  "everyone's."),
    "coverage_by_program": _("A person eligible for several programs counts once in each."),
    "inclusion": _("Enrolled (active or suspended) in a program whose rules they no longer meet "
                   "on the day the data was taken: cases to review, not errors proven."),
    "coverage_over_time": _("One row per refresh of the figures; the same rules of today's "
                            "catalog applied on each day."),
    "centre": _("Live enrollments (active or suspended) of living persons, counted per person "
                "and per household (its current members)."),
    "unserved": _("Households with a member eligible for at least one program and no member "
                  "enrolled in any."),
    "decisions": _("Applications approved or rejected in the period, by the month decided. "
                   "Days from the day submitted to the day decided (city calendar); p50 and "
                   "p90: half and nine in ten were decided within that many days. In time: "
                   "decided by the day the program promised."),
    "breached": _("Counted on the day the data was taken."),
    "reasons": _("Reasons written by the supervisor, counted as written (ignoring case and "
                 "spacing); reasons given fewer times than the threshold are counted together."),
    "deliveries": _("Persons served: different persons with a delivery in the month. Enrolled: "
                    "live enrollments at any time in the month."),
    "quality": _("Living persons of the registry. A program's facts are those its rules read "
                 "about the person."),
}
COLUMNS: dict[str, str] = {
    "covered": _("Covered"), "excluded": _("Excluded"), "inclusion": _("To review"),
    "total": _("Total"), "eligible": _("Eligible"), "ratio": _("Coverage"),
    "persons": _("Persons"), "households": _("Households"), "approved": _("Approved"),
    "rejected": _("Rejected"), "approval": _("Approval rate"), "within_share": _("In time"),
    "p50": _("Days, p50"), "p90": _("Days, p90"), "breached": _("Past their day"),
    "enrolled": _("Enrolled"), "served_share": _("Served over enrolled"),
    "deliveries_made": _("Deliveries"), "amount": _("Amount"), "with_curp": _("With CURP"),
    "without_curp": _("Without CURP"), "curp_share": _("Share with CURP"),
    "complete": _("Complete"), "incomplete": _("Missing a fact"),
    "complete_share": _("Share complete"),
}
GROUPS: dict[str, str] = {
    "borough": _("Borough"), "sex": _("Sex"), "age_band": _("Age band"), "program": _("Program"),
    "day": _("Day taken"), "bucket": _("How many"), "pair": _("Programs"),
    "channel": _("Channel"), "reason": _("Reason"), "month": _("Month"),
}
AGE_BANDS: dict[str, str] = {
    "0-5": _("0 to 5 years"), "6-17": _("6 to 17 years"), "18-29": _("18 to 29 years"),
    "30-44": _("30 to 44 years"), "45-64": _("45 to 64 years"), "65+": _("65 years or more"),
}
CHANNELS: dict[str, str] = {
    "office": _("Office"), "kiosk": _("Kiosk"), "website": _("Website"),
    "call_center": _("Call center"), "agency": _("Agency"), "proactive": _("Proactive"),
}
NO_BOROUGH = _("No borough recorded")
FOUR_OR_MORE = _("4 or more")
OTHER_REASONS = _("Other reasons, each given fewer times than the threshold")
ALL = _("All")


def note(view: str, table_id: str) -> list[str]:
    """How a figure was computed: its view's note (or its kind's), then its own if it has one."""
    kind = table_id.split("_by_", maxsplit=1)[0]
    first = NOTES.get(kind) if kind in NOTES and kind != view else NOTES.get(view)
    own = NOTES.get(table_id)
    return [n for n in (first, own if own != first else None) if n]


def group(kind: str, key: str, lang: str, catalog: Any) -> str:
    """The words of one group of a table, in a language."""
    if kind == "borough":
        return BOROUGHS.get(key) or translate(lang, NO_BOROUGH)
    if kind == "sex":
        return translate(lang, SEXES.get(key, key))
    if kind == "age_band":
        return translate(lang, AGE_BANDS.get(key, key))
    if kind == "program":
        return program(key, lang, catalog)
    if kind == "pair":
        return " + ".join(program(code, lang, catalog) for code in key.split("+"))
    if kind == "bucket":
        return translate(lang, FOUR_OR_MORE) if key == "4+" else key
    if kind == "channel":
        return translate(lang, CHANNELS.get(key, key))
    if kind == "reason":
        return key.capitalize() if key else translate(lang, OTHER_REASONS)
    return key


def program(code: str, lang: str, catalog: Any) -> str:
    """A program's name in a language."""
    found = catalog.programs.get(code)
    return str(found.name.to_dict()[lang]) if found else code
