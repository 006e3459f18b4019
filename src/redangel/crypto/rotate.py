"""`redangel keys rotate`: a new data key, then every sealed row re-sealed in small batches.

Online: each batch is its own short transaction, and a row changed by the service meanwhile
(its version moved on) is skipped — the service already sealed it with the new key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from redangel.crypto.keyring import Keyring
from redangel.crypto.repository import add_data_key
from redangel.person.models import Person

SEALED = (("curp_sealed", "curp"), ("contact_sealed", "contact"), ("sensitive_sealed", "sensitive"))


@dataclass(frozen=True)
class RotationReport:
    """What a rotation did."""

    new_version: int
    rows_resealed: int
    rows_remaining: int


def rotate(factory: sessionmaker[Session], *, kek: bytes, keyring: Keyring,
           batch: int = 500, new_key: bool = True) -> RotationReport:
    """Add a data key (unless resuming) and re-seal every person row sealed with an older one."""
    with factory() as session:
        version = add_data_key(session, kek=kek, ring=keyring) if new_key else keyring.active_version
        session.commit()
    done = 0
    while True:
        with factory() as session:
            rows = session.execute(
                select(Person.id, Person.version, Person.curp_sealed, Person.contact_sealed,
                       Person.sensitive_sealed)
                .where(Person.key_version < version).order_by(Person.id).limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                values: dict[str, object] = {"key_version": version}
                for attr, column in SEALED:
                    blob = getattr(row, attr)
                    if blob is not None:
                        plain = keyring.open(blob, table="person", column=column, row_id=row.id)
                        values[attr] = keyring.seal(plain, table="person", column=column,
                                                    row_id=row.id)
                result = session.execute(
                    update(Person).where(Person.id == row.id, Person.version == row.version)
                    .values(**values)
                )
                done += result.rowcount  # type: ignore[attr-defined]
            session.commit()
    with factory() as session:
        remaining = len(session.scalars(
            select(Person.id).where(Person.key_version < version).limit(1)).all())
    return RotationReport(version, done, remaining)
