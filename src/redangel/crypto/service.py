"""The keyring's data keys: unwrapped at start, a new one added on rotation.

Each data key is stored wrapped by the key-encryption key from settings; only this module
unwraps them. `load_keyring` is what the app and every command use to open sealed fields.
"""

from __future__ import annotations

import os

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from redangel.crypto import repository
from redangel.crypto.keyring import Keyring, unwrap_key, wrap_key


def _fill(ring: Keyring, session: Session | Connection, kek: bytes) -> None:
    for row in repository.data_keys(session):
        if row.version not in ring.keys:
            ring.add(row.version, unwrap_key(kek, row.version, row.wrapped_key), active=False)
        if row.active:
            ring.active_version = row.version


def load_keyring(
    session: Session, *, kek: bytes, blind_index_key: bytes, engine: Engine | None = None,
) -> Keyring:
    """Unwrap every data key (creating the first on a new database); given the engine, the
    keyring later picks up keys that a rotation adds from another process."""
    ring = Keyring(blind_index_key=blind_index_key)
    _fill(ring, session, kek)
    if not ring.keys:
        add_data_key(session, kek=kek, ring=ring)
    if engine is not None:

        def reload(target: Keyring) -> None:
            with engine.connect().execution_options(readonly=True) as conn:
                _fill(target, conn, kek)

        ring.reload = reload
    return ring


def add_data_key(session: Session, *, kek: bytes, ring: Keyring) -> int:
    """Create a new data key version, make it active, and add it to the keyring."""
    version = max(ring.keys, default=0) + 1
    material = os.urandom(32)
    repository.add_active(session, version=version, wrapped_key=wrap_key(kek, version, material))
    ring.add(version, material, active=True)
    return version
