"""The answers the screening form offers, and the offices people can go to.

The values are those of `lifeevent.schemas.ScreeningPerson`; the labels are English message
ids translated when shown.
"""

from __future__ import annotations

from redangel.common.types import BOROUGHS
from redangel.web.i18n import _

__all__ = ["BOROUGHS", "CHOICES", "FACT_FIELDS"]

CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "sex": (("M", _("Woman")), ("H", _("Man")), ("X", _("Non-binary"))),
    "marital_status": (("single", _("Single")), ("married", _("Married")),
                       ("free_union", _("Living together")), ("divorced", _("Divorced")),
                       ("widowed", _("Widowed")), ("separated", _("Separated"))),
    "employment_status": (("formal", _("Formal job (with social security)")),
                          ("informal", _("Informal work")), ("unemployed", _("No work")),
                          ("student", _("Student")), ("retired", _("Retired")),
                          ("homemaker", _("Home care")), ("other", _("Other"))),
    "schooling_level": (("none", _("None")), ("preschool", _("Preschool")),
                        ("primary", _("Primary school")), ("secondary", _("Secondary school")),
                        ("upper_secondary", _("High school")), ("higher", _("University"))),
    "school_sector": (("public", _("Public school")), ("private", _("Private school"))),
    "disability": (("none", _("No disability")), ("temporary", _("Temporary disability")),
                   ("permanent", _("Permanent disability"))),
    "health_coverage": (("none", _("No health coverage")), ("imss", "IMSS"), ("issste", "ISSSTE"),
                        ("pemex_sedena", "PEMEX / SEDENA"), ("private", _("Private insurance")),
                        ("other", _("Other"))),
}

FACT_FIELDS = {
    "sex": "sex", "marital_status": "marital_status", "employment_status": "employment_status",
    "studying": "studying", "schooling_level": "schooling_level", "school_sector": "school_sector",
    "disability": "disability", "health_coverage": "health_coverage", "pregnant": "pregnant",
}
