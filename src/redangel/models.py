"""Every table of the service, imported in one place for Alembic and the app."""

from redangel.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from redangel.auth.kiosk_models import KioskSession
from redangel.auth.models import Agency, AgencyClient, KioskDevice, Office, UserAccount, UserSession
from redangel.card.models import Card, IssuerKey, KioskChallenge
from redangel.crypto.models import DataKey
from redangel.db import Base
from redangel.history.models import HistoryEntry
from redangel.household.models import Household
from redangel.idempotency.models import IdempotencyRecord
from redangel.lifeevent.models import Evaluation
from redangel.linkage.models import PersonMerge, PersonPairBlock
from redangel.person.models import Membership, NameTerm, NameTermVariant, Person, PersonNameTerm
from redangel.program.models import Application, Enrollment, Program
from redangel.rolls.models import RollImport, RollPair, RollRow

__all__ = [
    "Agency",
    "AgencyClient",
    "Application",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Card",
    "DataKey",
    "Enrollment",
    "Evaluation",
    "HistoryEntry",
    "Household",
    "IdempotencyRecord",
    "IssuerKey",
    "KioskChallenge",
    "KioskDevice",
    "KioskSession",
    "Membership",
    "NameTerm",
    "NameTermVariant",
    "Office",
    "Person",
    "PersonMerge",
    "PersonNameTerm",
    "PersonPairBlock",
    "Program",
    "RollImport",
    "RollPair",
    "RollRow",
    "UserAccount",
    "UserSession",
]
