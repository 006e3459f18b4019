"""What every command needs: the settings, the database, sessions configured for the audit, and
the keyring."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from redangel.audit import service as audit
from redangel.config import Settings, get_settings
from redangel.crypto.keyring import Keyring
from redangel.crypto.service import load_keyring
from redangel.db import make_engine, make_sessionmaker


@dataclass
class Context:
    """What a command needs: settings, engine, configured sessions and the keyring."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def keyring(self) -> Keyring:
        """The keyring, unwrapped from the database (its first data key made if none)."""
        with self.sessions() as session:
            ring = load_keyring(session, kek=self.settings.kek_bytes,
                                blind_index_key=self.settings.blind_index_bytes)
            session.commit()
        return ring


def context() -> Context:
    """Open the configured database for a command."""
    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    sessions = make_sessionmaker(engine)
    config = audit.AuditConfig.from_settings(settings)

    @event.listens_for(sessions, "after_begin")
    def _configure(session: Session, *_: object) -> None:
        audit.configure(session, config)

    return Context(settings, engine, sessions)
