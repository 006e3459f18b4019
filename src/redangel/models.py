"""Every table of the service, imported in one place for Alembic and the app."""

from redangel.analytics.models import AnalyticsCell, AnalyticsRun
from redangel.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from redangel.auth.kiosk_models import KioskSession
from redangel.auth.models import Agency, AgencyClient, KioskDevice, Office, UserAccount, UserSession
from redangel.card.models import Card, IssuerKey, KioskChallenge
from redangel.crvs.models import CrvsEvent, CrvsMessage, CrvsSource, DeliveryAfterDeath, ProactiveOffer
from redangel.crypto.models import DataKey
from redangel.db import Base
from redangel.history.models import HistoryEntry
from redangel.household.models import Household
from redangel.idempotency.models import IdempotencyRecord
from redangel.lifeevent.models import Evaluation
from redangel.linkage.models import PersonMerge, PersonPairBlock
from redangel.person.models import (
    Membership,
    NameTerm,
    NameTermVariant,
    Opposition,
    Person,
    PersonNamePair,
    PersonNameTerm,
)
from redangel.program.models import Application, Enrollment, Program
from redangel.rights.models import RightsRequest
from redangel.rolls.models import RollImport, RollPair, RollRow

__all__ = [
    "Agency", "AgencyClient", "AnalyticsCell", "AnalyticsRun", "Application", "AuditCheckpoint",
    "AuditEvent", "AuditHead", "Base", "Card", "CrvsEvent", "CrvsMessage", "CrvsSource", "DataKey",
    "DeliveryAfterDeath", "Enrollment", "Evaluation", "HistoryEntry", "Household",
    "IdempotencyRecord", "IssuerKey", "KioskChallenge", "KioskDevice", "KioskSession",
    "Membership", "NameTerm", "NameTermVariant", "Office", "Opposition", "Person", "PersonMerge",
    "PersonNamePair", "PersonNameTerm", "PersonPairBlock", "ProactiveOffer", "Program",
    "RightsRequest", "RollImport", "RollPair", "RollRow", "UserAccount", "UserSession",
]
